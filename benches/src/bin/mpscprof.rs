//! One runtime, the mpsc workload of `compare_sync`, many runs: for `perf stat`, `perf record`,
//! `strace -c -f` and valgrind.
//!
//! `mpscprof <weft|tokio|smol> [producers (4)] [runs (10)]` (worker threads: `MPSCPROF_WORKERS`,
//! default 2; `MPSCPROF_GAP_MS`: an idle pause before each run, as between two runs of the same
//! runtime in `compare_sync`, default 0). Prints wall and CPU (whole process) per message, the
//! pauses left out; for weft also each worker's polls, steals and parks.

use std::time::{Duration, Instant};

use weft_benches::harness::cpu_time;
use weft_benches::sync_workloads as s;
use weft_benches::{Rt, Smol, Tokio, Weft};

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let arg = |i: usize, d: usize| a.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let which = a.get(1).cloned().unwrap_or_else(|| "weft".into());
    let (producers, runs) = (arg(2, 4), arg(3, 10));
    let env = |name: &str| {
        std::env::var(name)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    };
    let workers = match env("MPSCPROF_WORKERS") {
        0 => 2,
        n => n,
    };
    let gap = Duration::from_millis(env("MPSCPROF_GAP_MS") as u64);
    let (mut wall, mut cpu) = (Duration::ZERO, Duration::ZERO);
    let mut timed = |run: &mut dyn FnMut()| {
        for _ in 0..runs {
            std::thread::sleep(gap);
            let (t, c) = (Instant::now(), cpu_time());
            run();
            wall += t.elapsed();
            cpu += cpu_time() - c;
        }
    };
    match which.as_str() {
        "weft" => {
            let rt = Weft::new(workers);
            timed(&mut || s::mpsc_weft(&rt, producers));
            let m = rt.spawner().metrics();
            for i in 0..m.num_workers() {
                eprintln!(
                    "worker {i}: polls {}, steals {}, parks {}, busy {:?}",
                    m.worker_poll_count(i),
                    m.worker_steal_count(i),
                    m.worker_park_count(i),
                    m.worker_busy_duration(i)
                );
            }
        }
        "tokio" => {
            let rt = Tokio::new(workers);
            timed(&mut || s::mpsc_tokio(&rt, producers));
        }
        "smol" => {
            let rt = Smol::new(workers);
            timed(&mut || s::mpsc_smol(&rt, producers));
        }
        other => panic!("unknown runtime {other}: use weft, tokio or smol"),
    }
    let total = (s::MESSAGES * runs) as f64;
    println!(
        "{which} {producers} producers x {runs} runs: wall {:.1} ns/msg, cpu {:.1} ns/msg",
        wall.as_secs_f64() * 1e9 / total,
        cpu.as_secs_f64() * 1e9 / total,
    );
}

//! One runtime, the timers workload of `compare_io`, many runs: for `perf stat`, `perf record` and
//! valgrind.
//!
//! `timerprof <weft|tokio|smol> [timers (100000)] [runs (10)]` (worker threads: `TIMERPROF_WORKERS`,
//! default 2). Prints CPU (whole process) and wall per timer and the lateness median and p99.

use std::time::Instant;

use weft_benches::harness::cpu_time;
use weft_benches::io_workloads as io;
use weft_benches::{Rt, Smol, Tokio, Weft};

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let arg = |i: usize, d: usize| a.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let which = a.get(1).cloned().unwrap_or_else(|| "weft".into());
    let (n, runs) = (arg(2, io::TIMERS).min(io::TIMERS), arg(3, 10));
    let ds = io::deadlines();
    let ds = &ds[..n];
    let workers = std::env::var("TIMERPROF_WORKERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    let mut late = Vec::new();
    let (t, c) = (Instant::now(), cpu_time());
    match which.as_str() {
        "weft" => {
            let rt = Weft::new(workers);
            for _ in 0..runs {
                late.extend(io::timers(&rt, io::weft_sleep, ds));
            }
        }
        "tokio" => {
            let rt = Tokio::new(workers);
            for _ in 0..runs {
                late.extend(io::timers(&rt, io::tokio_sleep, ds));
            }
        }
        "smol" => {
            let rt = Smol::new(workers);
            for _ in 0..runs {
                late.extend(io::timers(&rt, io::smol_sleep, ds));
            }
        }
        other => panic!("unknown runtime {other}: use weft, tokio or smol"),
    }
    let (wall, cpu) = (t.elapsed(), cpu_time() - c);
    late.sort_unstable();
    let total = (n * runs) as f64;
    println!(
        "{which} {n} timers x {runs} runs: cpu {:.0} ns/timer, wall {:.0} ns/timer, lateness median {} µs, p99 {} µs",
        cpu.as_secs_f64() * 1e9 / total,
        wall.as_secs_f64() * 1e9 / total,
        late[late.len() / 2] / 1000,
        late[late.len() * 99 / 100] / 1000,
    );
}

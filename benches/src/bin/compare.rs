//! Interleaved comparison of weft, tokio and smol: every round runs every workload on every
//! runtime (in a rotating order), timing wall and CPU time; the report gives medians and the median
//! of the per-round ratios, which is robust on a noisy shared machine.
//!
//! `cargo run --release --bin compare -- [rounds] [filter]`

use std::time::{Duration, Instant};

use weft_benches::{workloads, Rt, Smol, Tokio, Weft};

const WORKERS: usize = 2;

fn cpu_time() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc_rusage::Rusage>::zeroed();
    // SAFETY: getrusage writes a whole rusage into the pointer we give it.
    unsafe { libc_rusage::getrusage(0, usage.as_mut_ptr()) };
    // SAFETY: zero-initialised and then filled by the kernel.
    let u = unsafe { usage.assume_init() };
    let tv = |t: libc_rusage::Timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    tv(u.ru_utime) + tv(u.ru_stime)
}

/// Just what getrusage needs, to keep the bench crate free of a libc dependency.
mod libc_rusage {
    #[repr(C)]
    #[derive(Clone, Copy)]
    pub struct Timeval {
        pub tv_sec: i64,
        pub tv_usec: i64,
    }
    #[repr(C)]
    pub struct Rusage {
        pub ru_utime: Timeval,
        pub ru_stime: Timeval,
        pub rest: [i64; 14],
    }
    extern "C" {
        pub fn getrusage(who: i32, usage: *mut Rusage) -> i32;
    }
}

type Workload<R> = fn(&R);

fn workloads<R: Rt>() -> Vec<(&'static str, Workload<R>, usize)> {
    vec![
        ("spawn_many_local", workloads::spawn_many_local::<R>, 20),
        ("spawn_many_remote", workloads::spawn_many_remote::<R>, 20),
        ("yield_many", workloads::yield_many::<R>, 3),
        ("ping_pong", workloads::ping_pong::<R>, 20),
        ("chained_spawn", workloads::chained_spawn::<R>, 50),
    ]
}

fn find<R: Rt>(list: Vec<(&'static str, Workload<R>, usize)>, name: &str) -> Workload<R> {
    list.into_iter()
        .find(|(n, _, _)| *n == name)
        .expect("known workload")
        .1
}

fn measure<R: Rt>(rt: &R, f: Workload<R>, iters: usize) -> (Duration, Duration) {
    f(rt); // warm
    let (w0, c0) = (Instant::now(), cpu_time());
    for _ in 0..iters {
        f(rt);
    }
    let (w, c) = (w0.elapsed(), cpu_time() - c0);
    (w / iters as u32, c / iters as u32)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rounds: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(7);
    let filter = args.get(2).cloned().unwrap_or_default();
    let weft = Weft::new(WORKERS);
    let tokio = Tokio::new(WORKERS);
    let smol = Smol::new(WORKERS);

    let names: Vec<_> = workloads::<Weft>()
        .into_iter()
        .map(|(n, _, i)| (n, i))
        .filter(|(n, _)| n.contains(filter.as_str()))
        .collect();
    // results[workload][runtime] = list of (wall, cpu) per round, in µs
    let mut results = vec![vec![Vec::<(f64, f64)>::new(); 3]; names.len()];
    for round in 0..rounds {
        for (wi, (name, iters)) in names.iter().enumerate() {
            for k in 0..3 {
                let which = (round + k) % 3; // rotate who goes first
                let (w, c) = match which {
                    0 => measure(&weft, find(workloads::<Weft>(), name), *iters),
                    1 => measure(&tokio, find(workloads::<Tokio>(), name), *iters),
                    _ => measure(&smol, find(workloads::<Smol>(), name), *iters),
                };
                results[wi][which].push((w.as_secs_f64() * 1e6, c.as_secs_f64() * 1e6));
            }
        }
        eprintln!("round {}/{rounds} done", round + 1);
    }

    println!(
        "{WORKERS} workers each, {rounds} interleaved rounds; medians in µs per run (wall / cpu); \
         ratio = median over rounds of weft/peer (< 1.0: weft faster)"
    );
    println!(
        "{:<18} {:>17} {:>17} {:>17} {:>13} {:>13} {:>13} {:>13}",
        "workload",
        "weft",
        "tokio",
        "smol",
        "wall vs tokio",
        "cpu vs tokio",
        "wall vs smol",
        "cpu vs smol"
    );
    for (wi, (name, _)) in names.iter().enumerate() {
        let r = &results[wi];
        let med = |k: usize, cpu: bool| {
            let mut v: Vec<f64> = r[k].iter().map(|x| if cpu { x.1 } else { x.0 }).collect();
            median(&mut v)
        };
        let ratio = |k: usize, cpu: bool| {
            let mut v: Vec<f64> = (0..r[0].len())
                .map(|i| {
                    let (a, b) = (r[0][i], r[k][i]);
                    if cpu {
                        a.1 / b.1
                    } else {
                        a.0 / b.0
                    }
                })
                .collect();
            median(&mut v)
        };
        println!(
            "{:<18} {:>8.0}/{:<8.0} {:>8.0}/{:<8.0} {:>8.0}/{:<8.0} {:>13.2} {:>13.2} {:>13.2} {:>13.2}",
            name,
            med(0, false), med(0, true),
            med(1, false), med(1, true),
            med(2, false), med(2, true),
            ratio(1, false), ratio(1, true), ratio(2, false), ratio(2, true),
        );
    }
    drop((weft, tokio, smol));
}

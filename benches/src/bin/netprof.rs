//! One runtime, one echo shape, many runs: for `perf stat`, `perf record` and `strace -c`.
//!
//! `netprof <weft|tokio> [conns] [size] [trips] [runs]` (worker threads: `NETPROF_WORKERS`, default 2)

use std::time::Instant;

use weft_benches::net_workloads as n;
use weft_benches::{Rt, Tokio, Weft};

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let arg = |i: usize, d: usize| a.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let which = a.get(1).cloned().unwrap_or_else(|| "weft".into());
    let (c, size, k, runs) = (arg(2, 50), arg(3, 64), arg(4, 400), arg(5, 20));
    let t = Instant::now();
    match which.as_str() {
        "weft" => {
            let rt = Weft::new(workers());
            let addr = n::server_weft(&rt, 16 * 1024).addr;
            for _ in 0..runs {
                n::echo_weft(&rt, addr, c, size, k);
            }
        }
        "tokio" => {
            let rt = Tokio::new(workers());
            let addr = n::server_tokio(&rt, 16 * 1024).addr;
            for _ in 0..runs {
                n::echo_tokio(&rt, addr, c, size, k);
            }
        }
        other => panic!("unknown runtime {other}: use weft or tokio"),
    }
    let el = t.elapsed();
    println!(
        "{which} {c} conn x {k} x {size} B, {runs} runs: {:.1} ms/run",
        el.as_secs_f64() * 1e3 / runs as f64
    );
}

/// Worker threads per runtime: `NETPROF_WORKERS` or 2.
fn workers() -> usize {
    std::env::var("NETPROF_WORKERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2)
}

//! One runtime, one child-process workload, many runs: for `perf stat`, `perf record` and
//! `strace -c`.
//!
//! `procprof <weft|tokio> <cat|spawn> [runs=20]` (2 worker threads, as in `compare_process`)

use std::time::Instant;

use weft_benches::process_workloads as p;
use weft_benches::{Rt, Tokio, Weft};

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let which = a.get(1).map(String::as_str).unwrap_or("weft");
    let work = a.get(2).map(String::as_str).unwrap_or("cat");
    let runs: usize = a.get(3).and_then(|s| s.parse().ok()).unwrap_or(20);
    let t = Instant::now();
    match (which, work) {
        ("weft", "cat") => {
            let rt = Weft::new(2);
            (0..runs).for_each(|_| p::cat_weft(&rt));
        }
        ("weft", "spawn") => {
            let rt = Weft::new(2);
            (0..runs).for_each(|_| p::spawn_wait_weft(&rt));
        }
        ("tokio", "cat") => {
            let rt = Tokio::new(2);
            (0..runs).for_each(|_| p::cat_tokio(&rt));
        }
        ("tokio", "spawn") => {
            let rt = Tokio::new(2);
            (0..runs).for_each(|_| p::spawn_wait_tokio(&rt));
        }
        other => panic!("unknown {other:?}: use <weft|tokio> <cat|spawn>"),
    }
    println!(
        "{which} {work}, {runs} runs: {:.1} ms/run",
        t.elapsed().as_secs_f64() * 1e3 / runs as f64
    );
}

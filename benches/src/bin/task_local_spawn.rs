//! What a task-local scope adds to a spawn: 10,000 spawns (then awaits) from inside a task, with
//! and without a `task_local!` value in scope, on a 2-worker weft runtime and on a current-thread
//! one, in interleaved rounds. Reports the median ns per spawn of each and the difference: the
//! cost of inheriting (one reference-count increment, a bigger future, the context installed
//! around each poll).
//!
//! `cargo run --release --bin task_local_spawn -- [rounds]`

use std::time::{Duration, Instant};

const SPAWNS: u64 = 10_000;

weft::task_local! {
    static REQUEST: u64;
}

async fn spawn_many() -> u64 {
    let mut handles = Vec::with_capacity(SPAWNS as usize);
    for i in 0..SPAWNS {
        handles.push(weft::spawn(async move { i }));
    }
    let mut total = 0;
    for h in handles {
        total += h.await.unwrap();
    }
    total
}

fn run(rt: &weft::runtime::Runtime, scoped: bool) -> Duration {
    let start = Instant::now();
    let total = if scoped {
        rt.block_on(rt.spawn(REQUEST.scope(1, spawn_many())))
    } else {
        rt.block_on(rt.spawn(spawn_many()))
    }
    .unwrap();
    let took = start.elapsed();
    assert_eq!(total, SPAWNS * (SPAWNS - 1) / 2);
    took
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("rounds"))
        .unwrap_or(7);
    let runtimes = [
        (
            "multi_thread(2)",
            weft::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .build()
                .unwrap(),
        ),
        (
            "current_thread",
            weft::runtime::Builder::new_current_thread()
                .build()
                .unwrap(),
        ),
    ];
    println!("ns per spawn+await of 10,000 tasks, median of {rounds} interleaved rounds");
    println!(
        "{:<16} {:>10} {:>10} {:>10}",
        "runtime", "plain", "scoped", "diff"
    );
    for (name, rt) in &runtimes {
        // Warm up both paths once.
        run(rt, false);
        run(rt, true);
        let (mut plain, mut scoped) = (Vec::new(), Vec::new());
        let mut diffs = Vec::new();
        for round in 0..rounds {
            let order = if round % 2 == 0 {
                [false, true]
            } else {
                [true, false]
            };
            let mut ns = [0.0; 2];
            for s in order {
                // Each sample: the best of 5 back-to-back runs, which filters out a neighbour's
                // burst on a shared machine.
                let best = (0..5).map(|_| run(rt, s)).min().unwrap();
                ns[s as usize] = best.as_nanos() as f64 / SPAWNS as f64;
            }
            plain.push(ns[0]);
            scoped.push(ns[1]);
            diffs.push(ns[1] - ns[0]);
        }
        println!(
            "{name:<16} {:>10.1} {:>10.1} {:>+10.1}",
            median(plain),
            median(scoped),
            median(diffs)
        );
    }
}

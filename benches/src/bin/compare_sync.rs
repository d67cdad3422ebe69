//! weft::sync vs tokio::sync vs async-channel / async-lock, each on its own runtime with
//! 2 workers, interleaved rounds in one process.
//!
//! `cargo run --release --bin compare_sync -- [rounds] [filter]`

use weft_benches::harness::{self, Bench, Contender};
use weft_benches::sync_workloads as s;
use weft_benches::{Rt, Smol, Tokio, Weft};

const WORKERS: usize = 2;

fn main() {
    let (rounds, filter) = harness::args(11);
    let (weft, tokio, smol) = (Weft::new(WORKERS), Tokio::new(WORKERS), Smol::new(WORKERS));
    let (w, t, sm) = (&weft, &tokio, &smol);
    let mut benches = vec![
        Bench {
            name: "mpsc bounded(1024), 1 producer, 1M msgs".into(),
            iters: 1,
            ops: s::MESSAGES,
            contenders: vec![
                Contender::new("weft", move || s::mpsc_weft(w, 1)),
                Contender::new("tokio", move || s::mpsc_tokio(t, 1)),
                Contender::new("async-chan", move || s::mpsc_smol(sm, 1)),
            ],
        },
        Bench {
            name: "mpsc bounded(1024), 4 producers, 1M msgs".into(),
            iters: 1,
            ops: s::MESSAGES,
            contenders: vec![
                Contender::new("weft", move || s::mpsc_weft(w, 4)),
                Contender::new("tokio", move || s::mpsc_tokio(t, 4)),
                Contender::new("async-chan", move || s::mpsc_smol(sm, 4)),
            ],
        },
        Bench {
            name: format!(
                "mutex contended, {} tasks x {} lock/unlock",
                s::MUTEX_TASKS,
                s::MUTEX_LOCKS
            ),
            iters: 1,
            ops: s::MUTEX_TASKS * s::MUTEX_LOCKS,
            contenders: vec![
                Contender::new("weft", move || s::mutex_weft(w)),
                Contender::new("tokio", move || s::mutex_tokio(t)),
                Contender::new("async-lock", move || s::mutex_smol(sm)),
            ],
        },
        Bench {
            name: format!("oneshot create+send+recv, same task, x{}", s::ONESHOTS),
            iters: 3,
            ops: s::ONESHOTS,
            contenders: vec![
                Contender::new("weft", move || s::oneshot_weft(w)),
                Contender::new("tokio", move || s::oneshot_tokio(t)),
                Contender::new("async-chan", move || s::oneshot_smol(sm)),
            ],
        },
        Bench {
            name: format!("oneshot sent from a spawned task, x{}", s::ONESHOTS / 10),
            iters: 3,
            ops: s::ONESHOTS / 10,
            contenders: vec![
                Contender::new("weft", move || s::oneshot_cross_weft(w)),
                Contender::new("tokio", move || s::oneshot_cross_tokio(t)),
                Contender::new("async-chan", move || s::oneshot_cross_smol(sm)),
            ],
        },
    ];
    benches.retain(|b| b.name.contains(filter.as_str()));
    let results = harness::run(&mut benches, rounds);
    println!(
        "sync primitives, {WORKERS} workers each (async-channel/async-lock on smol's executor)"
    );
    results.print(rounds);
    drop(benches);
    drop((weft, tokio, smol));
}

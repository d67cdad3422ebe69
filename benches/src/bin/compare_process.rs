//! Child processes: spawn + wait of 1,000 `true` children, 8 at a time, and 64 MiB through a `cat`
//! child (written and read at once), weft::process vs tokio::process vs async-process (on smol's
//! executor), interleaved rounds in one process.
//!
//! `cargo run --release --bin compare_process -- [rounds] [filter]`

use weft_benches::harness::{self, Bench, Contender};
use weft_benches::process_workloads as p;
use weft_benches::{Rt, Smol, Tokio, Weft};

const WORKERS: usize = 2;

fn main() {
    let (rounds, filter) = harness::args(7);
    let (weft, tokio, smol) = (Weft::new(WORKERS), Tokio::new(WORKERS), Smol::new(WORKERS));
    let (w, t, sm) = (&weft, &tokio, &smol);
    let mut benches = vec![
        Bench {
            name: format!(
                "spawn + wait {} `true` children, {} at a time",
                p::CHILDREN,
                p::IN_FLIGHT
            ),
            iters: 1,
            ops: p::CHILDREN,
            contenders: vec![
                Contender::new("weft", move || p::spawn_wait_weft(w)),
                Contender::new("tokio", move || p::spawn_wait_tokio(t)),
                Contender::new("async-proc", move || p::spawn_wait_smol(sm)),
            ],
        },
        Bench {
            name: format!("{} MiB through `cat` in 64 KiB chunks", p::CAT_BYTES >> 20),
            iters: 2,
            ops: p::CAT_BYTES / p::CHUNK,
            contenders: vec![
                Contender::new("weft", move || p::cat_weft(w)),
                Contender::new("tokio", move || p::cat_tokio(t)),
                Contender::new("async-proc", move || p::cat_smol(sm)),
            ],
        },
    ];
    benches.retain(|b| b.name.contains(filter.as_str()));
    let results = harness::run(&mut benches, rounds);
    println!("{WORKERS} workers each (async-process on smol's executor); ops = children / chunks");
    results.print(rounds);
    for (b, name) in results.names.iter().enumerate() {
        if name.contains("cat") {
            let mib = (p::CAT_BYTES >> 20) as f64;
            let line: Vec<String> = results.contenders[b]
                .iter()
                .enumerate()
                .map(|(k, c)| format!("{c} {:.0}", mib / (results.median(b, k).0 * 1e-6)))
                .collect();
            println!("MiB/s  {name}: {}", line.join(", "));
        }
    }
    drop(benches);
    drop((weft, tokio, smol));
}

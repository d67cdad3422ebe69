//! Files: read a 256 MB file in 64 KiB chunks and write one, weft::fs vs tokio::fs vs
//! async-fs vs plain std on a thread, interleaved rounds in one process. Reads come from a warm
//! page cache (dropping it needs root); writes are not fsynced.
//!
//! `cargo run --release --bin compare_fs -- [rounds] [filter]`

use weft_benches::fs_workloads as f;
use weft_benches::harness::{self, Bench, Contender};
use weft_benches::{Rt, Smol, Tokio, Weft};

const WORKERS: usize = 2;

fn main() {
    let (rounds, filter) = harness::args(7);
    let (weft, tokio, smol) = (Weft::new(WORKERS), Tokio::new(WORKERS), Smol::new(WORKERS));
    let (w, t, sm) = (&weft, &tokio, &smol);
    let fx = f::Fixture::new();
    let src = &fx.src;
    let (ow, ot, os, ostd) = (
        fx.out("weft"),
        fx.out("tokio"),
        fx.out("smol"),
        fx.out("std"),
    );
    let (ow, ot, os, ostd) = (&ow, &ot, &os, &ostd);
    let mb = f::SIZE / (1024 * 1024);
    let mut benches = vec![
        Bench {
            name: format!("read {mb} MB in 64 KiB reads (warm page cache)"),
            iters: 2,
            ops: f::SIZE / f::CHUNK,
            contenders: vec![
                Contender::new("weft", move || f::read_weft(w, src)),
                Contender::new("tokio", move || f::read_tokio(t, src)),
                Contender::new("async-fs", move || f::read_smol(sm, src)),
                Contender::new("std-thread", move || f::read_std(src)),
            ],
        },
        Bench {
            name: format!("write {mb} MB in 64 KiB writes (create/truncate, flush, no fsync)"),
            iters: 2,
            ops: f::SIZE / f::CHUNK,
            contenders: vec![
                Contender::new("weft", move || f::write_weft(w, ow)),
                Contender::new("tokio", move || f::write_tokio(t, ot)),
                Contender::new("async-fs", move || f::write_smol(sm, os)),
                Contender::new("std-thread", move || f::write_std(ostd)),
            ],
        },
    ];
    benches.retain(|b| b.name.contains(filter.as_str()));
    let results = harness::run(&mut benches, rounds);
    println!(
        "files in {}, {WORKERS} workers each (async-fs on smol's executor); ops = 64 KiB chunks; \
         MB/s = {mb} MB / median wall",
        fx.dir.display()
    );
    results.print(rounds);
    for (b, name) in results.names.iter().enumerate() {
        let line: Vec<String> = results.contenders[b]
            .iter()
            .enumerate()
            .map(|(k, c)| format!("{c} {:.0}", mb as f64 / (results.median(b, k).0 * 1e-6)))
            .collect();
        println!("MB/s  {name}: {}", line.join(", "));
    }
    drop(benches);
    drop((weft, tokio, smol));
}

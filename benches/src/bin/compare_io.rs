//! Timers and the reactor round trip: weft vs tokio vs smol (async-io), 2 workers each,
//! interleaved rounds in one process.
//!
//! `cargo run --release --bin compare_io -- [rounds] [filter]`

use std::cell::RefCell;

use weft_benches::harness::{self, Bench, Contender};
use weft_benches::io_workloads as io;
use weft_benches::{Rt, Smol, Tokio, Weft};

const WORKERS: usize = 2;
/// Timers in the light run, small enough that the executor has no backlog of first polls.
const FEW: usize = 1_000;

fn pct(v: &mut [u64], p: f64) -> f64 {
    v.sort_unstable();
    let i = ((v.len() as f64 * p) as usize).min(v.len() - 1);
    v[i] as f64 / 1e3
}

fn main() {
    let (rounds, filter) = harness::args(7);
    let (weft, tokio, smol) = (Weft::new(WORKERS), Tokio::new(WORKERS), Smol::new(WORKERS));
    let (w, t, sm) = (&weft, &tokio, &smol);
    let ds = io::deadlines();
    let ds = &ds;
    let few = &ds[..FEW];
    let late: [RefCell<Vec<u64>>; 3] = Default::default();
    let late = &late;
    let late_few: [RefCell<Vec<u64>>; 3] = Default::default();
    let lf = &late_few;
    let mut benches = vec![
        Bench {
            name: format!("timers: {} sleeps of 1..20 ms, one task each", io::TIMERS),
            iters: 1,
            ops: io::TIMERS,
            contenders: vec![
                Contender::new("weft", move || {
                    late[0]
                        .borrow_mut()
                        .extend(io::timers(w, io::weft_sleep, ds))
                }),
                Contender::new("tokio", move || {
                    late[1]
                        .borrow_mut()
                        .extend(io::timers(t, io::tokio_sleep, ds))
                }),
                Contender::new("smol", move || {
                    late[2]
                        .borrow_mut()
                        .extend(io::timers(sm, io::smol_sleep, ds))
                }),
            ],
        },
        Bench {
            name: format!(
                "timers: {FEW} sleeps of 1..20 ms, one task each (lateness without backlog)"
            ),
            iters: 5,
            ops: FEW,
            contenders: vec![
                Contender::new("weft", move || {
                    lf[0]
                        .borrow_mut()
                        .extend(io::timers(w, io::weft_sleep, few))
                }),
                Contender::new("tokio", move || {
                    lf[1]
                        .borrow_mut()
                        .extend(io::timers(t, io::tokio_sleep, few))
                }),
                Contender::new("smol", move || {
                    lf[2]
                        .borrow_mut()
                        .extend(io::timers(sm, io::smol_sleep, few))
                }),
            ],
        },
        Bench {
            name: format!(
                "unix socket pair ping-pong, {} 1-byte round trips",
                io::ROUND_TRIPS
            ),
            iters: 1,
            ops: io::ROUND_TRIPS,
            contenders: vec![
                Contender::new("weft", move || io::pingpong_weft(w)),
                Contender::new("tokio", move || io::pingpong_tokio(t)),
                Contender::new("smol", move || io::pingpong_smol(sm)),
            ],
        },
    ];
    benches.retain(|b| b.name.contains(filter.as_str()));
    let results = harness::run(&mut benches, rounds);
    println!("timers and reactor, {WORKERS} workers each (smol = async-executor + async-io)");
    results.print(rounds);
    for (label, l) in [(io::TIMERS, late), (FEW, lf)] {
        if l[0].borrow().is_empty() {
            continue;
        }
        println!("timer lateness (fire time - deadline) with {label} timers, all runs incl. warm-up, µs:");
        println!("  {:<6} {:>10} {:>10} {:>10}", "", "median", "p99", "max");
        for (k, name) in ["weft", "tokio", "smol"].iter().enumerate() {
            let mut v = l[k].borrow_mut();
            let (m, p99, max) = (pct(&mut v, 0.5), pct(&mut v, 0.99), pct(&mut v, 1.0));
            println!("  {:<6} {:>10.0} {:>10.0} {:>10.0}", name, m, p99, max);
        }
    }
    drop(benches);
    drop((weft, tokio, smol));
}

//! TCP echo on loopback: weft vs tokio vs smol (2 workers each, client and server in
//! the same runtime) vs a single-thread epoll loop, interleaved rounds in one process.
//!
//! `cargo run --release --bin compare_net -- [rounds] [filter]`

use weft_benches::harness::{self, Bench, Contender};
use weft_benches::net_workloads as n;
use weft_benches::{Rt, Smol, Tokio, Weft};

const WORKERS: usize = 2;
/// The echo servers' read buffer.
const BUF: usize = 16 * 1024;

fn main() {
    let (rounds, filter) = harness::args(5);
    let (weft, tokio, smol) = (Weft::new(WORKERS), Tokio::new(WORKERS), Smol::new(WORKERS));
    let (w, t, sm) = (&weft, &tokio, &smol);
    let (aw, at, asm) = (
        n::server_weft(w, BUF).addr,
        n::server_tokio(t, BUF).addr,
        n::server_smol(sm, BUF).addr,
    );
    let ceiling = n::EpollCeiling::new();
    let ep = &ceiling;
    // (connections, message bytes, round trips per connection)
    let shapes = [
        (1, 64, 10_000),
        (1, 4096, 10_000),
        (50, 64, 400),
        (50, 4096, 400),
    ];
    let mut benches: Vec<Bench> = shapes
        .iter()
        .map(|&(c, size, k)| Bench {
            name: format!("echo {c} conn x {k} round trips of {size} B"),
            iters: 1,
            ops: c * k,
            contenders: vec![
                Contender::new("weft", move || n::echo_weft(w, aw, c, size, k)),
                Contender::new("tokio", move || n::echo_tokio(t, at, c, size, k)),
                Contender::new("smol", move || n::echo_smol(sm, asm, c, size, k)),
                Contender::new("epoll-1thr", move || ep.echo(c, size, k)),
            ],
        })
        .collect();
    benches.retain(|b| b.name.contains(filter.as_str()));
    let results = harness::run(&mut benches, rounds);
    println!(
        "TCP echo on loopback, {WORKERS} workers each (client and server tasks in the same runtime), \
         epoll-1thr = one thread, level-triggered epoll; TCP_NODELAY everywhere; \
         connect time included in every run; ops = round trips"
    );
    results.print(rounds);
    println!("(throughput ratio weft/peer = 1 / wall x)");
    drop(benches);
    drop((weft, tokio, smol));
}

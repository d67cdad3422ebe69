//! Criterion versions of the TCP echo workloads, weft vs tokio vs smol vs a
//! single-thread epoll loop. For ratios on a noisy machine prefer `--bin compare_net`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use weft_benches::net_workloads as n;
use weft_benches::{Rt, Smol, Tokio, Weft};

fn all(c: &mut Criterion) {
    let (w, t, sm) = (Weft::new(2), Tokio::new(2), Smol::new(2));
    let (aw, at, asm) = (
        n::server_weft(&w, 16 * 1024).addr,
        n::server_tokio(&t, 16 * 1024).addr,
        n::server_smol(&sm, 16 * 1024).addr,
    );
    let ep = n::EpollCeiling::new();
    for (conns, size, trips) in [
        (1, 64, 2_000),
        (1, 4096, 2_000),
        (50, 64, 40),
        (50, 4096, 40),
    ] {
        let mut g = c.benchmark_group(format!("echo_{conns}conn_{size}B"));
        g.sample_size(10);
        g.throughput(Throughput::Elements((conns * trips) as u64));
        g.bench_function("weft", |b| {
            b.iter(|| n::echo_weft(&w, aw, conns, size, trips))
        });
        g.bench_function("tokio", |b| {
            b.iter(|| n::echo_tokio(&t, at, conns, size, trips))
        });
        g.bench_function("smol", |b| {
            b.iter(|| n::echo_smol(&sm, asm, conns, size, trips))
        });
        g.bench_function("epoll-1thr", |b| b.iter(|| ep.echo(conns, size, trips)));
        g.finish();
    }
}

criterion_group!(benches, all);
criterion_main!(benches);

//! Criterion versions of the executor workloads, weft, tokio and smol side by side.
//! For ratios on a noisy machine prefer `cargo run --release --bin compare`.

use criterion::{criterion_group, criterion_main, Criterion};
use weft_benches::{workloads, Rt, Smol, Tokio, Weft};

fn group<R: Rt>(c: &mut Criterion) {
    let rt = R::new(2);
    let mut g = c.benchmark_group(R::NAME);
    g.sample_size(20);
    g.bench_function("spawn_many_local", |b| {
        b.iter(|| workloads::spawn_many_local(&rt))
    });
    g.bench_function("spawn_many_remote", |b| {
        b.iter(|| workloads::spawn_many_remote(&rt))
    });
    g.bench_function("yield_many", |b| b.iter(|| workloads::yield_many(&rt)));
    g.bench_function("ping_pong", |b| b.iter(|| workloads::ping_pong(&rt)));
    g.bench_function("chained_spawn", |b| {
        b.iter(|| workloads::chained_spawn(&rt))
    });
    g.finish();
}

fn all(c: &mut Criterion) {
    group::<Weft>(c);
    group::<Tokio>(c);
    group::<Smol>(c);
}

criterion_group!(benches, all);
criterion_main!(benches);

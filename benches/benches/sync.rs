//! Criterion versions of the sync workloads, weft::sync vs tokio::sync vs
//! async-channel/async-lock. For ratios on a noisy machine prefer `--bin compare_sync`.

use criterion::{criterion_group, criterion_main, Criterion};
use weft_benches::sync_workloads as s;
use weft_benches::{Rt, Smol, Tokio, Weft};

fn all(c: &mut Criterion) {
    let (w, t, sm) = (Weft::new(2), Tokio::new(2), Smol::new(2));
    for producers in [1, 4] {
        let mut g = c.benchmark_group(format!("mpsc_1M_{producers}p"));
        g.sample_size(10);
        g.bench_function("weft", |b| b.iter(|| s::mpsc_weft(&w, producers)));
        g.bench_function("tokio", |b| b.iter(|| s::mpsc_tokio(&t, producers)));
        g.bench_function("async-channel", |b| b.iter(|| s::mpsc_smol(&sm, producers)));
        g.finish();
    }
    let mut g = c.benchmark_group("mutex_8x100k");
    g.sample_size(10);
    g.bench_function("weft", |b| b.iter(|| s::mutex_weft(&w)));
    g.bench_function("tokio", |b| b.iter(|| s::mutex_tokio(&t)));
    g.bench_function("async-lock", |b| b.iter(|| s::mutex_smol(&sm)));
    g.finish();
    let mut g = c.benchmark_group("oneshot_100k");
    g.sample_size(10);
    g.bench_function("weft", |b| b.iter(|| s::oneshot_weft(&w)));
    g.bench_function("tokio", |b| b.iter(|| s::oneshot_tokio(&t)));
    g.bench_function("async-channel", |b| b.iter(|| s::oneshot_smol(&sm)));
    g.finish();
}

criterion_group!(benches, all);
criterion_main!(benches);

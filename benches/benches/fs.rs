//! Criterion versions of the file workloads: 256 MB read and write, weft::fs vs
//! tokio::fs vs async-fs vs std on a thread. Warm page cache, no fsync. For ratios on a noisy
//! machine prefer `--bin compare_fs`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use weft_benches::fs_workloads as f;
use weft_benches::{Rt, Smol, Tokio, Weft};

fn all(c: &mut Criterion) {
    let (w, t, sm) = (Weft::new(2), Tokio::new(2), Smol::new(2));
    let fx = f::Fixture::new();
    let mut g = c.benchmark_group("read_256MB");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(f::SIZE as u64));
    g.bench_function("weft", |b| b.iter(|| f::read_weft(&w, &fx.src)));
    g.bench_function("tokio", |b| b.iter(|| f::read_tokio(&t, &fx.src)));
    g.bench_function("async-fs", |b| b.iter(|| f::read_smol(&sm, &fx.src)));
    g.bench_function("std-thread", |b| b.iter(|| f::read_std(&fx.src)));
    g.finish();
    let mut g = c.benchmark_group("write_256MB");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(f::SIZE as u64));
    let out = fx.out("criterion");
    g.bench_function("weft", |b| b.iter(|| f::write_weft(&w, &out)));
    g.bench_function("tokio", |b| b.iter(|| f::write_tokio(&t, &out)));
    g.bench_function("async-fs", |b| b.iter(|| f::write_smol(&sm, &out)));
    g.bench_function("std-thread", |b| b.iter(|| f::write_std(&out)));
    g.finish();
}

criterion_group!(benches, all);
criterion_main!(benches);

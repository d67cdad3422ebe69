//! Criterion versions of the timer and reactor workloads, weft vs tokio vs smol.
//! Lateness is only reported by `--bin compare_io`, which is also the one to use for ratios.

use criterion::{criterion_group, criterion_main, Criterion};
use weft_benches::io_workloads as io;
use weft_benches::{Rt, Smol, Tokio, Weft};

fn all(c: &mut Criterion) {
    let (w, t, sm) = (Weft::new(2), Tokio::new(2), Smol::new(2));
    let ds = io::deadlines();
    let mut g = c.benchmark_group("timers_100k");
    g.sample_size(10);
    g.bench_function("weft", |b| b.iter(|| io::timers(&w, io::weft_sleep, &ds)));
    g.bench_function("tokio", |b| b.iter(|| io::timers(&t, io::tokio_sleep, &ds)));
    g.bench_function("smol", |b| b.iter(|| io::timers(&sm, io::smol_sleep, &ds)));
    g.finish();
    let mut g = c.benchmark_group("unix_pingpong_10k");
    g.sample_size(10);
    g.bench_function("weft", |b| b.iter(|| io::pingpong_weft(&w)));
    g.bench_function("tokio", |b| b.iter(|| io::pingpong_tokio(&t)));
    g.bench_function("smol", |b| b.iter(|| io::pingpong_smol(&sm)));
    g.finish();
}

criterion_group!(benches, all);
criterion_main!(benches);

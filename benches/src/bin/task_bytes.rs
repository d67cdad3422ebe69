//! Heap bytes per pending task (an empty-ish future that stays pending), weft vs tokio vs smol:
//! the bytes the runtimes ask for, and what glibc's malloc holds for them (its rounding to 16-byte
//! chunks with an 8-byte header).
//!
//! `cargo run --release --bin task_bytes`

use weft_benches::alloc_count::Counting;
use weft_benches::{workloads, Rt, Smol, Tokio, Weft};

#[global_allocator]
static ALLOC: Counting = Counting;

type Measure<R> = fn(&R, usize) -> (f64, f64);

fn run<R: Rt>(measure: Measure<R>) -> (f64, f64) {
    let rt = R::new(2);
    let bytes = measure(&rt, 100_000);
    // The runtimes are leaked with their pending tasks: dropping 100,000 tasks is not measured.
    std::mem::forget(rt);
    bytes
}

fn table(title: &str, w: (f64, f64), t: (f64, f64), s: (f64, f64)) {
    let ((w, wf), (t, tf), (s, sf)) = (w, t, s);
    println!("{title}");
    println!("        requested   ratio   held by malloc   ratio");
    println!("weft  {w:>11.1}          {wf:>14.1}");
    println!(
        "tokio {t:>11.1}  {:>6.2}  {tf:>14.1}  {:>6.2}   (weft / tokio)",
        w / t,
        wf / tf
    );
    println!(
        "smol  {s:>11.1}  {:>6.2}  {sf:>14.1}  {:>6.2}   (weft / smol)",
        w / s,
        wf / sf
    );
}

fn main() {
    table(
        "heap bytes per pending task (100,000 tasks, 2 workers), the future capturing an Arc",
        run::<Weft>(workloads::bytes_per_pending_task),
        run::<Tokio>(workloads::bytes_per_pending_task),
        run::<Smol>(workloads::bytes_per_pending_task),
    );
    table(
        "heap bytes per pending task, a future that captures nothing (async {} sized)",
        run::<Weft>(workloads::bytes_per_pending_empty_task),
        run::<Tokio>(workloads::bytes_per_pending_empty_task),
        run::<Smol>(workloads::bytes_per_pending_empty_task),
    );
}

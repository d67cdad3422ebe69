//! Heap bytes per pending task (an empty-ish future that stays pending), weft vs tokio vs smol.
//!
//! `cargo run --release --bin task_bytes`

use weft_benches::alloc_count::Counting;
use weft_benches::{workloads, Rt, Smol, Tokio, Weft};

#[global_allocator]
static ALLOC: Counting = Counting;

fn run<R: Rt>() -> f64 {
    let rt = R::new(2);
    let bytes = workloads::bytes_per_pending_task(&rt, 100_000);
    // The runtimes are leaked with their pending tasks: dropping 100,000 tasks is not measured.
    std::mem::forget(rt);
    bytes
}

fn main() {
    let w = run::<Weft>();
    let t = run::<Tokio>();
    let s = run::<Smol>();
    println!("heap bytes per pending task (100,000 tasks, 2 workers)");
    println!("weft  {w:>7.1}");
    println!("tokio {t:>7.1}   weft/tokio = {:.2}", w / t);
    println!("smol  {s:>7.1}   weft/smol  = {:.2}", w / s);
}

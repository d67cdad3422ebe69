//! Regression: shutting down a long chain of tasks awaiting each other must not recurse (each
//! cancellation wakes the awaiting task, whose cancellation wakes the next...): this overflowed
//! the stack before cancellations were made iterative.
#![allow(missing_docs)]

mod support;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use support::*;
use weft_runtime::{spawn, Builder, Runtime};

const DEPTH: usize = 20_000;

fn chain(
    depth: usize,
    drops: DropCounter,
    started: Arc<AtomicUsize>,
) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    let token = drops.token();
    Box::pin(async move {
        let _t = token;
        started.fetch_add(1, SeqCst);
        if depth == 0 {
            std::future::pending::<()>().await;
        } else {
            let _ = spawn(chain(depth - 1, drops, started)).await;
        }
    })
}

fn run(rt: Runtime) {
    let drops = DropCounter::default();
    let started = Arc::new(AtomicUsize::new(0));
    let (d, s) = (drops.clone(), started.clone());
    rt.block_on(async move {
        drop(spawn(chain(DEPTH, d, s.clone())));
        // Let the whole chain unfold.
        while s.load(SeqCst) < DEPTH + 1 {
            yield_now().await;
        }
    });
    drop(rt);
    assert_eq!(drops.count(), DEPTH + 1);
}

#[test]
fn shutdown_of_a_deep_await_chain_current_thread() {
    run(Builder::new_current_thread().build().unwrap());
}

#[test]
fn shutdown_of_a_deep_await_chain_multi_thread() {
    run(Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap());
}

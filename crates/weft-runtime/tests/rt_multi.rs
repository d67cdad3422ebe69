//! Multi-thread specifics: work really spreads over the workers, shutdown with stuck or
//! self-dropping runtimes, many outside threads.
#![allow(missing_docs)]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use support::*;
use weft_runtime::{spawn, Builder, Runtime};

fn rt(workers: usize) -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .build()
        .unwrap()
}

#[test]
fn tasks_run_in_parallel_on_all_workers() {
    let rt = rt(2);
    let barrier = Arc::new(Barrier::new(2));
    rt.block_on(async {
        // Each task blocks its worker until the other arrives: this only finishes if the two
        // tasks run on two workers at once (the second one woken or stolen).
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let b = barrier.clone();
                spawn(async move {
                    b.wait();
                })
            })
            .collect();
        for h in hs {
            h.await.unwrap();
        }
    });
}

#[test]
fn spawns_from_inside_a_task_spread_by_stealing() {
    let rt = rt(2);
    let barrier = Arc::new(Barrier::new(2));
    let b = barrier.clone();
    rt.block_on(spawn_on(&rt, async move {
        // Both tasks land in this worker's queue; the other worker must steal one.
        let b2 = b.clone();
        let x = spawn(async move {
            b.wait();
        });
        let y = spawn(async move {
            b2.wait();
        });
        x.await.unwrap();
        y.await.unwrap();
    }))
    .unwrap();
}

fn spawn_on<F>(rt: &Runtime, f: F) -> weft_runtime::task::JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    rt.spawn(f)
}

#[test]
fn shutdown_timeout_with_a_stuck_worker() {
    let rt = rt(2);
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
    let stuck = rt.spawn(async move {
        started_tx.send(()).unwrap();
        let _ = release_rx.recv();
    });
    started_rx.recv().unwrap();
    let drops = DropCounter::default();
    let token = drops.token();
    let pending = rt.spawn(async move {
        let _t = token;
        std::future::pending::<()>().await;
    });
    rt.shutdown_timeout(Duration::from_millis(50));
    // The idle task was cancelled even though one worker is stuck.
    assert_eq!(drops.count(), 1);
    assert!(block_on_outside(pending).unwrap_err().is_cancelled());
    drop(release_tx);
    // The stuck task finishes its poll (it completes).
    assert!(block_on_outside(stuck).is_ok());
}

#[test]
fn dropping_the_runtime_inside_its_own_task() {
    let rt = rt(2);
    let handle = rt.handle().clone();
    let (tx, rx) = std::sync::mpsc::channel();
    drop(handle.spawn(async move {
        drop(rt);
        tx.send(()).unwrap();
    }));
    rx.recv_timeout(Duration::from_secs(10))
        .expect("dropping a runtime from its own worker must not deadlock");
}

#[test]
fn many_outside_threads_spawn_and_block_on() {
    let rt = rt(2);
    let done = Arc::new(AtomicUsize::new(0));
    std::thread::scope(|s| {
        for t in 0..4 {
            let handle = rt.handle().clone();
            let done = done.clone();
            s.spawn(move || {
                for i in 0..100 {
                    let v = handle.block_on(handle.spawn(async move { t * 1000 + i }));
                    assert_eq!(v.unwrap(), t * 1000 + i);
                    done.fetch_add(1, SeqCst);
                }
            });
        }
    });
    assert_eq!(done.load(SeqCst), 400);
}

#[test]
fn single_worker_runs_everything() {
    let rt = rt(1);
    let hs: Vec<_> = (0..10_000u64).map(|i| rt.spawn(async move { i })).collect();
    let sum = rt.block_on(async move {
        let mut sum = 0;
        for h in hs {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, 9_999 * 10_000 / 2);
}

#[test]
fn ping_pong_between_tasks() {
    // Tasks waking each other exercise the LIFO slot (and its fairness limit).
    let rt = rt(2);
    let out = rt.block_on(async {
        let mut total = 0;
        for round in 0..200u32 {
            let (tx, rx) = oneshot();
            let a = spawn(async move { rx.await.unwrap() + 1 });
            let b = spawn(async move { tx.send(round) });
            b.await.unwrap();
            total += a.await.unwrap();
        }
        total
    });
    assert_eq!(out, (1..=200).sum::<u32>());
}

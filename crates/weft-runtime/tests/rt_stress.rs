//! Stress tests, meant for release mode (`cargo test --release --test rt_stress`): a million
//! spawned tasks, 10,000 tasks x 100 yields, shutdown with 100,000 pending tasks. In debug builds
//! the counts are divided by 10 so `cargo test --workspace` stays quick.
#![allow(missing_docs)]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use support::*;
use weft_runtime::{spawn, Builder, Runtime};

const SCALE: usize = if cfg!(debug_assertions) { 10 } else { 1 };

fn runtimes() -> [(&'static str, Runtime); 2] {
    [
        (
            "current_thread",
            Builder::new_current_thread().build().unwrap(),
        ),
        (
            "multi_thread",
            Builder::new_multi_thread()
                .worker_threads(2)
                .build()
                .unwrap(),
        ),
    ]
}

#[test]
fn a_million_spawned_tasks_complete() {
    let n = 1_000_000 / SCALE;
    for (name, rt) in runtimes() {
        let done = Arc::new(AtomicUsize::new(0));
        let d = done.clone();
        let (tx, rx) = oneshot();
        rt.block_on(async move {
            let tx = Arc::new(std::sync::Mutex::new(Some(tx)));
            for _ in 0..n {
                let (d, tx) = (d.clone(), tx.clone());
                // Detached: the last one to finish reports.
                drop(spawn(async move {
                    if d.fetch_add(1, SeqCst) + 1 == n {
                        if let Some(tx) = tx.lock().unwrap().take() {
                            tx.send(());
                        }
                    }
                }));
            }
            rx.await.unwrap();
        });
        assert_eq!(done.load(SeqCst), n, "{name}");
        // The last task reported just before it ended: give it a moment to leave the registry.
        let start = std::time::Instant::now();
        while rt.handle().num_live_tasks() != 0 {
            assert!(
                start.elapsed().as_secs() < 10,
                "{name}: tasks left in the registry"
            );
            std::thread::yield_now();
        }
    }
}

#[test]
fn ten_thousand_tasks_times_a_hundred_yields() {
    let tasks = 10_000 / SCALE;
    for (name, rt) in runtimes() {
        let polls = Arc::new(AtomicUsize::new(0));
        let p = polls.clone();
        rt.block_on(async move {
            let hs: Vec<_> = (0..tasks)
                .map(|_| {
                    let p = p.clone();
                    spawn(async move {
                        for _ in 0..100 {
                            yield_now().await;
                            p.fetch_add(1, SeqCst);
                        }
                    })
                })
                .collect();
            for h in hs {
                h.await.unwrap();
            }
        });
        assert_eq!(polls.load(SeqCst), tasks * 100, "{name}");
    }
}

#[test]
fn shutdown_with_a_hundred_thousand_pending_tasks_drops_them_all() {
    let n = 100_000 / SCALE;
    for (name, rt) in runtimes() {
        let drops = DropCounter::default();
        let started = Arc::new(AtomicUsize::new(0));
        let s = started.clone();
        let d = drops.clone();
        let handles = rt.block_on(async move {
            let hs: Vec<_> = (0..n)
                .map(|_| {
                    let token = d.token();
                    let s = s.clone();
                    spawn(async move {
                        let _t = token;
                        s.fetch_add(1, SeqCst);
                        std::future::pending::<()>().await;
                    })
                })
                .collect();
            // Let some of them start and park while the rest stays queued. On the multi-thread
            // runtime they start on the workers, which a loaded machine may not run for a while:
            // wait for the first one (a fixed number of yields proves nothing there).
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
            while s.load(SeqCst) == 0 {
                assert!(
                    std::time::Instant::now() < deadline,
                    "no task started within 60 s"
                );
                yield_now().await;
            }
            for _ in 0..10 {
                yield_now().await;
            }
            hs
        });
        drop(rt);
        assert_eq!(drops.count(), n, "{name}: every pending future dropped");
        assert!(started.load(SeqCst) > 0, "{name}");
        for h in handles {
            assert!(block_on_outside(h).unwrap_err().is_cancelled(), "{name}");
        }
    }
}

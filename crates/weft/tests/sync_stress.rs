//! weft-sync's channels and locks driven by real weft tasks, on both runtime flavours (written
//! once, instantiated per flavour). weft-sync's own tests run the same primitives under a foreign
//! executor (futures' `block_on`); these add work stealing, cross-thread wakes and the budget.
//! CI runs this file again in release mode, where the 8-producer test moves a million messages.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use weft::sync::{broadcast, mpsc, oneshot, watch, Mutex, Notify, RwLock, Semaphore};

macro_rules! on_both_flavours {
    ($($(#[$meta:meta])* async fn $name:ident() $body:block)*) => {
        mod current_thread {
            use super::*;
            fn rt() -> weft::runtime::Runtime {
                weft::runtime::Builder::new_current_thread().build().unwrap()
            }
            $( $(#[$meta])* #[test] fn $name() { rt().block_on(async $body) } )*
        }
        mod multi_thread {
            use super::*;
            fn rt() -> weft::runtime::Runtime {
                weft::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap()
            }
            $( $(#[$meta])* #[test] fn $name() { rt().block_on(async $body) } )*
        }
    };
}

/// Messages per producer in the 8-producer test: a million in all in release builds (CI runs the
/// release stress suites), 100,000 in debug builds so `cargo test` stays quick.
const PER_PRODUCER: usize = if cfg!(debug_assertions) {
    12_500
} else {
    125_000
};

on_both_flavours! {
    async fn mpsc_eight_producers_deliver_every_message_in_per_sender_order() {
        let (tx, mut rx) = mpsc::channel::<(usize, usize)>(1024);
        for p in 0..8 {
            let tx = tx.clone();
            weft::spawn(async move {
                for i in 0..PER_PRODUCER {
                    tx.send((p, i)).await.expect("receiver alive");
                }
            });
        }
        drop(tx);
        let mut next = [0usize; 8];
        let mut total = 0;
        while let Some((p, i)) = rx.recv().await {
            assert_eq!(i, next[p], "producer {p} out of order");
            next[p] += 1;
            total += 1;
        }
        assert_eq!(total, 8 * PER_PRODUCER);
    }

    async fn unbounded_send_from_many_tasks() {
        let (tx, mut rx) = mpsc::unbounded_channel::<usize>();
        let tasks: Vec<_> = (0..16)
            .map(|t| {
                let tx = tx.clone();
                weft::spawn(async move {
                    for i in 0..1000 {
                        tx.send(t * 1000 + i).unwrap();
                        if i % 100 == 0 {
                            weft::task::yield_now().await;
                        }
                    }
                })
            })
            .collect();
        drop(tx);
        let mut sum = 0usize;
        while let Some(v) = rx.recv().await {
            sum += v;
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(sum, (0..16_000).sum::<usize>());
    }

    async fn send_on_closed_channel_returns_the_value() {
        let (tx, rx) = mpsc::channel::<String>(1);
        drop(rx);
        let err = tx.send("kept".to_string()).await.unwrap_err();
        assert_eq!(err.0, "kept");
        let (tx, rx) = oneshot::channel::<Vec<u8>>();
        drop(rx);
        assert_eq!(tx.send(vec![1, 2]).unwrap_err(), vec![1, 2]);
    }

    async fn oneshot_across_tasks() {
        let (tx, rx) = oneshot::channel();
        weft::spawn(async move {
            weft::time::sleep(Duration::from_millis(5)).await;
            tx.send(99).unwrap();
        });
        assert_eq!(rx.await.unwrap(), 99);
    }

    async fn mutex_counts_exactly_under_contention() {
        let m = Arc::new(Mutex::new(0usize));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let m = m.clone();
                weft::spawn(async move {
                    for i in 0..2_000 {
                        let mut g = m.lock().await;
                        *g += 1;
                        if i % 250 == 0 {
                            weft::task::yield_now().await; // held across an await
                        }
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(*m.lock().await, 16_000);
    }

    async fn rwlock_readers_and_writers() {
        let l = Arc::new(RwLock::new(Vec::<usize>::new()));
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let l = l.clone();
                weft::spawn(async move {
                    for i in 0..100 {
                        l.write().await.push(w * 100 + i);
                    }
                })
            })
            .collect();
        let readers: Vec<_> = (0..4)
            .map(|_| {
                let l = l.clone();
                weft::spawn(async move {
                    let mut last = 0;
                    for _ in 0..100 {
                        let n = l.read().await.len();
                        assert!(n >= last, "a reader saw the vector shrink");
                        last = n;
                    }
                })
            })
            .collect();
        for t in writers.into_iter().chain(readers) {
            t.await.unwrap();
        }
        assert_eq!(l.read().await.len(), 400);
    }

    async fn semaphore_bounds_concurrency() {
        let sem = Arc::new(Semaphore::new(3));
        let inside = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (sem, inside, peak) = (sem.clone(), inside.clone(), peak.clone());
                weft::spawn(async move {
                    let _permit = sem.acquire().await.unwrap();
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    weft::time::sleep(Duration::from_millis(1)).await;
                    inside.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        let peak = peak.load(Ordering::SeqCst);
        assert!((1..=3).contains(&peak), "peak {peak} exceeds the 3 permits");
    }

    async fn notify_one_wakes_a_waiting_task() {
        let n = Arc::new(Notify::new());
        let waiter = weft::spawn({
            let n = n.clone();
            async move { n.notified().await }
        });
        weft::time::sleep(Duration::from_millis(2)).await;
        n.notify_one();
        weft::time::timeout(Duration::from_secs(10), waiter)
            .await
            .expect("notify_one woke the waiter")
            .unwrap();
    }

    async fn broadcast_lagged_receiver_continues() {
        let (tx, mut slow) = broadcast::channel::<u32>(4);
        for i in 0..10 {
            tx.send(i).unwrap();
        }
        assert!(matches!(slow.recv().await, Err(broadcast::error::RecvError::Lagged(6))));
        assert_eq!(slow.recv().await.unwrap(), 6);
    }

    async fn watch_changes_reach_a_task() {
        let (tx, mut rx) = watch::channel(0u32);
        let seen = weft::spawn(async move {
            while *rx.borrow() < 5 {
                rx.changed().await.unwrap();
            }
            *rx.borrow()
        });
        for i in 1..=5 {
            tx.send(i).unwrap();
            weft::task::yield_now().await;
        }
        assert_eq!(seen.await.unwrap(), 5);
    }
}

/// A receiver whose channel is always full would never return `Pending` without the cooperative
/// budget; with it, a task queued on the same thread still gets to run. Both tasks must share one
/// thread for this to mean anything: the current-thread runtime, and a multi-thread runtime with
/// one worker (where both are spawned tasks).
async fn always_ready_receiver_yields_to_a_task_on_its_thread() -> usize {
    let (tx, mut rx) = mpsc::unbounded_channel::<u32>();
    for i in 0..10_000 {
        tx.send(i).unwrap();
    }
    let other_ran = Arc::new(AtomicUsize::new(0));
    let flag = other_ran.clone();
    weft::spawn(async move {
        flag.store(1, Ordering::SeqCst);
    });
    let mut seen_before_other = 0;
    while other_ran.load(Ordering::SeqCst) == 0 {
        rx.recv().await.unwrap();
        seen_before_other += 1;
        assert!(seen_before_other < 10_000, "the receiver never yielded");
    }
    seen_before_other
}

#[test]
fn budget_current_thread() {
    let rt = weft::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let seen = rt.block_on(always_ready_receiver_yields_to_a_task_on_its_thread());
    assert!(seen <= weft_budget(), "yielded after {seen} receives");
}

#[test]
fn budget_multi_thread_one_worker() {
    let rt = weft::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let seen = rt
        .block_on(rt.spawn(always_ready_receiver_yields_to_a_task_on_its_thread()))
        .unwrap();
    assert!(seen <= weft_budget(), "yielded after {seen} receives");
}

/// The receives one poll may make: the budget's units, plus the receive that found the budget
/// spent, yielded, and completed when the task ran again.
fn weft_budget() -> usize {
    usize::from(weft_core::coop::INITIAL_BUDGET) + 1
}

#[test]
fn send_timeout_gives_the_value_back_and_sends_when_room_frees() {
    use weft::sync::{SendTimeoutError, SendTimeoutExt};
    for rt in [
        weft::runtime::Builder::new_current_thread()
            .build()
            .unwrap(),
        weft::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap(),
    ] {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel::<String>(1);
            tx.send_timeout("a".into(), Duration::from_millis(5))
                .await
                .unwrap();
            let err = tx
                .send_timeout("b".into(), Duration::from_millis(5))
                .await
                .unwrap_err();
            assert_eq!(err, SendTimeoutError::Timeout("b".to_string()));
            // Room frees up while we wait: the send goes through.
            let receiver = weft::spawn(async move {
                weft::time::sleep(Duration::from_millis(5)).await;
                let first = rx.recv().await;
                (first, rx)
            });
            tx.send_timeout("c".into(), Duration::from_secs(10))
                .await
                .unwrap();
            let (first, mut rx) = receiver.await.unwrap();
            assert_eq!(first.as_deref(), Some("a"));
            assert_eq!(rx.recv().await.as_deref(), Some("c"));
            drop(rx);
            let err = tx
                .send_timeout("d".into(), Duration::from_secs(10))
                .await
                .unwrap_err();
            assert_eq!(err, SendTimeoutError::Closed("d".to_string()));
            assert_eq!(err.into_inner(), "d");
        });
    }
}

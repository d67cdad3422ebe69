//! Behaviour of `broadcast` and `watch`.
#![cfg(not(loom))]

mod support;

use std::sync::Arc;
use std::task::Poll;

use futures_util::StreamExt;
use support::{counting_waker, poll_once, poll_with, run};
use weft_sync::{broadcast, watch};

#[test]
fn every_receiver_sees_every_value() {
    run(async {
        let (tx, mut a) = broadcast::channel(4);
        let mut b = tx.subscribe();
        assert_eq!(tx.send(1), Ok(2));
        tx.send(2).unwrap();
        for r in [&mut a, &mut b] {
            assert_eq!(r.recv().await, Ok(1));
            assert_eq!(r.recv().await, Ok(2));
        }
    });
}

#[test]
fn subscriber_sees_only_later_values() {
    run(async {
        let (tx, mut a) = broadcast::channel(4);
        tx.send(1).unwrap();
        let mut late = tx.subscribe();
        tx.send(2).unwrap();
        assert_eq!(late.recv().await, Ok(2));
        assert_eq!(a.recv().await, Ok(1));
        let mut re = a.resubscribe();
        tx.send(3).unwrap();
        assert_eq!(re.recv().await, Ok(3));
    });
}

#[test]
fn slow_receiver_lags_then_continues() {
    use broadcast::error::{RecvError, TryRecvError};
    run(async {
        let (tx, mut slow) = broadcast::channel(2);
        for v in 0..5 {
            tx.send(v).unwrap();
        }
        assert_eq!(slow.len(), 5);
        assert_eq!(slow.recv().await, Err(RecvError::Lagged(3)));
        assert_eq!(slow.recv().await, Ok(3));
        assert_eq!(slow.try_recv(), Ok(4));
        assert_eq!(slow.try_recv(), Err(TryRecvError::Empty));
    });
}

#[test]
fn closed_after_last_sender_and_values_drained() {
    use broadcast::error::RecvError;
    run(async {
        let (tx, mut rx) = broadcast::channel(2);
        let tx2 = tx.clone();
        assert_eq!(tx.strong_count(), 2);
        tx.send(1).unwrap();
        drop(tx);
        assert!(!rx.is_closed());
        drop(tx2);
        assert!(rx.is_closed());
        assert_eq!(rx.recv().await, Ok(1));
        assert_eq!(rx.recv().await, Err(RecvError::Closed));
    });
}

#[test]
fn send_without_receivers_returns_value() {
    let (tx, rx) = broadcast::channel::<String>(2);
    drop(rx);
    assert_eq!(tx.receiver_count(), 0);
    assert_eq!(tx.send("x".into()).unwrap_err().0, "x");
}

#[test]
fn send_wakes_all_waiting_receivers() {
    let (tx, mut a) = broadcast::channel(2);
    let mut b = tx.subscribe();
    let (ca, wa) = counting_waker();
    let (cb, wb) = counting_waker();
    let mut ra = Box::pin(a.recv());
    let mut rb = Box::pin(b.recv());
    assert!(poll_with(&mut ra, &wa).is_pending());
    assert!(poll_with(&mut rb, &wb).is_pending());
    tx.send(9).unwrap();
    assert_eq!((ca.count(), cb.count()), (1, 1));
    assert_eq!(poll_with(&mut ra, &wa), Poll::Ready(Ok(9)));
    assert_eq!(poll_with(&mut rb, &wb), Poll::Ready(Ok(9)));
}

#[test]
fn values_are_dropped_once_everyone_has_read_them() {
    let marker = Arc::new(());
    let (tx, mut a) = broadcast::channel(4);
    let mut b = tx.subscribe();
    tx.send(marker.clone()).unwrap();
    assert_eq!(Arc::strong_count(&marker), 2);
    drop(a.try_recv().unwrap());
    assert_eq!(Arc::strong_count(&marker), 2, "b has not read it yet");
    drop(b.try_recv().unwrap());
    assert_eq!(
        Arc::strong_count(&marker),
        1,
        "the last reader took the value out"
    );
    tx.send(marker.clone()).unwrap();
    drop(a);
    drop(b);
    assert_eq!(
        Arc::strong_count(&marker),
        1,
        "dropped receivers release unread values"
    );
}

#[test]
fn broadcast_receiver_is_a_stream() {
    run(async {
        let (tx, rx) = broadcast::channel(2);
        for v in 0..4 {
            tx.send(v).unwrap();
        }
        drop(tx);
        let got: Vec<_> = rx.collect().await;
        assert_eq!(
            got,
            [Err(broadcast::error::RecvError::Lagged(2)), Ok(2), Ok(3)]
        );
    });
}

#[test]
fn broadcast_sender_closed_future() {
    run(async {
        let (tx, rx) = broadcast::channel::<u8>(1);
        let t = std::thread::spawn(move || drop(rx));
        tx.closed().await;
        t.join().unwrap();
    });
}

#[test]
fn broadcast_across_threads() {
    let (tx, rx) = broadcast::channel(1024);
    let receivers: Vec<_> = (0..3)
        .map(|i| {
            let mut rx = if i == 0 {
                rx.resubscribe()
            } else {
                tx.subscribe()
            };
            std::thread::spawn(move || {
                run(async move {
                    let mut sum = 0u64;
                    while let Ok(v) = rx.recv().await {
                        sum += v;
                    }
                    sum
                })
            })
        })
        .collect();
    drop(rx);
    for v in 0..1000u64 {
        tx.send(v).unwrap();
    }
    drop(tx);
    for r in receivers {
        assert_eq!(r.join().unwrap(), 999 * 1000 / 2);
    }
}

#[test]
fn watch_receivers_see_latest_value() {
    run(async {
        let (tx, mut rx) = watch::channel(0);
        let mut rx2 = rx.clone();
        assert!(!rx.has_changed().unwrap());
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        assert!(rx.has_changed().unwrap());
        rx.changed().await.unwrap();
        assert_eq!(*rx.borrow(), 2, "intermediate values may be skipped");
        assert!(!rx.has_changed().unwrap());
        assert_eq!(*rx2.borrow_and_update(), 2);
        assert!(poll_once(&mut Box::pin(rx2.changed())).is_pending());
    });
}

#[test]
fn watch_changed_wakes_every_waiter() {
    let (tx, mut a) = watch::channel(0);
    let mut b = a.clone();
    let (ca, wa) = counting_waker();
    let (cb, wb) = counting_waker();
    let mut fa = Box::pin(a.changed());
    let mut fb = Box::pin(b.changed());
    assert!(poll_with(&mut fa, &wa).is_pending());
    assert!(poll_with(&mut fb, &wb).is_pending());
    tx.send_modify(|v| *v += 1);
    assert_eq!((ca.count(), cb.count()), (1, 1));
    assert!(poll_with(&mut fa, &wa).is_ready());
    assert!(poll_with(&mut fb, &wb).is_ready());
}

#[test]
fn watch_closed_when_sender_dropped() {
    run(async {
        let (tx, mut rx) = watch::channel("a");
        tx.send("b").unwrap();
        drop(tx);
        assert!(rx.has_changed().is_err());
        // The unseen value is still reported once, then the end.
        rx.changed().await.unwrap();
        assert_eq!(*rx.borrow(), "b");
        assert!(rx.changed().await.is_err());
    });
}

#[test]
fn watch_send_without_receivers_fails_but_send_replace_stores() {
    let (tx, rx) = watch::channel(1);
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send(2).unwrap_err().0, 2);
    assert_eq!(*tx.borrow(), 1);
    assert_eq!(tx.send_replace(3), 1);
    assert_eq!(*tx.borrow(), 3);
    let rx = tx.subscribe();
    assert_eq!(tx.receiver_count(), 1);
    assert!(!rx.has_changed().unwrap());
}

#[test]
fn watch_send_if_modified_and_marks() {
    run(async {
        let (tx, mut rx) = watch::channel(5);
        assert!(!tx.send_if_modified(|_| false));
        assert!(!rx.has_changed().unwrap());
        assert!(tx.send_if_modified(|v| {
            *v = 6;
            true
        }));
        rx.mark_unchanged();
        assert!(!rx.has_changed().unwrap());
        rx.mark_changed();
        rx.changed().await.unwrap();
        assert_eq!(*rx.borrow(), 6);
    });
}

#[test]
fn watch_wait_for_across_threads() {
    run(async {
        let (tx, mut rx) = watch::channel(0u32);
        let t = std::thread::spawn(move || {
            for v in 1..=100 {
                tx.send_replace(v);
            }
        });
        let v = rx.wait_for(|v| *v == 100).await.unwrap();
        assert_eq!(*v, 100);
        drop(v);
        t.join().unwrap();
        assert!(rx.changed().await.is_err());
    });
}

#[test]
fn watch_sender_closed_future() {
    run(async {
        let (tx, rx) = watch::channel(());
        let t = std::thread::spawn(move || drop(rx));
        tx.closed().await;
        t.join().unwrap();
        assert_eq!(tx.sender_count(), 1);
    });
}

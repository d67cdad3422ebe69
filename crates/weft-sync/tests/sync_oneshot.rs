//! Behaviour of `oneshot`.
#![cfg(not(loom))]

mod support;

use std::task::Poll;

use support::{counting_waker, poll_once, poll_with, run};
use weft_sync::oneshot::{self, error::TryRecvError};

#[test]
fn send_then_receive() {
    run(async {
        let (tx, rx) = oneshot::channel();
        tx.send(5u32).unwrap();
        assert_eq!(rx.await, Ok(5));
    });
}

#[test]
fn receive_then_send_wakes_receiver_once() {
    let (tx, mut rx) = oneshot::channel();
    let (count, waker) = counting_waker();
    assert!(poll_with(&mut rx, &waker).is_pending());
    tx.send("x").unwrap();
    assert_eq!(count.count(), 1);
    assert_eq!(poll_with(&mut rx, &waker), Poll::Ready(Ok("x")));
}

#[test]
fn dropped_sender_resolves_to_error() {
    let (tx, mut rx) = oneshot::channel::<u8>();
    let (count, waker) = counting_waker();
    assert!(poll_with(&mut rx, &waker).is_pending());
    drop(tx);
    assert_eq!(count.count(), 1);
    assert!(matches!(poll_once(&mut rx), Poll::Ready(Err(_))));
}

#[test]
fn send_to_dropped_receiver_returns_value() {
    let (tx, rx) = oneshot::channel();
    assert!(!tx.is_closed());
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send(vec![1, 2]), Err(vec![1, 2]));
}

#[test]
fn close_keeps_value_sent_before() {
    let (tx, mut rx) = oneshot::channel();
    tx.send(1).unwrap();
    rx.close();
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn close_before_send_fails_send_and_receiver() {
    let (tx, mut rx) = oneshot::channel();
    rx.close();
    assert_eq!(tx.send(1), Err(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn try_recv_states() {
    let (tx, mut rx) = oneshot::channel::<i32>();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert!(rx.is_empty());
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert!(rx.is_terminated());
}

#[test]
fn sender_closed_future_completes_on_receiver_drop() {
    let (mut tx, rx) = oneshot::channel::<i32>();
    let (count, waker) = counting_waker();
    {
        let mut fut = Box::pin(tx.closed());
        assert!(poll_with(&mut fut, &waker).is_pending());
        drop(rx);
        assert_eq!(count.count(), 1);
        assert!(poll_with(&mut fut, &waker).is_ready());
    }
    assert!(tx.is_closed());
}

#[test]
fn unreceived_value_is_dropped() {
    let marker = std::sync::Arc::new(());
    let (tx, rx) = oneshot::channel();
    tx.send(marker.clone()).unwrap();
    assert_eq!(std::sync::Arc::strong_count(&marker), 2);
    drop(rx);
    assert_eq!(std::sync::Arc::strong_count(&marker), 1);
}

#[test]
fn cross_thread_many_times() {
    for i in 0..1000 {
        let (tx, rx) = oneshot::channel();
        let t = std::thread::spawn(move || tx.send(i).unwrap());
        assert_eq!(rx.blocking_recv(), Ok(i));
        t.join().unwrap();
    }
}

#[test]
#[should_panic(expected = "polled after it resolved")]
fn polling_after_completion_panics() {
    let (tx, mut rx) = oneshot::channel();
    tx.send(1).unwrap();
    let _ = poll_once(&mut rx);
    let _ = poll_once(&mut rx);
}

#[test]
fn receive_consumes_cooperative_budget() {
    use weft_core::coop;
    let (tx, mut rx) = oneshot::channel();
    tx.send(1).unwrap();
    coop::with_budget(coop::Budget::new(0), || {
        assert!(poll_once(&mut rx).is_pending());
    });
    coop::with_budget(coop::Budget::new(1), || {
        assert_eq!(poll_once(&mut rx), Poll::Ready(Ok(1)));
        assert_eq!(coop::current(), coop::Budget::new(0));
    });
}

#[test]
fn receivers_are_fused_for_select() {
    run(async {
        let (tx1, mut rx1) = oneshot::channel::<u8>();
        let (tx2, mut rx2) = oneshot::channel::<u8>();
        tx1.send(1).unwrap();
        drop(tx2);
        let mut got = Vec::new();
        loop {
            futures_util::select! {
                v = rx1 => got.push(v.ok()),
                v = rx2 => got.push(v.ok()),
                complete => break,
            }
        }
        got.sort();
        assert_eq!(got, [None, Some(1)]);
    });
}

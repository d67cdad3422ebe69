//! Loom models of the bounded and unbounded mpsc channels: no lost wakeup, no double delivery,
//! a cancelled reservation passes its slot on, and the receiver's deferred slot releases (kept
//! apart from the senders' counter until a sender runs short) reach waiting and trying senders.
#![cfg(loom)]

mod support;

use std::future::Future;
use std::task::{Context, Poll, Waker};

use loom::thread;
use support::{loom_block_on, model};
use weft_sync::mpsc;

#[test]
fn unbounded_two_producers_each_value_once() {
    model(|| {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let tx2 = tx.clone();
        let a = thread::spawn(move || tx.send(1).unwrap());
        let b = thread::spawn(move || tx2.send(2).unwrap());
        let mut got = Vec::new();
        loom_block_on(async {
            while let Some(v) = rx.recv().await {
                got.push(v);
            }
        });
        got.sort();
        assert_eq!(got, [1, 2]);
        a.join().unwrap();
        b.join().unwrap();
    });
}

#[test]
fn bounded_back_pressure_wakes_sender() {
    model(|| {
        let (tx, mut rx) = mpsc::channel(1);
        let t = thread::spawn(move || {
            loom_block_on(async {
                tx.send(1).await.unwrap();
                tx.send(2).await.unwrap();
            })
        });
        let got = loom_block_on(async {
            let mut got = Vec::new();
            while let Some(v) = rx.recv().await {
                got.push(v);
            }
            got
        });
        assert_eq!(got, [1, 2]);
        t.join().unwrap();
    });
}

#[test]
fn two_senders_wait_for_one_slot() {
    // Both senders may find the one slot taken; each freed slot is a deferred release that must
    // reach a queued sender (or be found by one that is about to queue), and no slot is lost.
    model(|| {
        let (tx, mut rx) = mpsc::channel(1);
        let tx2 = tx.clone();
        let a = thread::spawn(move || loom_block_on(tx.send(1)).unwrap());
        let b = thread::spawn(move || loom_block_on(tx2.send(2)).unwrap());
        let mut got = Vec::new();
        loom_block_on(async {
            while let Some(v) = rx.recv().await {
                got.push(v);
            }
        });
        got.sort();
        assert_eq!(got, [1, 2]);
        a.join().unwrap();
        b.join().unwrap();
        assert_eq!(rx.capacity(), 1, "the slot is free again");
    });
}

#[test]
fn released_slot_goes_to_a_waiting_or_a_trying_sender() {
    // The receiver frees the slot while one sender waits for it (queued, or about to queue) and
    // the receiving thread itself then tries to send: exactly one of the two gets the slot first,
    // and a failed try_send means the slot really was taken.
    model(|| {
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(0).unwrap();
        let tx2 = tx.clone();
        let a = thread::spawn(move || loom_block_on(tx2.send(1)).unwrap());
        assert_eq!(loom_block_on(rx.recv()), Some(0));
        let tried = tx.try_send(2);
        let mut got = Vec::new();
        match tried {
            Ok(()) => {
                got.push(loom_block_on(rx.recv()).unwrap());
                got.push(loom_block_on(rx.recv()).unwrap());
            }
            Err(e) => {
                assert!(matches!(e, mpsc::error::TrySendError::Full(2)));
                got.push(loom_block_on(rx.recv()).unwrap());
            }
        }
        a.join().unwrap();
        drop(tx);
        assert_eq!(loom_block_on(rx.recv()), None);
        got.sort();
        let want: &[i32] = if tried.is_ok() { &[1, 2] } else { &[1] };
        assert_eq!(got, want);
        assert_eq!(rx.capacity(), 1, "the slot is free again");
    });
}

#[test]
fn cancelled_reserve_passes_slot_on() {
    model(|| {
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(0).unwrap();
        let tx_a = tx.clone();
        let tx_b = tx;
        // A queues for the slot, then gives up (cancelled), possibly after it was handed the slot.
        let a = thread::spawn(move || {
            let mut f = Box::pin(tx_a.reserve());
            let _ = f.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        });
        // B waits for a slot and must get one.
        let b = thread::spawn(move || {
            loom_block_on(async { tx_b.reserve().await.unwrap().send(2) });
        });
        let got = loom_block_on(async {
            let mut got = Vec::new();
            while let Some(v) = rx.recv().await {
                got.push(v);
            }
            got
        });
        assert_eq!(got, [0, 2]);
        a.join().unwrap();
        b.join().unwrap();
    });
}

#[test]
fn close_races_send() {
    model(|| {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let t = thread::spawn(move || tx.send(1).is_ok());
        rx.close();
        let got = loom_block_on(rx.recv());
        let sent = t.join().unwrap();
        assert_eq!(
            got.is_some(),
            sent,
            "a value is received exactly when its send succeeded"
        );
        assert!(matches!(
            loom_block_on(std::future::poll_fn(|cx| Poll::Ready(rx.poll_recv(cx)))),
            Poll::Ready(None)
        ));
    });
}

#[test]
fn close_waits_for_outstanding_permit() {
    // The receiver closes while a sender holds a permit: `recv` must end (None) once the permit is
    // given back unused, or return the value if the permit is used, never hang.
    model(|| {
        let (tx, mut rx) = mpsc::channel::<usize>(1);
        let permit = tx.clone().try_reserve_owned().unwrap();
        let t = thread::spawn(move || {
            drop(permit);
        });
        // `tx` stays alive: only the permit's return can end the receive.
        rx.close();
        assert_eq!(loom_block_on(rx.recv()), None);
        t.join().unwrap();
        drop(tx);
    });
}

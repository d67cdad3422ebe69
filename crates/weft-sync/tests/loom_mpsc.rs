//! Loom models of the bounded and unbounded mpsc channels: no lost wakeup, no double delivery,
//! a cancelled reservation passes its slot on.
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

//! Loom models of `oneshot`: no lost wakeup, exactly one outcome, value never dropped twice.
#![cfg(loom)]

mod support;

use loom::thread;
use support::{loom_block_on, model};
use weft_sync::oneshot::{self, error::TryRecvError};

#[test]
fn send_wakes_waiting_receiver() {
    model(|| {
        let (tx, rx) = oneshot::channel();
        let t = thread::spawn(move || tx.send(1usize).unwrap());
        assert_eq!(loom_block_on(rx), Ok(1));
        t.join().unwrap();
    });
}

#[test]
fn dropped_sender_wakes_receiver() {
    model(|| {
        let (tx, rx) = oneshot::channel::<usize>();
        let t = thread::spawn(move || drop(tx));
        assert!(loom_block_on(rx).is_err());
        t.join().unwrap();
    });
}

#[test]
fn close_races_send_with_one_outcome() {
    model(|| {
        let (tx, mut rx) = oneshot::channel();
        let value = loom::sync::Arc::new(());
        let v2 = value.clone();
        let t = thread::spawn(move || tx.send(v2).is_ok());
        rx.close();
        let sent = t.join().unwrap();
        match rx.try_recv() {
            Ok(v) => {
                assert!(sent, "received a value whose send failed");
                drop(v);
            }
            Err(e) => {
                assert_eq!(e, TryRecvError::Closed);
                assert!(!sent, "send succeeded but the value vanished");
            }
        }
        // Every clone of the value was dropped exactly once.
        assert_eq!(loom::sync::Arc::strong_count(&value), 1);
    });
}

#[test]
fn receiver_drop_wakes_closed_sender() {
    model(|| {
        let (mut tx, rx) = oneshot::channel::<usize>();
        let t = thread::spawn(move || drop(rx));
        loom_block_on(tx.closed());
        assert!(tx.is_closed());
        t.join().unwrap();
    });
}

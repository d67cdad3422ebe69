//! Loom models of `broadcast` and `watch`: a send wakes a waiting receiver, the end of the
//! senders is never missed.
#![cfg(loom)]

mod support;

use loom::thread;
use support::{loom_block_on, model};
use weft_sync::{broadcast, watch};

#[test]
fn broadcast_send_then_close_is_seen_in_order() {
    model(|| {
        let (tx, mut rx) = broadcast::channel(2);
        let t = thread::spawn(move || {
            tx.send(1).unwrap();
        });
        assert_eq!(loom_block_on(rx.recv()), Ok(1));
        assert_eq!(
            loom_block_on(rx.recv()),
            Err(broadcast::error::RecvError::Closed)
        );
        t.join().unwrap();
    });
}

#[test]
fn watch_changed_sees_a_send() {
    model(|| {
        let (tx, mut rx) = watch::channel(0);
        let t = thread::spawn(move || {
            tx.send(1).unwrap();
            tx
        });
        loom_block_on(rx.changed()).unwrap();
        assert_eq!(*rx.borrow(), 1);
        drop(t.join().unwrap());
        assert!(loom_block_on(rx.changed()).is_err());
    });
}

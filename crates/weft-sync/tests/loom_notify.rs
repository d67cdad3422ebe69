//! Loom models of `Notify`: no lost wakeup, one permit per `notify_one`, a cancelled waiter passes
//! its notification on.
#![cfg(loom)]

mod support;

use std::future::Future;
use std::task::{Context, Waker};

use loom::sync::Arc;
use loom::thread;
use support::{loom_block_on, model};
use weft_sync::Notify;

#[test]
fn notify_one_before_or_after_wait_is_not_lost() {
    model(|| {
        let n = Arc::new(Notify::new());
        let n2 = n.clone();
        let t = thread::spawn(move || n2.notify_one());
        loom_block_on(n.notified());
        t.join().unwrap();
    });
}

#[test]
fn notify_waiters_reaches_a_future_created_before_it() {
    model(|| {
        let n = Arc::new(Notify::new());
        let notified = n.notified();
        let n2 = n.clone();
        let t = thread::spawn(move || n2.notify_waiters());
        loom_block_on(notified);
        t.join().unwrap();
    });
}

#[test]
fn notify_one_and_notify_waiters_racing_a_waiter() {
    // Whatever the order, the waiter completes: notify_waiters wakes it if it already waits, and
    // notify_one either wakes it or leaves the permit it then takes.
    model(|| {
        let n = Arc::new(Notify::new());
        let n2 = n.clone();
        let waiter = thread::spawn(move || loom_block_on(n2.notified()));
        let n3 = n.clone();
        let all = thread::spawn(move || n3.notify_waiters());
        n.notify_one();
        waiter.join().unwrap();
        all.join().unwrap();
    });
}

#[test]
fn cancelled_waiter_passes_notification_on() {
    model(|| {
        let n = Arc::new(Notify::new());
        // A waits, then gives up (possibly after it was picked). If its one poll completed, A
        // consumed the notification legitimately and says so.
        let n_a = n.clone();
        let a = thread::spawn(move || {
            let mut f = Box::pin(n_a.notified());
            f.as_mut()
                .poll(&mut Context::from_waker(Waker::noop()))
                .is_ready()
        });
        let n_b = n.clone();
        let b = thread::spawn(move || loom_block_on(n_b.notified()));
        n.notify_one();
        if a.join().unwrap() {
            n.notify_one();
        }
        // B must complete: either A never took the notification, or it passed it on.
        b.join().unwrap();
    });
}

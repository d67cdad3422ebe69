//! Wakers are called after the primitive's lock is released (docs/contributing.md, "Concurrency").
//!
//! Each test installs a waker that, when woken, calls back into the same primitive in a way that
//! takes its internal lock. Were the wake done under the lock, the test would deadlock (the locks
//! are not reentrant) instead of passing.
#![cfg(not(loom))]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use support::{fn_waker, poll_once, poll_with};
use weft_sync::{broadcast, mpsc, Mutex, Notify, Semaphore};

#[test]
fn semaphore_release_wakes_outside_lock() {
    let s = Arc::new(Semaphore::new(0));
    let woken = Arc::new(AtomicUsize::new(0));
    let (s2, w2) = (s.clone(), woken.clone());
    let waker = fn_waker(move || {
        // A fresh acquire finds no free permit and takes the waiter lock to queue.
        let mut f = Box::pin(s2.acquire());
        assert!(poll_once(&mut f).is_pending());
        w2.fetch_add(1, SeqCst);
    });
    let mut w = Box::pin(s.acquire());
    assert!(poll_with(&mut w, &waker).is_pending());
    s.add_permits(1);
    assert_eq!(woken.load(SeqCst), 1);
    assert!(poll_with(&mut w, &waker).is_ready());
}

#[test]
fn semaphore_close_wakes_outside_lock() {
    let s = Arc::new(Semaphore::new(0));
    let s2 = s.clone();
    let waker = fn_waker(move || s2.close());
    let mut w = Box::pin(s.acquire());
    assert!(poll_with(&mut w, &waker).is_pending());
    s.close();
    assert!(matches!(
        poll_with(&mut w, &waker),
        std::task::Poll::Ready(Err(_))
    ));
}

#[test]
fn mutex_unlock_wakes_outside_lock() {
    let m = Arc::new(Mutex::new(()));
    let m2 = m.clone();
    let waker = fn_waker(move || {
        let mut f = Box::pin(m2.lock());
        assert!(poll_once(&mut f).is_pending());
    });
    let g = m.try_lock().unwrap();
    let mut w = Box::pin(m.lock());
    assert!(poll_with(&mut w, &waker).is_pending());
    drop(g);
    assert!(poll_with(&mut w, &waker).is_ready());
}

#[test]
fn notify_wakes_outside_lock() {
    let n = Arc::new(Notify::new());
    let n2 = n.clone();
    let waker = fn_waker(move || n2.notify_waiters());
    let mut a = n.notified();
    assert!(poll_with(&mut a, &waker).is_pending());
    n.notify_one();
    assert!(poll_with(&mut a, &waker).is_ready());
    let mut b = n.notified();
    assert!(poll_with(&mut b, &waker).is_pending());
    n.notify_waiters();
    assert!(poll_with(&mut b, &waker).is_ready());
}

#[test]
fn mpsc_send_wakes_outside_lock() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let tx2 = tx.clone();
    let waker = fn_waker(move || {
        let _ = tx2.send(0);
    });
    let mut r = Box::pin(rx.recv());
    assert!(poll_with(&mut r, &waker).is_pending());
    tx.send(1).unwrap();
    assert_eq!(poll_with(&mut r, &waker), std::task::Poll::Ready(Some(1)));
}

#[test]
fn broadcast_send_wakes_outside_lock() {
    let (tx, mut rx) = broadcast::channel(4);
    let tx2 = tx.clone();
    let waker = fn_waker(move || {
        assert_eq!(tx2.receiver_count(), 1);
    });
    let mut r = Box::pin(rx.recv());
    assert!(poll_with(&mut r, &waker).is_pending());
    tx.send(1).unwrap();
    assert_eq!(poll_with(&mut r, &waker), std::task::Poll::Ready(Ok(1)));
}

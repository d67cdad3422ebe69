//! Loom models of `Mutex`: mutual exclusion with the guard held across a yield, and a cancelled
//! waiter that was handed the lock passes it on.
#![cfg(loom)]

mod support;

use std::future::Future;
use std::task::{Context, Waker};

use loom::sync::Arc;
use loom::thread;
use support::{loom_block_on, model};
use weft_sync::Mutex;

#[test]
fn mutex_two_tasks_increment() {
    model(|| {
        let m = Arc::new(Mutex::new(0usize));
        let m2 = m.clone();
        let t = thread::spawn(move || {
            loom_block_on(async {
                let mut g = m2.lock().await;
                let v = *g;
                thread::yield_now();
                *g = v + 1;
            })
        });
        loom_block_on(async {
            let mut g = m.lock().await;
            let v = *g;
            thread::yield_now();
            *g = v + 1;
        });
        t.join().unwrap();
        assert_eq!(*m.try_lock().unwrap(), 2);
    });
}

#[test]
fn mutex_cancelled_waiter_passes_lock_on() {
    model(|| {
        let m = Arc::new(Mutex::new(()));
        let m_a = m.clone();
        let m_b = m.clone();
        let lock = m.try_lock().unwrap();
        let a = thread::spawn(move || {
            let mut f = Box::pin(m_a.lock());
            let _ = f.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        });
        let b = thread::spawn(move || {
            loom_block_on(async {
                drop(m_b.lock().await);
            })
        });
        drop(lock);
        b.join().unwrap();
        a.join().unwrap();
        assert!(m.try_lock().is_ok());
    });
}

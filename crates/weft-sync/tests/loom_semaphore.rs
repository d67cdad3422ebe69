//! Loom models of `Semaphore`: mutual exclusion, no lost wakeup, cancelled waiters pass their
//! permits on, permits are conserved.
#![cfg(loom)]

mod support;

use std::future::Future;
use std::task::{Context, Waker};

use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;
use support::{loom_block_on, model};
use weft_sync::Semaphore;

#[test]
fn semaphore_one_permit_two_tasks() {
    model(|| {
        let s = Arc::new(Semaphore::new(1));
        let inside = Arc::new(AtomicUsize::new(0));
        let (s2, inside2) = (s.clone(), inside.clone());
        let t = thread::spawn(move || {
            loom_block_on(async {
                let _p = s2.acquire().await.unwrap();
                assert_eq!(
                    inside2.fetch_add(1, SeqCst),
                    0,
                    "two permit holders at once"
                );
                inside2.fetch_sub(1, SeqCst);
            })
        });
        loom_block_on(async {
            let _p = s.acquire().await.unwrap();
            assert_eq!(inside.fetch_add(1, SeqCst), 0, "two permit holders at once");
            inside.fetch_sub(1, SeqCst);
        });
        t.join().unwrap();
        assert_eq!(s.available_permits(), 1);
    });
}

#[test]
fn semaphore_cancelled_waiter_passes_permit_on() {
    model(|| {
        let s = Arc::new(Semaphore::new(1));
        let held = s.try_acquire_many(1).unwrap();
        let s_a = s.clone();
        let a = thread::spawn(move || {
            let mut f = Box::pin(s_a.acquire());
            let _ = f.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        });
        let s_b = s.clone();
        let b = thread::spawn(move || {
            loom_block_on(async {
                drop(s_b.acquire().await.unwrap());
            })
        });
        drop(held);
        b.join().unwrap();
        a.join().unwrap();
        assert_eq!(s.available_permits(), 1, "permits are conserved");
    });
}

#[test]
fn semaphore_acquire_many_collects_from_two_releases() {
    model(|| {
        let s = Arc::new(Semaphore::new(0));
        let s2 = s.clone();
        let t = thread::spawn(move || s2.add_permits(1));
        let s3 = s.clone();
        let u = thread::spawn(move || s3.add_permits(1));
        loom_block_on(async {
            let p = s.acquire_many(2).await.unwrap();
            assert_eq!(p.num_permits(), 2);
        });
        t.join().unwrap();
        u.join().unwrap();
        assert_eq!(s.available_permits(), 2);
    });
}

#[test]
fn semaphore_close_wakes_waiter() {
    model(|| {
        let s = Arc::new(Semaphore::new(0));
        let s2 = s.clone();
        let t = thread::spawn(move || s2.close());
        assert!(loom_block_on(s.acquire()).is_err());
        t.join().unwrap();
    });
}

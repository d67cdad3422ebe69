//! Behaviour of `Semaphore`, including FIFO fairness.
#![cfg(not(loom))]

mod support;

use std::future::Future;
use std::sync::{Arc, Mutex as StdMutex};
use std::task::Poll;

use support::{counting_waker, poll_once, poll_with, run};
use weft_sync::{Semaphore, TryAcquireError};

#[test]
fn acquire_and_release() {
    run(async {
        let s = Semaphore::new(2);
        let a = s.acquire().await.unwrap();
        let b = s.acquire().await.unwrap();
        assert_eq!(s.available_permits(), 0);
        assert_eq!(s.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
        drop(a);
        assert_eq!(s.available_permits(), 1);
        drop(b);
        assert_eq!(s.available_permits(), 2);
        let many = s.acquire_many(2).await.unwrap();
        assert_eq!(many.num_permits(), 2);
    });
}

#[test]
fn release_wakes_waiter_once() {
    let s = Semaphore::new(1);
    let held = s.try_acquire().unwrap();
    let (count, waker) = counting_waker();
    let mut w = Box::pin(s.acquire());
    assert!(poll_with(&mut w, &waker).is_pending());
    drop(held);
    assert_eq!(count.count(), 1);
    assert!(matches!(poll_with(&mut w, &waker), Poll::Ready(Ok(_))));
}

#[test]
fn large_request_at_head_blocks_later_small_ones() {
    let s = Semaphore::new(2);
    let held = s.try_acquire_many(2).unwrap();
    let mut big = Box::pin(s.acquire_many(2));
    let mut small = Box::pin(s.acquire());
    assert!(poll_once(&mut big).is_pending());
    assert!(poll_once(&mut small).is_pending());
    drop(held);
    // Both permits go to the head of the queue; the small request behind it cannot overtake.
    assert!(poll_once(&mut small).is_pending());
    let Poll::Ready(Ok(big_permit)) = poll_once(&mut big) else {
        panic!("the head of the queue must get its permits")
    };
    assert!(poll_once(&mut small).is_pending());
    drop(big_permit);
    assert!(matches!(poll_once(&mut small), Poll::Ready(Ok(_))));
}

#[test]
fn try_acquire_does_not_barge_past_waiters() {
    let s = Semaphore::new(1);
    let held = s.try_acquire().unwrap();
    let mut waiter = Box::pin(s.acquire_many(2));
    assert!(poll_once(&mut waiter).is_pending());
    s.add_permits(1);
    drop(held);
    // Two permits released, both handed to the waiter: none for try_acquire.
    assert_eq!(s.available_permits(), 0);
    assert!(s.try_acquire().is_err());
    assert!(matches!(poll_once(&mut waiter), Poll::Ready(Ok(_))));
}

#[test]
fn cancelled_waiter_passes_collected_permits_on() {
    let s = Semaphore::new(1);
    let held = s.try_acquire().unwrap();
    let mut big = Box::pin(s.acquire_many(2)); // collects one permit, needs another
    let (count, waker) = counting_waker();
    let mut small = Box::pin(s.acquire());
    assert!(poll_once(&mut big).is_pending());
    assert!(poll_with(&mut small, &waker).is_pending());
    drop(held);
    assert_eq!(
        count.count(),
        0,
        "the released permit went to the head waiter"
    );
    drop(big);
    assert_eq!(count.count(), 1, "cancelling the head hands its permit on");
    assert!(matches!(poll_with(&mut small, &waker), Poll::Ready(Ok(_))));
}

#[test]
fn granted_then_cancelled_waiter_returns_permit() {
    let s = Semaphore::new(1);
    let held = s.try_acquire().unwrap();
    let mut w = Box::pin(s.acquire());
    assert!(poll_once(&mut w).is_pending());
    drop(held); // granted to w, which never observes it
    drop(w);
    assert_eq!(s.available_permits(), 1);
}

#[test]
fn close_fails_waiters_and_later_acquires() {
    run(async {
        let s = Semaphore::new(1);
        let held = s.try_acquire().unwrap();
        let mut w = Box::pin(s.acquire());
        assert!(poll_once(&mut w).is_pending());
        s.close();
        assert!(s.is_closed());
        assert!(matches!(poll_once(&mut w), Poll::Ready(Err(_))));
        assert!(s.acquire().await.is_err());
        assert_eq!(s.try_acquire().unwrap_err(), TryAcquireError::Closed);
        drop(held);
        assert_eq!(s.available_permits(), 1);
    });
}

#[test]
fn add_and_forget_permits() {
    let s = Semaphore::new(0);
    s.add_permits(3);
    assert_eq!(s.available_permits(), 3);
    assert_eq!(s.forget_permits(2), 2);
    assert_eq!(s.available_permits(), 1);
    s.try_acquire().unwrap().forget();
    assert_eq!(s.available_permits(), 0);
}

#[test]
#[should_panic(expected = "exceed the maximum")]
fn add_permits_overflow_panics() {
    let s = Semaphore::new(Semaphore::MAX_PERMITS);
    s.add_permits(1);
}

#[test]
fn owned_permits() {
    run(async {
        let s = Arc::new(Semaphore::new(2));
        let a = s.clone().acquire_owned().await.unwrap();
        let b = s.clone().acquire_many_owned(1).await.unwrap();
        assert!(s.clone().try_acquire_owned().is_err());
        assert!(Arc::ptr_eq(a.semaphore(), &s));
        drop((a, b));
        let c = s.clone().try_acquire_many_owned(2).unwrap();
        assert_eq!(c.num_permits(), 2);
    });
}

#[test]
fn waiters_are_served_in_arrival_order() {
    let s = Semaphore::new(1);
    let mut holder = Some(s.try_acquire().unwrap());
    let mut waiters: Vec<_> = (0..6).map(|_| Some(Box::pin(s.acquire()))).collect();
    for w in waiters.iter_mut().flatten() {
        assert!(poll_once(w).is_pending());
    }
    let mut order = Vec::new();
    for _ in 0..6 {
        drop(holder.take());
        // Poll every waiter, latest first; exactly the longest-waiting one must be ready.
        for (i, slot) in waiters.iter_mut().enumerate().rev() {
            if let Some(w) = slot {
                if let Poll::Ready(p) = poll_once(w) {
                    order.push(i);
                    holder = Some(p.unwrap());
                    *slot = None;
                }
            }
        }
    }
    assert_eq!(order, [0, 1, 2, 3, 4, 5]);
}

#[test]
fn fifo_across_threads() {
    // Each thread queues only after the previous one is queued; they must get the permit in
    // that order.
    let s = Arc::new(Semaphore::new(1));
    let order = Arc::new(StdMutex::new(Vec::new()));
    let held = s.clone().try_acquire_owned().unwrap();
    let mut threads = Vec::new();
    for i in 0..4 {
        let (s2, order2) = (s.clone(), order.clone());
        let (queued_tx, queued_rx) = std::sync::mpsc::channel();
        threads.push(std::thread::spawn(move || {
            run(async move {
                let mut acq = Box::pin(s2.acquire());
                let first = std::future::poll_fn(|cx| Poll::Ready(acq.as_mut().poll(cx))).await;
                assert!(first.is_pending());
                queued_tx.send(()).unwrap();
                let _p = acq.await.unwrap();
                order2.lock().unwrap().push(i);
            })
        }));
        queued_rx.recv().unwrap();
    }
    drop(held);
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*order.lock().unwrap(), [0, 1, 2, 3]);
}

#[test]
fn acquire_consumes_cooperative_budget() {
    use weft_core::coop;
    let s = Semaphore::new(1);
    coop::with_budget(coop::Budget::new(0), || {
        assert!(poll_once(&mut Box::pin(s.acquire())).is_pending());
    });
    assert_eq!(s.available_permits(), 1);
}

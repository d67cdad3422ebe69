//! Behaviour of `Notify`, `Barrier` and `CancellationToken`.
#![cfg(not(loom))]

mod support;

use std::sync::Arc;
use std::task::Poll;

use support::{counting_waker, poll_once, poll_with, run};
use weft_sync::{Barrier, CancellationToken, Notify};

#[test]
fn notify_one_stores_a_single_permit() {
    let n = Notify::new();
    n.notify_one();
    n.notify_one();
    assert!(poll_once(&mut n.notified()).is_ready());
    assert!(
        poll_once(&mut n.notified()).is_pending(),
        "two notify_one calls store only one permit"
    );
}

#[test]
fn notify_one_wakes_waiters_in_order() {
    let n = Notify::new();
    let (c1, w1) = counting_waker();
    let (c2, w2) = counting_waker();
    let mut a = n.notified();
    let mut b = n.notified();
    assert!(poll_with(&mut a, &w1).is_pending());
    assert!(poll_with(&mut b, &w2).is_pending());
    n.notify_one();
    assert_eq!((c1.count(), c2.count()), (1, 0));
    assert!(poll_with(&mut a, &w1).is_ready());
    assert!(poll_with(&mut b, &w2).is_pending());
    n.notify_one();
    assert_eq!(c2.count(), 1);
    assert!(poll_with(&mut b, &w2).is_ready());
}

#[test]
fn notify_waiters_wakes_only_current_waiters() {
    let n = Notify::new();
    let (c1, w1) = counting_waker();
    let mut a = n.notified();
    let mut b = n.notified(); // created, never polled: still counts as waiting
    assert!(poll_with(&mut a, &w1).is_pending());
    n.notify_waiters();
    assert_eq!(c1.count(), 1);
    assert!(poll_with(&mut a, &w1).is_ready());
    assert!(poll_once(&mut b).is_ready());
    // No permit is stored for later waiters.
    assert!(poll_once(&mut n.notified()).is_pending());
}

#[test]
fn cancelled_notified_passes_notification_on() {
    let n = Notify::new();
    let mut a = n.notified();
    let (c2, w2) = counting_waker();
    let mut b = n.notified();
    assert!(poll_once(&mut a).is_pending());
    assert!(poll_with(&mut b, &w2).is_pending());
    n.notify_one(); // picks `a`
    drop(a); // ... which is cancelled before it completes
    assert_eq!(c2.count(), 1, "the notification moved on to `b`");
    assert!(poll_with(&mut b, &w2).is_ready());
}

#[test]
fn cancelled_last_waiter_becomes_stored_permit() {
    let n = Notify::new();
    let mut a = n.notified();
    assert!(poll_once(&mut a).is_pending());
    n.notify_one();
    drop(a);
    assert!(poll_once(&mut n.notified()).is_ready());
}

#[test]
fn dropped_unnotified_waiter_leaves_clean_state() {
    let n = Notify::new();
    let mut a = n.notified();
    assert!(poll_once(&mut a).is_pending());
    drop(a);
    n.notify_one(); // no waiter left: stores a permit
    assert!(poll_once(&mut n.notified()).is_ready());
}

#[test]
fn notify_across_threads_many_times() {
    let n = Arc::new(Notify::new());
    let done = Arc::new(Notify::new());
    let (n2, done2) = (n.clone(), done.clone());
    let t = std::thread::spawn(move || {
        run(async move {
            for _ in 0..2_000 {
                n2.notified().await;
                done2.notify_one();
            }
        })
    });
    run(async {
        for _ in 0..2_000 {
            n.notify_one();
            done.notified().await;
        }
    });
    t.join().unwrap();
}

#[test]
fn barrier_releases_all_with_one_leader() {
    let b = Arc::new(Barrier::new(4));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let b = b.clone();
            std::thread::spawn(move || run(async move { b.wait().await.is_leader() }))
        })
        .collect();
    let leaders = threads
        .into_iter()
        .map(|t| t.join().unwrap())
        .filter(|l| *l)
        .count();
    assert_eq!(leaders, 1);
}

#[test]
fn barrier_is_reusable_and_waits() {
    let b = Barrier::new(2);
    for _ in 0..3 {
        let mut first = Box::pin(b.wait());
        assert!(poll_once(&mut first).is_pending());
        let Poll::Ready(r) = poll_once(&mut Box::pin(b.wait())) else {
            panic!("the second arrival completes the round")
        };
        assert!(r.is_leader());
        let Poll::Ready(r) = poll_once(&mut first) else {
            panic!("the first waiter is released")
        };
        assert!(!r.is_leader());
    }
    let one = Barrier::new(0);
    assert!(run(one.wait()).is_leader());
}

#[test]
fn cancellation_reaches_children_not_parents() {
    run(async {
        let root = CancellationToken::new();
        let child = root.child_token();
        let grandchild = child.child_token();
        let sibling = root.child_token();
        grandchild.cancel();
        assert!(grandchild.is_cancelled());
        assert!(!child.is_cancelled() && !root.is_cancelled());
        child.cancel();
        assert!(!sibling.is_cancelled());
        root.cancel();
        assert!(sibling.is_cancelled());
        sibling.cancelled().await;
        // A child of a cancelled token starts cancelled.
        assert!(root.child_token().is_cancelled());
    });
}

#[test]
fn cancelled_wakes_waiters() {
    let t = CancellationToken::new();
    let child = t.child_token();
    let (count, waker) = counting_waker();
    let mut w = Box::pin(child.cancelled());
    assert!(poll_with(&mut w, &waker).is_pending());
    t.cancel();
    assert_eq!(count.count(), 1);
    assert!(poll_with(&mut w, &waker).is_ready());
}

#[test]
fn cancellation_survives_dropped_intermediate_tokens() {
    let root = CancellationToken::new();
    let grandchild = {
        let child = root.child_token();
        child.child_token()
        // `child` is dropped here; its child must still hear the root.
    };
    root.cancel();
    assert!(grandchild.is_cancelled());
}

#[test]
fn drop_guard_and_run_until_cancelled() {
    run(async {
        let t = CancellationToken::new();
        let g = t.clone().drop_guard();
        let t2 = g.disarm();
        assert!(!t2.is_cancelled());
        assert_eq!(t.run_until_cancelled(async { 3 }).await, Some(3));
        {
            let _g = t2.drop_guard();
        }
        assert!(t.is_cancelled());
        assert_eq!(
            t.run_until_cancelled(std::future::pending::<()>()).await,
            None
        );
        t.clone().cancelled_owned().await;
    });
}

//! Loom models of the timer queue with entries embedded in their `Sleep`s: the wheel points at
//! an entry it does not own, so the owner may free it only once the queue can no longer touch it.
//! Each model frees the entry the way `Sleep`'s `Drop` does (remove under the lock unless the
//! entry is done) while the driver fires it; the entry's loom-tracked memory cell reports a free
//! that is not ordered after the queue's last access. A poll racing the firing never loses the
//! wakeup (loom reports a lost one as a deadlock), and a reset racing the firing never fires
//! early.
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p weft-io --release --test loom_timer`
#![cfg(loom)]

use std::future::poll_fn;
use std::task::Poll;

use loom::sync::Arc;
use loom::thread;
use weft_io::__loom::timer::{Entry, Queue};

/// What `Sleep`'s `Drop` does, then the free (marked on the entry's loom-tracked memory; the box
/// itself goes once the driver thread is joined, so that a bad free shows as loom's causality
/// violation rather than as a use after free of the model's own memory).
fn drop_entry(queue: &Queue, entry: &Entry) {
    if !entry.is_done() {
        queue.remove(entry);
    }
    entry.free();
}

/// A queue with one entry armed for tick 1, and a driver thread processing tick 1 (its result:
/// the entries it fired). The entry must go through `drop_entry` or be done before it is freed.
fn armed_and_firing() -> (Arc<Queue>, Box<Entry>, thread::JoinHandle<usize>) {
    let queue = Arc::new(Queue::new());
    let entry = Box::new(Entry::new(1));
    // SAFETY: every model frees the entry through `drop_entry`, which removes it unless it is
    // done, after the queue's last access.
    assert!(unsafe { queue.insert(&entry, 1) });
    let driver = {
        let queue = queue.clone();
        thread::spawn(move || queue.process(1))
    };
    (queue, entry, driver)
}

/// The owner drops its armed sleep while the driver fires it.
#[test]
fn drop_racing_the_firing_frees_only_after_the_last_access() {
    loom::model(|| {
        let (queue, entry, driver) = armed_and_firing();
        // Lets loom run the driver first too (it then sees the entry done).
        thread::yield_now();
        drop_entry(&queue, &entry);
        driver.join().unwrap();
        assert_eq!(queue.len(), 0);
    });
}

/// The owner polls (register, re-check) while the driver fires: the task always learns that the
/// timer fired, then drops the sleep.
#[test]
fn poll_racing_the_firing_is_woken() {
    loom::model(|| {
        let (queue, entry, driver) = armed_and_firing();
        loom::future::block_on(poll_fn(|cx| {
            if entry.is_fired() {
                return Poll::Ready(());
            }
            entry.register(cx.waker());
            if entry.is_fired() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }));
        drop_entry(&queue, &entry);
        assert_eq!(driver.join().unwrap(), 1, "the driver fired the entry");
    });
}

/// The owner moves its sleep later (the lock-free path when it wins, the locked one when the
/// firing won) while the driver processes the old tick: it does not fire before the new tick,
/// fires at it, and is freed safely.
#[test]
fn reset_racing_the_firing_never_fires_early() {
    loom::model(|| {
        let (queue, entry, driver) = armed_and_firing();
        // Lets loom run the firing first too (the reset then re-arms under the lock).
        thread::yield_now();
        // SAFETY: as above.
        unsafe { queue.reset(&entry, 3) };
        driver.join().unwrap();
        assert!(!entry.is_fired(), "fired before its new tick");
        assert_eq!(queue.len(), 1);
        assert_eq!(queue.process(2), 0);
        assert_eq!(queue.process(3), 1);
        assert!(entry.is_done());
        drop_entry(&queue, &entry);
    });
}

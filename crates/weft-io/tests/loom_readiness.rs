//! Loom models of the readiness protocol (`ScheduledIo`): an edge-triggered event delivered by
//! the reactor thread while a task is anywhere in its try / clear / register / re-check sequence
//! always ends with the task seeing the data; closing a source wakes every waiter; a waiting
//! future's registration removed while an event is delivered leaves nothing behind and takes no
//! other waiter's wake-up.
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p weft-io --release --test loom_readiness`
#![cfg(loom)]

use std::future::poll_fn;
use std::task::Poll;

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use weft_io::__loom::{Direction, ScheduledIo};

/// The task's optimistic read: snapshot, "syscall" (`data` is the socket's receive buffer, only
/// this task consumes it), and on `WouldBlock` the tick-checked clear.
fn try_read(io: &ScheduledIo, data: &AtomicBool) -> bool {
    let seen = io.snapshot(Direction::Read);
    if data.load(Ordering::Acquire) {
        data.store(false, Ordering::Relaxed);
        return true;
    }
    io.clear_readiness(seen);
    false
}

/// One task reads, the reactor thread delivers one edge. A lost wakeup leaves the task parked for
/// ever, which loom reports as a deadlock. (Checked by mutation: with `clear_readiness` ignoring
/// the tick, loom finds that deadlock.)
#[test]
fn edge_between_failed_read_and_register_is_not_lost() {
    loom::model(|| {
        let io = Arc::new(ScheduledIo::new());
        let data = Arc::new(AtomicBool::new(false));
        let reactor = {
            let (io, data) = (io.clone(), data.clone());
            thread::spawn(move || {
                data.store(true, Ordering::Release); // the peer's write lands
                let mut wake = Vec::new();
                io.set_readiness(true, false, &mut wake); // the one edge the OS reports
                wake.into_iter().for_each(|w| w.wake());
            })
        };
        loom::future::block_on(poll_fn(|cx| loop {
            if try_read(&io, &data) {
                return Poll::Ready(());
            }
            match io.poll_ready(Direction::Read, cx, || Ok(())) {
                Poll::Ready(Ok(_)) => continue,
                Poll::Ready(Err(e)) => panic!("{e}"),
                Poll::Pending => return Poll::Pending,
            }
        }));
        reactor.join().unwrap();
    });
}

#[test]
fn close_wakes_both_directions() {
    loom::model(|| {
        let io = Arc::new(ScheduledIo::new());
        let closer = {
            let io = io.clone();
            thread::spawn(move || {
                let mut wake = Vec::new();
                io.close(&mut wake);
                wake.into_iter().for_each(|w| w.wake());
            })
        };
        let waiter = |dir| {
            let io = io.clone();
            move || {
                let r = loom::future::block_on(poll_fn(|cx| io.poll_ready(dir, cx, || Ok(()))));
                assert!(r.is_err(), "a closed source must report an error");
            }
        };
        let reader = thread::spawn(waiter(Direction::Read));
        waiter(Direction::Write)();
        reader.join().unwrap();
        closer.join().unwrap();
    });
}

/// A waker that counts its wakes (std atomics: read only after the threads joined).
struct CountingWaker(std::sync::atomic::AtomicUsize);

impl std::task::Wake for CountingWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A future's keyed registration removed (the future dropped) while the reactor thread delivers
/// an event: whichever comes first, the list ends empty, the waker is woken at most once, and no
/// clone of it is left anywhere.
#[test]
fn keyed_waiter_removed_while_an_event_is_delivered() {
    loom::model(|| {
        let io = Arc::new(ScheduledIo::new());
        let reactor = {
            let io = io.clone();
            thread::spawn(move || {
                let mut wake = Vec::new();
                io.set_readiness(true, false, &mut wake);
                wake.into_iter().for_each(|w| w.wake());
            })
        };
        let counter = std::sync::Arc::new(CountingWaker(0.into()));
        let waker = std::task::Waker::from(counter.clone());
        let mut cx = std::task::Context::from_waker(&waker);
        let mut key = None;
        let polled = io.poll_ready_keyed(Direction::Read, &mut cx, &mut key, || Ok(()));
        if let Some(key) = key.take() {
            io.remove_waiter(Direction::Read, key); // the future is dropped
        }
        drop(waker);
        reactor.join().unwrap();
        assert_eq!(io.waiter_count(Direction::Read), 0);
        let woken = counter.0.load(std::sync::atomic::Ordering::SeqCst);
        assert!(woken <= 1, "woken {woken} times");
        if polled.is_ready() {
            assert_eq!(woken, 0, "ready at once: it never waited");
        }
        assert_eq!(
            std::sync::Arc::strong_count(&counter),
            1,
            "a waker clone was kept"
        );
    });
}

/// A future's stale key must never take another waiter's entry. A future registered before the
/// first of two edges is cancelled (its key removed) at any point while the reader waits for
/// both: once the first edge moved every waiter out, the reader's next registration may reuse
/// the cancelled entry's index, and removing by index alone would drop the reader's waker and
/// hang it at the second edge (loom reports the deadlock; checked by mutation).
#[test]
fn a_stale_key_does_not_remove_a_newer_waiter() {
    loom::model(|| {
        let io = Arc::new(ScheduledIo::new());
        let queued = Arc::new(AtomicUsize::new(0));
        let waker = noop_waker();
        let mut stale = None;
        let first = io.poll_ready_keyed(
            Direction::Read,
            &mut std::task::Context::from_waker(&waker),
            &mut stale,
            || Ok(()),
        );
        assert!(first.is_pending());
        let stale = stale.expect("a waiting future holds a key");
        let canceller = {
            let io = io.clone();
            thread::spawn(move || io.remove_waiter(Direction::Read, stale))
        };
        let reactor = {
            let (io, queued) = (io.clone(), queued.clone());
            thread::spawn(move || {
                for _ in 0..2 {
                    queued.fetch_add(1, Ordering::Release); // a message lands
                    let mut wake = Vec::new();
                    io.set_readiness(true, false, &mut wake); // its edge
                    wake.into_iter().for_each(|w| w.wake());
                }
            })
        };
        let mut key = None;
        let mut got = 0;
        loom::future::block_on(poll_fn(|cx| loop {
            let seen = io.snapshot(Direction::Read);
            if queued.load(Ordering::Acquire) > 0 {
                queued.fetch_sub(1, Ordering::Relaxed);
                got += 1;
                if got == 2 {
                    return Poll::Ready(());
                }
                continue;
            }
            io.clear_readiness(seen);
            match io.poll_ready_keyed(Direction::Read, cx, &mut key, || Ok(())) {
                Poll::Ready(Ok(_)) => continue,
                Poll::Ready(Err(e)) => panic!("{e}"),
                Poll::Pending => return Poll::Pending,
            }
        }));
        if let Some(key) = key {
            io.remove_waiter(Direction::Read, key);
        }
        reactor.join().unwrap();
        canceller.join().unwrap();
        assert_eq!(io.waiter_count(Direction::Read), 0);
    });
}

/// A waker that does nothing, for a task that is cancelled before anything could wake it.
fn noop_waker() -> std::task::Waker {
    struct Noop;
    impl std::task::Wake for Noop {
        fn wake(self: std::sync::Arc<Self>) {}
    }
    std::task::Waker::from(std::sync::Arc::new(Noop))
}

//! Loom models of the readiness protocol (`ScheduledIo`): an edge-triggered event delivered by
//! the reactor thread while a task is anywhere in its try / clear / register / re-check sequence
//! always ends with the task seeing the data; closing a source wakes every waiter.
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p weft-io --release --test loom_readiness`
#![cfg(loom)]

use std::future::poll_fn;
use std::task::Poll;

use loom::sync::atomic::{AtomicBool, Ordering};
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

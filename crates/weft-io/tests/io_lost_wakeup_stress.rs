//! The lost-wakeup race: readiness that arrives while a task is between its failed read and the
//! registration of its interest must still wake it.
//!
//! Edge-triggered polling reports each new readiness once. If a task's `WouldBlock` cleared the
//! readiness set by an event that arrived *after* the failed syscall, the task would sleep with
//! data waiting, for ever. The readiness tick prevents that. This test plays many rounds of a
//! ping-pong where the peer (a plain thread) writes as soon as it can, so its writes land at every
//! point of the reader's poll; a lost wakeup shows up as a round that never completes (caught by
//! a watchdog, not a hang).
//!
//! Checked by mutation: with `ScheduledIo::clear_readiness` changed to clear the bit without
//! comparing ticks, this test fails (a round stalls) within a few thousand rounds.

use std::future::Future;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;
use std::time::Duration;

use weft_io::io::Async;
use weft_io::{Driver, DriverConfig};
use weft_runtime::Park;

const ROUNDS: u32 = if cfg!(debug_assertions) {
    20_000
} else {
    300_000
};

struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `future` on this thread, sleeping (thread park) while it is pending. The reactor runs on
/// a *different* thread, as on a multi-thread runtime, so its events land at any point of a poll.
fn block_on_thread<F: Future>(future: F) -> F::Output {
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park();
    }
}

fn ping_pong(force_oneshot: bool) {
    let driver =
        Arc::new(Driver::new(DriverConfig::default().force_oneshot(force_oneshot)).unwrap());
    let handle = driver.handle();
    let stop = Arc::new(AtomicBool::new(false));
    let reactor_thread = {
        let (driver, stop) = (driver.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Acquire) {
                driver.park(None);
            }
        })
    };
    let (a, b) = UnixStream::pair().unwrap();
    let (progress_tx, progress_rx) = mpsc::channel::<u32>();
    let peer = std::thread::spawn(move || {
        let mut b = b;
        let mut buf = [0u8; 4];
        for round in 0..ROUNDS {
            b.write_all(&round.to_le_bytes()).unwrap();
            b.read_exact(&mut buf).unwrap();
            assert_eq!(u32::from_le_bytes(buf), round);
        }
    });
    let reader = std::thread::spawn(move || {
        let a = Async::with_handle(a, &handle).unwrap();
        block_on_thread(async move {
            let mut buf = [0u8; 4];
            for round in 0..ROUNDS {
                let mut got = 0;
                while got < 4 {
                    got += a.read_with(|s| (&*s).read(&mut buf[got..])).await.unwrap();
                }
                assert_eq!(u32::from_le_bytes(buf), round);
                a.write_with(|s| (&*s).write(&buf)).await.unwrap();
                if round % 1000 == 0 {
                    let _ = progress_tx.send(round);
                }
            }
        })
    });
    // Watchdog: every 1000 rounds must report within 10 s.
    let mut last = 0;
    let outcome = loop {
        match progress_rx.recv_timeout(Duration::from_secs(10)) {
            Ok(round) => last = round,
            Err(mpsc::RecvTimeoutError::Disconnected) => break Ok(()),
            Err(mpsc::RecvTimeoutError::Timeout) => break Err(last),
        }
    };
    if let Err(last) = outcome {
        panic!("lost wakeup: the reader stalled after round {last} (oneshot: {force_oneshot})");
    }
    reader.join().unwrap();
    peer.join().unwrap();
    stop.store(true, Ordering::Release);
    driver.unpark();
    reactor_thread.join().unwrap();
}

#[test]
fn no_lost_wakeup_edge_triggered() {
    ping_pong(false);
}

#[test]
fn no_lost_wakeup_oneshot() {
    ping_pong(true);
}

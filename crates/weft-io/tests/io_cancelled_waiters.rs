//! A wait that is cancelled leaves nothing behind in the source's waiter list: 1,000,000 reads
//! (and readiness waits) polled once on one socket and dropped keep none of their wakers alive
//! and wake none of them when data finally arrives; several tasks waiting at once are all woken.

mod support;

use std::future::Future;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Wake, Waker};

use support::{each_flavor, spawn};
use weft_io::io::Async;

const CANCELLED: usize = 1_000_000;

/// What the probe wakers saw: how many exist (clones included: a waiter list that keeps one keeps
/// it alive) and how many wakes they got.
#[derive(Default)]
struct Tally {
    live: AtomicUsize,
    woken: AtomicUsize,
}

/// A waker standing for one cancelled task.
struct Probe(Arc<Tally>);

impl Probe {
    fn waker(tally: &Arc<Tally>) -> Waker {
        tally.live.fetch_add(1, SeqCst);
        Waker::from(Arc::new(Probe(tally.clone())))
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        self.0.live.fetch_sub(1, SeqCst);
    }
}

impl Wake for Probe {
    fn wake(self: Arc<Self>) {
        self.0.woken.fetch_add(1, SeqCst);
    }
}

/// Polls `fut` once with a fresh probe waker (a different task each time), expects it to wait,
/// and drops it: a cancelled read.
fn poll_once_and_cancel<F: Future>(fut: F, tally: &Arc<Tally>) {
    let waker = Probe::waker(tally);
    let mut fut = pin!(fut);
    assert!(
        fut.as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending(),
        "nothing was sent: the read must wait"
    );
}

/// A connected pair with one byte on its way to the registered side: once the test has read it,
/// the source has had an event, and after the first `WouldBlock` the reads that follow know the
/// socket is empty and register without a syscall.
fn pair_with_a_byte() -> (Async<UnixStream>, UnixStream) {
    let (a, mut b) = UnixStream::pair().unwrap();
    let a = Async::new(a).unwrap();
    b.write_all(b"x").unwrap();
    (a, b)
}

#[test]
fn a_million_cancelled_reads_leave_nothing_behind() {
    each_flavor(false, || async {
        let (a, mut b) = pair_with_a_byte();
        let mut byte = [0u8; 1];
        let n = a.read_with(|mut s| s.read(&mut byte)).await.unwrap();
        assert_eq!(n, 1);

        let tally = Arc::new(Tally::default());
        for i in 0..CANCELLED {
            let mut buf = [0u8; 16];
            if i % 2 == 0 {
                poll_once_and_cancel(a.read_with(|mut s| s.read(&mut buf)), &tally);
            } else {
                poll_once_and_cancel(a.readable(), &tally);
            }
        }
        assert_eq!(
            tally.live.load(SeqCst),
            0,
            "cancelled reads left wakers in the waiter list"
        );

        // Data arrives: it is read, and no cancelled read is woken for it.
        b.write_all(b"late").unwrap();
        let mut buf = [0u8; 4];
        let n = a.read_with(|mut s| s.read(&mut buf)).await.unwrap();
        assert_eq!(&buf[..n], &b"late"[..n]);
        assert_eq!(tally.woken.load(SeqCst), 0, "a cancelled read was woken");
    });
}

#[test]
fn a_cancelled_write_wait_leaves_nothing_behind() {
    each_flavor(false, || async {
        let (a, _b) = UnixStream::pair().unwrap();
        let a = Async::new(a).unwrap();
        // Fill the send buffer so that writes wait.
        let chunk = [7u8; 64 * 1024];
        loop {
            match a.try_write_with(|mut s| s.write(&chunk)) {
                Ok(_) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
        }
        let tally = Arc::new(Tally::default());
        for _ in 0..10_000 {
            poll_once_and_cancel(a.write_with(|mut s| s.write(&chunk)), &tally);
            poll_once_and_cancel(a.writable(), &tally);
        }
        assert_eq!(tally.live.load(SeqCst), 0);
    });
}

/// Tasks that wait at once on one source are all woken by one event, whether they wait in a
/// future (`readable`) or through a `poll_*` method, and the ones cancelled in between are not.
#[test]
fn every_task_waiting_on_one_source_is_woken() {
    each_flavor(false, || async {
        let (a, mut b) = pair_with_a_byte();
        let a = Arc::new(a);
        let mut byte = [0u8; 1];
        a.read_with(|mut s| s.read(&mut byte)).await.unwrap();

        let woken = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..16)
            .map(|i| {
                let (a, woken) = (a.clone(), woken.clone());
                spawn(async move {
                    if i % 2 == 0 {
                        a.readable().await.unwrap();
                    } else {
                        std::future::poll_fn(|cx| a.poll_readable(cx))
                            .await
                            .unwrap();
                    }
                    woken.fetch_add(1, SeqCst);
                })
            })
            .collect();
        // Cancelled waiters in between the live ones.
        let tally = Arc::new(Tally::default());
        for _ in 0..100 {
            poll_once_and_cancel(a.readable(), &tally);
        }
        // Let the tasks register before the event (one that polls after it finds the source
        // ready: it is not woken, but it does not wait either).
        for _ in 0..4 {
            weft_core::future::yield_now().await;
        }
        b.write_all(b"!").unwrap();
        for task in tasks {
            task.await;
        }
        assert_eq!(woken.load(SeqCst), 16);
        assert_eq!(tally.live.load(SeqCst), 0);
        assert_eq!(tally.woken.load(SeqCst), 0);
    });
}

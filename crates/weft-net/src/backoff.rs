//! The accept path, with its back-off, shared by [`TcpListener`](crate::TcpListener) and
//! [`UnixListener`](crate::UnixListener).
//!
//! # The rule
//!
//! When `accept` fails because the process or the system is out of a resource that a new
//! connection needs (`EMFILE`, `ENFILE`, `ENOMEM`, `ENOBUFS`), the error is returned to the caller
//! (so a server can log it) and the listener starts a [`BACKOFF`] pause: the *next* accept call
//! first sleeps until the pause is over, then tries again. The connection that could not be
//! accepted stays in the kernel's queue, so it is served once a descriptor is free. A server loop
//! that logs and retries therefore tries about 20 times a second instead of spinning at 100% CPU
//! (the listener stays readable, so waiting for readiness alone would return at once).

use std::future::Future;
use std::io;
use std::os::fd::AsFd;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll, Wake, Waker};
use std::time::Duration;

use weft_core::coop;
use weft_core::loom::sync::Mutex;
use weft_io::time::{sleep, Sleep};
use weft_io::Async;

/// How long a listener pauses after running out of descriptors or memory: long enough that an
/// accept loop does not spin on an error that only a closed connection can clear, short enough
/// that accepting resumes soon after one is. The waiting connections stay queued in the kernel.
pub const BACKOFF: Duration = Duration::from_millis(50);

/// Whether `e` means "out of descriptors or memory": the errors that trigger the back-off.
pub(crate) fn is_resource_exhaustion(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOMEM | libc::ENOBUFS)
    )
}

/// A listener's back-off pause, which any number of accepting tasks may wait out at once.
///
/// A [`Sleep`]'s timer entry keeps one waker, but several tasks may accept on one listener, so
/// the pause is never polled with a task's own waker: every waiting task's waker goes into
/// [`WakeAll`], and the `Sleep` is polled with a waker that wakes them all. The task that sees the
/// pause over ends it and wakes the others too, so none depends on the timer's wake reaching it.
#[derive(Debug)]
pub(crate) struct AcceptBackoff {
    /// The pending pause, if any (boxed: a `Sleep` is polled pinned). Lock order: `pause`, then
    /// `WakeAll::waiters`.
    pause: Mutex<Option<Pin<Box<Sleep>>>>,
    waiters: Arc<WakeAll>,
    /// `waiters` as a waker: what the pause's timer entry holds.
    wake_all: Waker,
}

impl Default for AcceptBackoff {
    fn default() -> Self {
        let waiters = Arc::new(WakeAll::default());
        AcceptBackoff {
            pause: Mutex::new(None),
            wake_all: Waker::from(waiters.clone()),
            waiters,
        }
    }
}

/// The tasks waiting for a pause to end (each once, however often it polled).
///
/// A waiter that gives up (its accept future dropped) stays listed until the pause ends, at most
/// [`BACKOFF`] later, and then costs one spurious wake-up: the list is emptied at the end of every
/// pause.
#[derive(Debug, Default)]
struct WakeAll {
    waiters: Mutex<Vec<Waker>>,
}

impl WakeAll {
    fn register(&self, waker: &Waker) {
        let mut waiters = self.waiters.lock();
        if !waiters.iter().any(|w| w.will_wake(waker)) {
            waiters.push(waker.clone());
        }
    }

    fn take(&self) -> Vec<Waker> {
        std::mem::take(&mut *self.waiters.lock())
    }
}

impl Wake for WakeAll {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Taken under the lock, woken after it is released.
        self.take().into_iter().for_each(Waker::wake);
    }
}

impl AcceptBackoff {
    /// Polls `accept` on the listener `io` under the back-off: first waits out a pending pause,
    /// then for readiness; an error from `accept` is returned and may start a new pause.
    pub(crate) fn poll_accept<L: AsFd, R>(
        &self,
        io: &Async<L>,
        cx: &mut Context<'_>,
        accept: impl FnMut(&L) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        ready!(self.poll_wait(cx));
        let accepted = ready!(io.poll_read_with(cx, accept));
        if let Err(e) = &accepted {
            self.on_error(e);
        }
        Poll::Ready(accepted)
    }

    /// Accepts with `accept` on the listener `io` under the back-off, as one future (the body of
    /// the listeners' `accept`): waits out a pending pause, then for a connection; an error from
    /// `accept` is returned and may start a new pause. Unlike [`poll_accept`](Self::poll_accept),
    /// a dropped future leaves no waker in the listener's waiter list (see `Async::read_with`).
    pub(crate) async fn accept<L: AsFd, R>(
        &self,
        io: &Async<L>,
        accept: impl FnMut(&L) -> io::Result<R>,
    ) -> io::Result<R> {
        std::future::poll_fn(|cx| self.poll_wait(cx)).await;
        let accepted = io.read_with(accept).await;
        if let Err(e) = &accepted {
            self.on_error(e);
        }
        accepted
    }

    /// Ready when no pause is pending (or it just ended).
    fn poll_wait(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut pause = self.pause.lock();
        let Some(sleep) = pause.as_mut() else {
            return Poll::Ready(());
        };
        // Listed before the timer is looked at: a timer that fires in between wakes this task.
        self.waiters.register(cx.waker());
        // The `Sleep` holds the all-waiters waker, never one task's. Unconstrained: a spent
        // budget would wake every waiter instead of this task (the accept that follows spends
        // this task's budget).
        let mut all = Context::from_waker(&self.wake_all);
        if coop::unconstrained(|| sleep.as_mut().poll(&mut all)).is_pending() {
            return Poll::Pending;
        }
        *pause = None;
        let others = self.waiters.take();
        drop(pause);
        others
            .into_iter()
            .filter(|w| !w.will_wake(cx.waker()))
            .for_each(Waker::wake);
        Poll::Ready(())
    }

    /// Looks at an accept error; starts a pause if it is a resource exhaustion and none is
    /// pending. (A pending pause is never replaced: its waiters wait on its timer.)
    fn on_error(&self, e: &io::Error) {
        if is_resource_exhaustion(e) {
            let mut pause = self.pause.lock();
            if pause.is_none() {
                *pause = Some(Box::pin(sleep(BACKOFF)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_resource_exhaustion_backs_off() {
        for code in [libc::EMFILE, libc::ENFILE, libc::ENOMEM, libc::ENOBUFS] {
            assert!(is_resource_exhaustion(&io::Error::from_raw_os_error(code)));
        }
        for code in [libc::ECONNABORTED, libc::EINTR, libc::EAGAIN, libc::EINVAL] {
            assert!(!is_resource_exhaustion(&io::Error::from_raw_os_error(code)));
        }
        assert!(!is_resource_exhaustion(&io::Error::other(
            "not an OS error"
        )));
    }

    /// Eight tasks wait out one pause; each is woken when it ends (a `Sleep` polled by each of
    /// them in turn would keep only the last one's waker, and the others would wait for ever).
    #[test]
    fn every_task_waiting_out_a_pause_is_woken_when_it_ends() {
        crate::__private::run(async {
            let backoff = Arc::new(AcceptBackoff::default());
            let began = std::time::Instant::now();
            backoff.on_error(&io::Error::from_raw_os_error(libc::EMFILE));
            let waiting: Vec<_> = (0..8)
                .map(|_| {
                    let backoff = backoff.clone();
                    weft_runtime::spawn(std::future::poll_fn(move |cx| backoff.poll_wait(cx)))
                })
                .collect();
            let all = async {
                for task in waiting {
                    task.await.unwrap();
                }
            };
            weft_io::time::timeout(Duration::from_secs(10), all)
                .await
                .expect("a task waiting out the pause was never woken");
            assert!(began.elapsed() >= BACKOFF, "the pause ended early");
            assert!(backoff.pause.lock().is_none());
            assert!(
                backoff.waiters.take().is_empty(),
                "the pause's end empties its list"
            );
        });
    }

    /// More errors during a pause do not replace it (its waiters wait on its timer).
    #[test]
    fn errors_during_a_pause_keep_it() {
        crate::__private::run(async {
            let backoff = AcceptBackoff::default();
            let emfile = io::Error::from_raw_os_error(libc::EMFILE);
            backoff.on_error(&emfile);
            let deadline = |b: &AcceptBackoff| b.pause.lock().as_ref().map(|s| s.deadline());
            let first = deadline(&backoff).expect("EMFILE starts a pause");
            weft_io::time::sleep(Duration::from_millis(5)).await;
            backoff.on_error(&emfile);
            assert_eq!(deadline(&backoff), Some(first));
            backoff.on_error(&io::Error::from_raw_os_error(libc::ECONNABORTED));
            assert_eq!(deadline(&backoff), Some(first));
        });
    }
}

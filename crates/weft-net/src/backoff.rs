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
use std::task::{ready, Context, Poll};
use std::time::Duration;

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

/// A pending back-off pause, if any.
#[derive(Debug, Default)]
pub(crate) struct AcceptBackoff {
    pause: Mutex<Option<Sleep>>,
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

    /// Ready when no pause is pending (or it just ended).
    fn poll_wait(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut pause = self.pause.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sleep) = pause.as_mut() {
            if Pin::new(sleep).poll(cx).is_pending() {
                return Poll::Pending;
            }
            *pause = None;
        }
        Poll::Ready(())
    }

    /// Looks at an accept error; starts a pause if it is a resource exhaustion.
    fn on_error(&self, e: &io::Error) {
        if is_resource_exhaustion(e) {
            *self.pause.lock().unwrap_or_else(|e| e.into_inner()) = Some(sleep(BACKOFF));
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
}

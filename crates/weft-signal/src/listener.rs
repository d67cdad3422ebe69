//! `Signal`: one listener of one signal, and `signal()` that makes it.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use weft_io::Async;

use crate::kind::SignalKind;
use crate::registry::{registry, Registry, NSIG};

/// Listens to `kind` from now on: every delivery of the signal to the process after this call
/// wakes the returned [`Signal`] (deliveries that come faster than it is polled coalesce into one).
///
/// The first listener of a signal installs weft's handler for it (through signal-hook-registry);
/// until then, and for every signal nobody listens to, the process keeps its own disposition. While
/// no listener of the signal is alive, a signal that ends the process by default still does: a
/// `SIGINT` nobody listens to any more ends the process as if weft had never been there (the crate
/// documentation lists the exceptions).
///
/// # Errors
///
/// `InvalidInput` for a signal that cannot be listened to: `SIGKILL` and `SIGSTOP` (the kernel
/// does not let them be caught), `SIGSEGV`, `SIGILL` and `SIGFPE` (a handler cannot resume the
/// faulting code), and numbers that are not signals. The OS error if the C library reserves the
/// signal (glibc's first two real-time signals) or if a descriptor cannot be had (`EMFILE`).
///
/// # Panics
///
/// Outside a weft runtime: the listener is registered with the current runtime's reactor.
///
/// # Examples
///
/// ```
/// use weft_signal::unix::{signal, SignalKind};
///
/// # weft_signal::__private::run(async {
/// let mut hangups = signal(SignalKind::hangup())?;
/// // SAFETY: kill with our own pid and a valid signal number has no memory effects.
/// unsafe { libc::kill(libc::getpid(), libc::SIGHUP) };
/// hangups.recv().await;
/// println!("reloading the configuration");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
#[track_caller]
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    let signum = kind.as_raw_value();
    check_listenable(kind)?;
    let io = weft_io::Handle::current();
    let registry = registry()?;
    // Counted before the handler is installed: from the moment weft's handler is the signal's
    // disposition, a delivery reaches this listener, never the default action (an observer that
    // sees the handler installed may send the signal at once).
    let (id, seen) = registry.add_listener(signum);
    let doorbell = registry
        .ensure_installed(signum)
        .and_then(|()| registry.doorbell())
        .and_then(|fd| Async::with_handle(fd, &io));
    match doorbell {
        Ok(doorbell) => Ok(Signal {
            kind,
            id,
            seen,
            doorbell,
            registry,
        }),
        Err(e) => {
            registry.remove_listener(signum, id);
            Err(e)
        }
    }
}

/// The signals weft refuses, with the reason.
pub(crate) fn check_listenable(kind: SignalKind) -> io::Result<()> {
    let signum = kind.as_raw_value();
    let reason = if signum <= 0 || signum as usize >= NSIG {
        "it is not a signal number"
    } else if signum == libc::SIGKILL || signum == libc::SIGSTOP {
        "the kernel does not let it be caught"
    } else if signal_hook_registry::FORBIDDEN.contains(&signum) {
        "a handler cannot resume the code that faulted"
    } else {
        return Ok(());
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("cannot listen to {kind}: {reason}"),
    ))
}

/// A listener of one signal, made by [`signal`]: [`recv`](Signal::recv) waits for the next
/// delivery; it is also a [`Stream`] of `()`.
///
/// Each `Signal` sees every delivery that happens while it exists, independently of the other
/// listeners (of this runtime or another one in the same process); deliveries that arrive faster
/// than it is polled coalesce. Dropping the last listener of a signal gives the signal back its
/// previous behaviour (see [`signal`]).
///
/// Each listener holds one descriptor (a duplicate of the registry's doorbell, registered with its
/// runtime's reactor).
///
/// # Examples
///
/// ```
/// use weft_signal::unix::{signal, SignalKind};
/// use futures_util::StreamExt;
///
/// # weft_signal::__private::run(async {
/// let mut usr1 = signal(SignalKind::user_defined1())?;
/// // SAFETY: kill with our own pid and a valid signal number has no memory effects.
/// unsafe { libc::kill(libc::getpid(), libc::SIGUSR1) };
/// assert_eq!(usr1.next().await, Some(()));
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub struct Signal {
    kind: SignalKind,
    /// This listener's key in the registry's waiter list.
    id: u64,
    /// The signal's generation this listener has seen.
    seen: u64,
    doorbell: Async<OwnedFd>,
    registry: &'static Registry,
}

impl Signal {
    /// Waits for the next delivery of the signal. `None` once the runtime this listener was made
    /// in has shut down (no delivery can be seen any more).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a delivery not yet returned stays for the next call.
    #[track_caller]
    pub fn recv(&mut self) -> impl std::future::Future<Output = Option<()>> + '_ {
        weft_core::task::wait_on(
            weft_core::task::Resource::Signal,
            poll_fn(|cx| self.poll_recv(cx)),
        )
    }

    /// Polls for the next delivery (see [`recv`](Signal::recv)).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        self.poll_delivery(cx).map(Result::ok)
    }

    /// The signal this listener listens to.
    pub fn kind(&self) -> SignalKind {
        self.kind
    }

    /// [`poll_recv`](Signal::poll_recv) with the reactor's error instead of `None`.
    pub(crate) fn poll_delivery(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let signum = self.kind.as_raw_value();
        loop {
            // Drain the doorbell first (whoever drains it broadcasts for every listener); this
            // also reports a runtime that shut down before any delivery is returned.
            let drained = self.doorbell.poll_read_with(cx, |fd| {
                let mut buf = [0u8; 64];
                // SAFETY: `fd` is the live doorbell descriptor; `buf` is valid for 64 bytes.
                let n = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
                if n < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(n)
                }
            });
            match drained {
                Poll::Ready(Ok(_)) => {
                    self.registry.broadcast();
                    continue;
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {}
            }
            // The doorbell is empty and armed; a broadcast by any listener wakes this one too.
            return match self
                .registry
                .generation_or_wait(signum, self.id, self.seen, cx.waker())
            {
                Some(generation) => {
                    self.seen = generation;
                    Poll::Ready(Ok(()))
                }
                None => Poll::Pending,
            };
        }
    }
}

impl Stream for Signal {
    type Item = ();

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<()>> {
        self.get_mut().poll_recv(cx)
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        self.registry
            .remove_listener(self.kind.as_raw_value(), self.id);
    }
}

impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal")
            .field("kind", &self.kind)
            .field("seen", &self.seen)
            .finish_non_exhaustive()
    }
}

//! How a child's exit reaches its waiting task: a pidfd registered with the reactor (Linux 5.3+),
//! or the `SIGCHLD` listener of weft-signal everywhere else.

use std::io;
use std::os::fd::OwnedFd;
use std::process::{Child as StdChild, ExitStatus};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::task::{Context, Poll};

use weft_io::Async;
use weft_signal::unix::{signal, Signal, SignalKind};

/// Set by tests (through `__private`) to exercise the `SIGCHLD` fallback on a kernel with pidfd.
static FORCE_SIGCHLD: AtomicBool = AtomicBool::new(false);

/// Whether `pidfd_open` works here: not yet known, yes, or no (`ENOSYS`, or refused by a sandbox).
static PIDFD: AtomicU8 = AtomicU8::new(UNKNOWN);
const UNKNOWN: u8 = 0;
const WORKS: u8 = 1;
const MISSING: u8 = 2;

/// Makes every child spawned from now on wait through `SIGCHLD` (`true`) or pidfd where available
/// (`false`, the default).
pub(crate) fn force_sigchld(force: bool) {
    FORCE_SIGCHLD.store(force, Ordering::Relaxed);
}

/// What a child's waiter waits on.
///
/// One waiter per watch: `Child::wait`, `kill` and `try_wait` take `&mut self`, so one task at a
/// time polls a child's watch; several children waited at once each have their own (pidfd: a
/// source with its own waiter lists; SIGCHLD: a listener of its own, woken on every exit, see
/// the suite's 500 children at once on both paths).
#[derive(Debug)]
pub(crate) enum ExitWatch {
    /// A pidfd: readable once the child has exited.
    Pidfd(Async<OwnedFd>),
    /// A listener of `SIGCHLD`: every child exit wakes it, then `try_wait` tells whether it was
    /// this child's.
    Sigchld(Signal),
}

impl ExitWatch {
    /// Starts watching `pid`, which must be an unreaped child of this process (so its number
    /// cannot be reused in between).
    ///
    /// # Errors
    /// The OS error from `pidfd_open` or `dup` (`EMFILE`), or from registering with the reactor.
    pub(crate) fn new(pid: u32, io: &weft_io::Handle) -> io::Result<ExitWatch> {
        if !FORCE_SIGCHLD.load(Ordering::Relaxed) && PIDFD.load(Ordering::Relaxed) != MISSING {
            match pidfd_open(pid) {
                Ok(fd) => {
                    PIDFD.store(WORKS, Ordering::Relaxed);
                    return Ok(ExitWatch::Pidfd(Async::with_handle(fd, io)?));
                }
                Err(e) if is_unsupported(&e) => PIDFD.store(MISSING, Ordering::Relaxed),
                Err(e) => return Err(e),
            }
        }
        Ok(ExitWatch::Sigchld(signal(SignalKind::child())?))
    }

    /// Polls until `child` has exited and is reaped.
    ///
    /// # Errors
    /// The error of `waitpid`, or a [`ShutdownError`](weft_core::ShutdownError) if its
    /// runtime shut down.
    pub(crate) fn poll_exit(
        &mut self,
        cx: &mut Context<'_>,
        child: &mut StdChild,
    ) -> Poll<io::Result<ExitStatus>> {
        match self {
            // Readable means exited: `try_wait` then reaps. Until then it says `WouldBlock`,
            // which clears the readiness and waits for the pidfd's event.
            ExitWatch::Pidfd(pidfd) => pidfd.poll_read_with(cx, |_| {
                child
                    .try_wait()?
                    .ok_or_else(|| io::ErrorKind::WouldBlock.into())
            }),
            ExitWatch::Sigchld(sigchld) => {
                loop {
                    // The listener exists since before this check, so an exit after it wakes us.
                    if let Some(status) = child.try_wait()? {
                        return Poll::Ready(Ok(status));
                    }
                    match sigchld.poll_recv(cx) {
                        Poll::Ready(Some(())) => continue,
                        Poll::Ready(None) => {
                            return Poll::Ready(Err(weft_core::ShutdownError::new(
                                "waiting for a child process",
                            )
                            .into()))
                        }
                        Poll::Pending => return Poll::Pending,
                    }
                }
            }
        }
    }
}

/// Whether `pidfd_open`'s error means "not available here" rather than a passing failure.
fn is_unsupported(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::ENOSYS) | Some(libc::EPERM))
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn pidfd_open(pid: u32) -> io::Result<OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1; it touches no
    // memory of ours.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a descriptor the kernel just opened for us (pidfds are close-on-exec).
    Ok(unsafe { OwnedFd::from_raw_fd(fd as libc::c_int) })
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn pidfd_open(_pid: u32) -> io::Result<OwnedFd> {
    Err(io::Error::from_raw_os_error(libc::ENOSYS))
}

//! The parent's ends of a child's piped stdin, stdout and stderr, registered with the reactor.

use std::fmt;
use std::io::{self, IoSlice, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::process::Stdio;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};
use weft_io::Async;

/// Registers a std pipe end with `io`'s reactor (this puts it in non-blocking mode: the flag is on
/// our end's open file description only, never on the child's end).
pub(crate) fn register<T: AsFd>(pipe: T, io: &weft_io::Handle) -> io::Result<Async<T>> {
    Async::with_handle(pipe, io)
}

/// Gives a pipe end back as a blocking descriptor, for a child to inherit: a program reading a
/// non-blocking stdin would see `EAGAIN`, which most treat as an error.
fn into_blocking_fd<T: AsFd + Into<OwnedFd>>(pipe: Async<T>) -> io::Result<OwnedFd> {
    let fd: OwnedFd = pipe.into_inner()?.into();
    let raw = fd.as_raw_fd();
    // SAFETY: `raw` is the live descriptor `fd` owns; F_GETFL only reads its status flags.
    let flags = unsafe { libc::fcntl(raw, libc::F_GETFL) };
    // SAFETY: as above; F_SETFL changes only the status flags.
    if flags < 0 || unsafe { libc::fcntl(raw, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(fd)
}

/// The writing end of a child's stdin ([`Child::stdin`](crate::Child::stdin)): an `AsyncWrite`.
///
/// `close()` (futures-util's `AsyncWriteExt::close`) closes the pipe, so the child reads end of
/// input; dropping it does the same. A write after the child closed its end of the pipe (it exited,
/// or closed its stdin) fails with `ErrorKind::BrokenPipe`: Rust programs ignore `SIGPIPE`, so the
/// error is a value, not a crash.
///
/// Converts into a [`Stdio`] with `Stdio::try_from` to give the pipe to another child.
pub struct ChildStdin {
    /// `None` once closed.
    inner: Option<Async<std::process::ChildStdin>>,
}

/// The reading end of a child's stdout ([`Child::stdout`](crate::Child::stdout)): an `AsyncRead`.
/// Reads return 0 (end of stream) once the child and every process it passed the pipe to have
/// closed it.
///
/// Converts into a [`Stdio`] with `Stdio::try_from`, to pipe one child into another.
pub struct ChildStdout {
    inner: Async<std::process::ChildStdout>,
}

/// The reading end of a child's stderr ([`Child::stderr`](crate::Child::stderr)): an `AsyncRead`.
///
/// Converts into a [`Stdio`] with `Stdio::try_from`.
pub struct ChildStderr {
    inner: Async<std::process::ChildStderr>,
}

impl ChildStdin {
    pub(crate) fn new(inner: Async<std::process::ChildStdin>) -> ChildStdin {
        ChildStdin { inner: Some(inner) }
    }

    fn open_mut(&mut self) -> io::Result<&mut Async<std::process::ChildStdin>> {
        self.inner.as_mut().ok_or_else(closed)
    }

    /// Deregisters the pipe and returns it as a blocking descriptor.
    ///
    /// # Errors
    /// If it was closed, or the OS refuses to change its flags.
    pub fn into_owned_fd(mut self) -> io::Result<OwnedFd> {
        into_blocking_fd(self.inner.take().ok_or_else(closed)?)
    }
}

fn closed() -> io::Error {
    io::Error::new(
        io::ErrorKind::BrokenPipe,
        "the child's stdin was closed by this process",
    )
}

impl ChildStdout {
    pub(crate) fn new(inner: Async<std::process::ChildStdout>) -> ChildStdout {
        ChildStdout { inner }
    }

    /// Deregisters the pipe and returns it as a blocking descriptor.
    ///
    /// # Errors
    /// If the OS refuses to change its flags.
    pub fn into_owned_fd(self) -> io::Result<OwnedFd> {
        into_blocking_fd(self.inner)
    }
}

impl ChildStderr {
    pub(crate) fn new(inner: Async<std::process::ChildStderr>) -> ChildStderr {
        ChildStderr { inner }
    }

    /// Deregisters the pipe and returns it as a blocking descriptor.
    ///
    /// # Errors
    /// If the OS refuses to change its flags.
    pub fn into_owned_fd(self) -> io::Result<OwnedFd> {
        into_blocking_fd(self.inner)
    }
}

impl AsyncWrite for ChildStdin {
    #[track_caller]
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut().open_mut() {
            Ok(pipe) => Pin::new(pipe).poll_write(cx, buf),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    #[track_caller]
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut().open_mut() {
            Ok(pipe) => Pin::new(pipe).poll_write_vectored(cx, bufs),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // A pipe has no user-space buffer: every write went to the kernel.
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Dropping our end closes the pipe: the child reads end of input.
        self.get_mut().inner = None;
        Poll::Ready(Ok(()))
    }
}

macro_rules! async_read_for {
    ($ty:ty) => {
        impl AsyncRead for $ty {
            #[track_caller]
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
            }

            #[track_caller]
            fn poll_read_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &mut [IoSliceMut<'_>],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut self.get_mut().inner).poll_read_vectored(cx, bufs)
            }
        }

        impl AsFd for $ty {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.inner.as_fd()
            }
        }

        impl AsRawFd for $ty {
            fn as_raw_fd(&self) -> RawFd {
                self.inner.as_raw_fd()
            }
        }

        impl TryFrom<$ty> for Stdio {
            type Error = io::Error;

            /// Gives the pipe to another child (as its stdin, say), in blocking mode.
            fn try_from(pipe: $ty) -> io::Result<Stdio> {
                pipe.into_owned_fd().map(Stdio::from)
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("fd", &self.inner.as_raw_fd())
                    .finish()
            }
        }
    };
}

async_read_for!(ChildStdout);
async_read_for!(ChildStderr);

impl TryFrom<ChildStdin> for Stdio {
    type Error = io::Error;

    /// Gives the pipe to another child (as its stdout, say), in blocking mode.
    fn try_from(pipe: ChildStdin) -> io::Result<Stdio> {
        pipe.into_owned_fd().map(Stdio::from)
    }
}

impl fmt::Debug for ChildStdin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildStdin")
            .field("fd", &self.inner.as_ref().map(|pipe| pipe.as_raw_fd()))
            .finish()
    }
}

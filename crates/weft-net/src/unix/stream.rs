//! `UnixStream`: a Unix domain stream connection on the reactor.

use std::fmt;
use std::io::{self, IoSliceMut};
use std::mem::MaybeUninit;
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;
use std::task::{Context, Poll};

use socket2::{Domain, SockAddr, Type};

use crate::sys::nonblocking_socket;
use weft_io::Async;

use crate::connect::{finish_connect, start_connect};
use crate::halves;
use crate::unix::split;

/// A Unix domain stream connection.
///
/// Made by [`connect`](UnixStream::connect), [`pair`](UnixStream::pair) or
/// [`UnixListener::accept`](crate::UnixListener::accept). Like [`TcpStream`](crate::TcpStream) it
/// implements `AsyncRead` and `AsyncWrite` (also for `&UnixStream`), closing shuts down the write
/// half, and it splits into borrowed or owned halves.
///
/// # Examples
///
/// ```
/// # weft_net::__private::run(async {
/// use weft_net::UnixStream;
/// use weft_io::io::{AsyncReadExt, AsyncWriteExt};
///
/// let (mut a, mut b) = UnixStream::pair()?;
/// a.write_all(b"over").await?;
/// a.close().await?;
/// let mut got = String::new();
/// b.read_to_string(&mut got).await?;
/// assert_eq!(got, "over");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub struct UnixStream {
    pub(crate) io: Async<net::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket bound at `path`.
    ///
    /// The connect is non-blocking: if the listener's queue is full the task waits for the socket
    /// to become writable, then reads `SO_ERROR`.
    ///
    /// # Errors
    /// `NotFound` (no such path), `ConnectionRefused` (nobody listens there), `WouldBlock` if the
    /// listener's queue is full on systems that refuse instead of queueing, or another OS error.
    ///
    /// # Panics
    /// Outside a weft runtime.
    ///
    /// # Cancel safety
    /// Cancel safe: dropping the future closes the socket.
    #[track_caller]
    pub fn connect(
        path: impl AsRef<Path>,
    ) -> impl std::future::Future<Output = io::Result<UnixStream>> {
        weft_core::task::wait_on(weft_core::task::Resource::Connect, async move {
            let addr = SockAddr::unix(path)?;
            let socket = nonblocking_socket(Domain::UNIX, Type::STREAM, None)?;
            let pending = start_connect(&socket, &addr)?;
            let stream = UnixStream::from_std(socket.into())?;
            if pending {
                finish_connect(&stream.io).await?;
            }
            Ok(stream)
        })
    }

    /// A pair of connected, unnamed sockets.
    ///
    /// # Errors
    /// The OS error from `socketpair(2)` or the poller.
    ///
    /// # Panics
    /// Outside a weft runtime.
    #[track_caller]
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = net::UnixStream::pair()?;
        Ok((UnixStream::from_std(a)?, UnixStream::from_std(b)?))
    }

    /// Wraps a std stream, registering it with the current reactor (non-blocking mode).
    ///
    /// # Errors
    /// The OS error from `fcntl` or from the poller.
    ///
    /// # Panics
    /// Outside a weft runtime.
    #[track_caller]
    pub fn from_std(stream: net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: Async::new(stream)?,
        })
    }

    /// Deregisters the stream and returns it as a std stream (still non-blocking).
    ///
    /// # Errors
    /// The poller's error from deregistering.
    pub fn into_std(self) -> io::Result<net::UnixStream> {
        self.io.into_inner()
    }

    /// The local address.
    ///
    /// # Errors
    /// The OS error from `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The peer's address.
    ///
    /// # Errors
    /// The OS error from `getpeername`.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Shuts down the read half, the write half or both.
    ///
    /// # Errors
    /// The OS error from `shutdown(2)`.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Takes the pending socket error (`SO_ERROR`), if any.
    ///
    /// # Errors
    /// The OS error from `getsockopt`.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    /// Reads into `buf` without consuming the data, waiting for data if there is none. Returns 0
    /// at end of stream.
    ///
    /// # Errors
    /// The OS error from `recv(MSG_PEEK)`.
    ///
    /// # Cancel safety
    /// Cancel safe: peeking consumes nothing.
    #[track_caller]
    pub fn peek<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        self.io.read_with(move |s| peek(s.as_fd(), buf))
    }

    /// Polls a read into memory that may be uninitialised (see
    /// [`TcpStream::poll_read_uninit`](crate::TcpStream::poll_read_uninit)): on `Ready(Ok(n))`
    /// the first `n` bytes of `buf` hold the data read and are initialised; the rest is untouched.
    ///
    /// # Errors
    /// The OS error from `read`, or a [`ShutdownError`](weft_core::ShutdownError) if the
    /// runtime shut down.
    pub fn poll_read_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        let len = buf.len();
        self.io.poll_read_drained_with(cx, |s| {
            crate::sys::read_uninit(s.as_fd(), buf).map(|n| (n, n > 0 && n < len))
        })
    }

    crate::readiness::readiness_methods!();

    crate::stream_io::waiting_io_methods!("```\n# weft_net::__private::run(async {\nuse weft_net::UnixStream;\n\nlet (a, b) = UnixStream::pair()?;\n\na.write_all(b\"ping\").await?;\nlet mut buf = [0; 4];\nb.read_exact(&mut buf).await?;\nassert_eq!(&buf, b\"ping\");\nb.write(b\"pong\").await?;\nlet n = a.read(&mut buf).await?;\nassert!(n >= 1 && b\"pong\".starts_with(&buf[..n]));\n# Ok::<(), std::io::Error>(())\n# }).unwrap();\n```");

    /// Splits the stream into owned halves that can move to different tasks: the same as
    /// [`into_split`](Self::into_split). Costs one allocation (the halves share an `Arc`), and no
    /// lock. Dropping the write half shuts down the write direction;
    /// [`OwnedReadHalf::reunite`](crate::halves::OwnedReadHalf::reunite) gives the stream back.
    ///
    /// `split` takes the stream by value on purpose, unlike tokio's: an inherent by-value method
    /// is picked before the by-value `split` of `AsyncReadExt` (futures-util's, whose halves
    /// share the stream through a lock), so `stream.split()` on an owned stream gives these
    /// halves whatever traits are in scope. Ported tokio code `let (rd, wr) = stream.split();`
    /// compiles unchanged; where the stream is used again after the halves are gone ("use of
    /// moved value"), borrow it with [`split_mut`](Self::split_mut) instead.
    pub fn split(self) -> (split::OwnedReadHalf, split::OwnedWriteHalf) {
        halves::into_split(self)
    }

    /// Splits the stream into a read half and a write half that borrow it, so one task can read
    /// while the same task writes (for example in `weft::join!`), and the stream is usable again
    /// once the halves are dropped. Costs nothing. (tokio's `split`.)
    pub fn split_mut(&mut self) -> (split::ReadHalf<'_>, split::WriteHalf<'_>) {
        halves::split(self)
    }

    /// Splits the stream into owned halves that can move to different tasks (tokio's name for
    /// [`split`](Self::split)). Costs one
    /// allocation (the halves share an `Arc`). Dropping the write half shuts down the write
    /// direction; [`OwnedReadHalf::reunite`](crate::halves::OwnedReadHalf::reunite) gives the stream
    /// back.
    pub fn into_split(self) -> (split::OwnedReadHalf, split::OwnedWriteHalf) {
        halves::into_split(self)
    }
}

/// `recv(fd, buf, MSG_PEEK)`.
fn peek(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `fd` is a live descriptor for the duration of the borrow, and `buf` is a valid,
    // writable region of `buf.len()` bytes that `recv` writes at most `buf.len()` bytes into.
    let n = unsafe {
        libc::recv(
            fd.as_raw_fd(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            libc::MSG_PEEK,
        )
    };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

impl UnixStream {
    /// The read behind the futures-io impls (a short read marks the socket drained).
    pub(crate) fn poll_read_stream(
        &self,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        futures_io::AsyncRead::poll_read_vectored(std::pin::Pin::new(&mut &self.io), cx, bufs)
    }
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .field("fd", &self.as_raw_fd())
            .finish()
    }
}

crate::fd::impl_fd!(UnixStream);

crate::stream_io::impl_stream_io!(UnixStream);

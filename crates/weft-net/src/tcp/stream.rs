//! `TcpStream`: a TCP connection on the reactor.

use std::fmt;
use std::io::{self, IoSliceMut};
use std::mem::MaybeUninit;
use std::net::{self, Shutdown, SocketAddr};
use std::os::fd::AsRawFd;
use std::task::{Context, Poll};
use std::time::Duration;

use socket2::{SockRef, Socket};

use crate::sys::ReadHint;
use crate::tcp::TcpSocket;
use weft_io::Async;

use crate::addr::{try_each, ToSocketAddrs};
use crate::connect::{finish_connect, start_connect};
use crate::halves;
use crate::tcp::split;

/// A TCP connection.
///
/// Made by [`connect`](TcpStream::connect) or [`TcpListener::accept`](crate::TcpListener::accept).
/// It implements the futures-io traits [`AsyncRead`](futures_io::AsyncRead) and
/// [`AsyncWrite`](futures_io::AsyncWrite) (so `weft::io`'s
/// `AsyncReadExt`/`AsyncWriteExt` helpers work), for `TcpStream` and for `&TcpStream`: one task can
/// read while another writes through a shared reference, or through the halves of
/// [`split`](TcpStream::split) / [`into_split`](TcpStream::into_split). Closing it with
/// `AsyncWriteExt::close` (`poll_close`) shuts down the write half: the peer reads end of stream
/// while this side can still read. Dropping it closes the socket.
///
/// Socket options are set through std and [socket2](https://docs.rs/socket2).
///
/// # Examples
///
/// ```
/// # weft_net::__private::run(async {
/// use weft_net::{TcpListener, TcpStream};
/// use weft_io::io::{AsyncReadExt, AsyncWriteExt};
///
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let mut client = TcpStream::connect(listener.local_addr()?).await?;
/// let (mut server, _) = listener.accept().await?;
/// client.set_nodelay(true)?;
/// client.write_all(b"ping").await?;
/// client.close().await?; // shutdown(Write): the server sees end of stream
/// let mut got = Vec::new();
/// server.read_to_end(&mut got).await?;
/// assert_eq!(got, b"ping");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub struct TcpStream {
    pub(crate) io: Async<net::TcpStream>,
    /// Whether reads ask the kernel how much is left (Linux; see `sys`).
    hint: ReadHint,
}

impl TcpStream {
    /// Opens a connection to `addr`, trying each address it resolves to in turn.
    ///
    /// Each attempt is a non-blocking `connect(2)`: the task waits until the socket is writable,
    /// then reads `SO_ERROR` to learn whether the connection was made. Host names are resolved on
    /// the blocking pool (see [`ToSocketAddrs`]). There is no built-in time limit (the OS gives up
    /// after its own SYN retries); wrap the call in `weft::time::timeout` for one.
    ///
    /// # Errors
    /// The last address's error: `ConnectionRefused` (nothing listens), `NetworkUnreachable`,
    /// `HostUnreachable`, `TimedOut`, ..., or the resolver's error.
    ///
    /// # Panics
    /// Outside a weft runtime.
    ///
    /// # Cancel safety
    /// Cancel safe: dropping the future closes the half-open socket.
    #[track_caller]
    pub fn connect(
        addr: impl ToSocketAddrs,
    ) -> impl std::future::Future<Output = io::Result<TcpStream>> {
        weft_core::task::wait_on(weft_core::task::Resource::Connect, async move {
            try_each(addr, Self::connect_addr).await
        })
    }

    async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
        TcpSocket::for_addr(addr)?.connect(addr).await
    }

    /// Connects a fresh non-blocking `socket` to `addr` (the body of [`TcpSocket::connect`]).
    pub(crate) async fn connect_socket(socket: Socket, addr: SocketAddr) -> io::Result<TcpStream> {
        // Connected at once or still connecting, the stream is checked the same way below.
        start_connect(&socket, &addr.into())?;
        let stream = TcpStream::from_std(socket.into())?;
        finish_connect(&stream.io).await?;
        // Writable with no error pending means connected; ENOTCONN here would mean the OS
        // reported the socket writable while it still connects, which it does not.
        stream.io.get_ref().peer_addr()?;
        Ok(stream)
    }

    /// Wraps a connection made with std (or socket2), registering it with the current reactor and
    /// putting it in non-blocking mode. On Linux it also turns on `TCP_INQ`, so reads that fill
    /// their buffer can learn whether they emptied the socket (every stream weft makes, connected
    /// or accepted, comes through here).
    ///
    /// # Errors
    /// The OS error from `fcntl` or from the poller.
    ///
    /// # Panics
    /// Outside a weft runtime.
    #[track_caller]
    pub fn from_std(stream: net::TcpStream) -> io::Result<TcpStream> {
        crate::sys::enable_read_hint(&stream);
        Ok(TcpStream {
            io: Async::new(stream)?,
            hint: ReadHint::default(),
        })
    }

    /// Deregisters the stream and returns it as a std stream (still in non-blocking mode).
    ///
    /// # Errors
    /// The poller's error from deregistering.
    pub fn into_std(self) -> io::Result<net::TcpStream> {
        self.io.into_inner()
    }

    /// The address of the peer.
    ///
    /// # Errors
    /// The OS error from `getpeername` (`NotConnected` once the connection is gone).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The local address of this end.
    ///
    /// # Errors
    /// The OS error from `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Shuts down the read half, the write half or both (`shutdown(2)`). After
    /// `Shutdown::Write` the peer reads end of stream; this side can go on reading.
    ///
    /// # Errors
    /// The OS error (`NotConnected` if the connection is already gone).
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Sets `TCP_NODELAY`: `true` disables Nagle's algorithm, sending small writes at once.
    ///
    /// # Errors
    /// The OS error from `setsockopt`.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Reads `TCP_NODELAY`.
    ///
    /// # Errors
    /// The OS error from `getsockopt`.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Sets `SO_LINGER`. `Some(Duration::ZERO)` makes closing the socket send a reset (RST)
    /// instead of a normal close; `None` restores the default.
    ///
    /// Note that a non-zero linger makes `close` block in the kernel on some systems; weft closes
    /// sockets on whichever thread drops them.
    ///
    /// # Errors
    /// The OS error from `setsockopt`.
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        SockRef::from(self.io.get_ref()).set_linger(linger)
    }

    /// Reads `SO_LINGER`.
    ///
    /// # Errors
    /// The OS error from `getsockopt`.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        SockRef::from(self.io.get_ref()).linger()
    }

    /// Sets `IP_TTL`.
    ///
    /// # Errors
    /// The OS error from `setsockopt`.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// Reads `IP_TTL`.
    ///
    /// # Errors
    /// The OS error from `getsockopt`.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Sets `SO_KEEPALIVE`. For the probe timing use socket2's
    /// [`Socket::set_tcp_keepalive`](socket2::Socket::set_tcp_keepalive) through
    /// `socket2::SockRef::from(&stream)`.
    ///
    /// # Errors
    /// The OS error from `setsockopt`.
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        SockRef::from(self.io.get_ref()).set_keepalive(keepalive)
    }

    /// Reads `SO_KEEPALIVE`.
    ///
    /// # Errors
    /// The OS error from `getsockopt`.
    pub fn keepalive(&self) -> io::Result<bool> {
        SockRef::from(self.io.get_ref()).keepalive()
    }

    /// Takes the pending socket error (`SO_ERROR`), if any.
    ///
    /// # Errors
    /// The OS error from `getsockopt`.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    /// Reads into `buf` without removing the data from the socket's queue, waiting for data if
    /// there is none. Returns 0 at end of stream.
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
        self.io.read_with(move |s| s.peek(buf))
    }

    /// Polls a read into memory that may be uninitialised, for buffers that are never zeroed
    /// (hyper's read buffer, a `Vec`'s spare capacity). On `Ready(Ok(n))` the first `n` bytes of
    /// `buf` hold the data read (`n <= buf.len()`; 0 means end of stream, or an empty `buf`) and
    /// are initialised; the rest of `buf` is untouched. It reads as the `AsyncRead` impl does
    /// (after reads that filled their buffer, a `recvmsg` that also learns whether the socket is
    /// now empty: Linux `TCP_INQ`).
    ///
    /// # Errors
    /// The OS error from the read, or a [`ShutdownError`](weft_core::ShutdownError) if the
    /// runtime shut down.
    ///
    /// # Examples
    ///
    /// ```
    /// # weft_net::__private::run(async {
    /// use std::future::poll_fn;
    /// use std::mem::MaybeUninit;
    /// use weft_io::io::AsyncWriteExt;
    /// use weft_net::{TcpListener, TcpStream};
    ///
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let mut client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// client.write_all(b"hello").await?;
    ///
    /// let mut buf = Vec::<u8>::with_capacity(64);
    /// let n = poll_fn(|cx| server.poll_read_uninit(cx, buf.spare_capacity_mut())).await?;
    /// // SAFETY: `poll_read_uninit` initialised the first `n` bytes of the spare capacity.
    /// unsafe { buf.set_len(n) };
    /// assert_eq!(buf, b"hello");
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn poll_read_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_read_drained_with(cx, |s| self.hint.recv_uninit(s, buf))
    }

    crate::readiness::readiness_methods!();

    crate::stream_io::waiting_io_methods!("```\n# weft_net::__private::run(async {\nuse weft_net::{TcpListener, TcpStream};\n\nlet listener = TcpListener::bind(\"127.0.0.1:0\").await?;\nlet a = TcpStream::connect(listener.local_addr()?).await?;\nlet (b, _) = listener.accept().await?;\n\na.write_all(b\"ping\").await?;\nlet mut buf = [0; 4];\nb.read_exact(&mut buf).await?;\nassert_eq!(&buf, b\"ping\");\nb.write(b\"pong\").await?;\nlet n = a.read(&mut buf).await?;\nassert!(n >= 1 && b\"pong\".starts_with(&buf[..n]));\n# Ok::<(), std::io::Error>(())\n# }).unwrap();\n```");

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

impl TcpStream {
    /// The read behind the futures-io impls: on Linux, once reads fill their buffer, one
    /// `recvmsg` that also learns whether the socket is now empty, so a read that exactly fills
    /// `bufs` and empties it spares the next read's `WouldBlock` syscall; reads that come back
    /// short use plain `recv` (see `sys`).
    pub(crate) fn poll_read_stream(
        &self,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_read_drained_with(cx, |s| self.hint.recv(s, bufs))
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .field("fd", &self.as_raw_fd())
            .finish()
    }
}

crate::fd::impl_fd!(TcpStream);

impl TryFrom<net::TcpStream> for TcpStream {
    type Error = io::Error;

    /// Same as [`TcpStream::from_std`].
    fn try_from(stream: net::TcpStream) -> io::Result<TcpStream> {
        TcpStream::from_std(stream)
    }
}

crate::stream_io::impl_stream_io!(TcpStream);

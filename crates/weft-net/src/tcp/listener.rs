//! `TcpListener`: a TCP server socket on the reactor.

use std::fmt;
use std::io;
use std::net::{self, SocketAddr};
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_core::Stream;

use crate::sys::accept_tcp;
use weft_io::Async;

use crate::addr::{try_each, ToSocketAddrs};
use crate::backoff::AcceptBackoff;
use crate::tcp::{TcpSocket, TcpStream};

/// The length of the queue of connections waiting to be accepted, as passed to `listen(2)`: long
/// enough that a burst of connects is queued rather than refused while the accept loop catches up
/// (the kernel lowers it to its own limit, `net.core.somaxconn` on Linux).
pub const BACKLOG: i32 = 1024;

/// A TCP socket that listens for connections.
///
/// [`bind`](TcpListener::bind) creates the socket with `SO_REUSEADDR` set (a restarted server can
/// bind its port again while old connections sit in `TIME_WAIT`) and a backlog of [`BACKLOG`].
/// [`accept`](TcpListener::accept) waits for the next connection; [`incoming`](TcpListener::incoming)
/// gives them as a [`Stream`].
///
/// # Running out of descriptors
///
/// When accepting fails with `EMFILE`, `ENFILE`, `ENOMEM` or `ENOBUFS`, `accept` returns that error
/// and the listener pauses: the next `accept` first sleeps [`BACKOFF`](crate::BACKOFF) (50 ms), then
/// tries again. The waiting connection stays queued in the kernel and is accepted once a
/// descriptor is free, and a server that logs the error and loops uses almost no CPU meanwhile.
///
/// # Examples
///
/// ```
/// # weft_net::__private::run(async {
/// use weft_net::{TcpListener, TcpStream};
/// use weft_io::io::{AsyncReadExt, AsyncWriteExt};
///
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let addr = listener.local_addr()?;
/// let client = weft_runtime::spawn(async move {
///     let mut stream = TcpStream::connect(addr).await?;
///     stream.write_all(b"hi").await?;
///     std::io::Result::Ok(())
/// });
/// let (mut conn, peer) = listener.accept().await?;
/// let mut buf = [0; 2];
/// conn.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"hi");
/// assert!(peer.ip().is_loopback());
/// client.await.unwrap()?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub struct TcpListener {
    io: Async<net::TcpListener>,
    backoff: AcceptBackoff,
}

impl TcpListener {
    /// Binds a listener to `addr`, trying each address it resolves to until one works.
    ///
    /// Host names are resolved on the blocking pool (see [`ToSocketAddrs`]). Port 0 asks the OS
    /// for a free port; read it back with [`local_addr`](TcpListener::local_addr).
    ///
    /// # Errors
    /// The last address's error if none could be bound (`AddrInUse`, `PermissionDenied`, ...), or
    /// the resolver's error.
    ///
    /// # Panics
    /// Outside a weft runtime.
    ///
    /// # Cancel safety
    /// Cancel safe: a dropped call leaves no socket behind.
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        try_each(addr, |a| std::future::ready(Self::bind_addr(a))).await
    }

    fn bind_addr(addr: SocketAddr) -> io::Result<TcpListener> {
        let socket = TcpSocket::for_addr(addr)?;
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        socket.listen(BACKLOG as u32)
    }

    /// Wraps a listener made with std (or socket2), registering it with the current reactor and
    /// putting it in non-blocking mode.
    ///
    /// # Errors
    /// The OS error from `fcntl` or from the poller.
    ///
    /// # Panics
    /// Outside a weft runtime.
    #[track_caller]
    pub fn from_std(listener: net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener {
            io: Async::new(listener)?,
            backoff: AcceptBackoff::default(),
        })
    }

    /// Deregisters the listener and returns it as a std listener (still in non-blocking mode).
    ///
    /// # Errors
    /// The poller's error from deregistering.
    pub fn into_std(self) -> io::Result<net::TcpListener> {
        self.io.into_inner()
    }

    /// Waits for a connection and returns it with the peer's address.
    ///
    /// # Errors
    /// The OS error from `accept` (`EMFILE` and friends start the back-off described on
    /// [`TcpListener`]; `ECONNABORTED` means a queued connection was reset before it was accepted).
    /// An error never closes the listener: call `accept` again.
    ///
    /// Several tasks may wait in `accept` on one listener (shared by reference or in an `Arc`):
    /// each readiness event wakes them all and each connection goes to one of them.
    ///
    /// # Cancel safety
    /// Cancel safe: a connection is taken from the kernel's queue only when the call completes,
    /// so dropping the future loses none.
    #[track_caller]
    pub fn accept(
        &self,
    ) -> impl std::future::Future<Output = io::Result<(TcpStream, SocketAddr)>> + '_ {
        weft_core::task::wait_on(weft_core::task::Resource::Accept, async move {
            let (stream, addr) = self.backoff.accept(&self.io, accept_tcp).await?;
            TcpStream::from_std(stream).map(|s| (s, addr))
        })
    }

    /// Polls for a connection (the poll form of [`accept`](TcpListener::accept)).
    ///
    /// Several tasks may poll at once; each is woken by the listener's next readiness event. A
    /// task that stops polling stays registered until that event (once, however often it polled);
    /// the future of `accept` removes its registration when dropped.
    ///
    /// # Errors
    /// As for [`accept`](TcpListener::accept).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let (stream, addr) = ready!(self.backoff.poll_accept(&self.io, cx, accept_tcp))?;
        Poll::Ready(TcpStream::from_std(stream).map(|s| (s, addr)))
    }

    /// The connections as a [`Stream`] of `io::Result<TcpStream>` that never ends; errors are
    /// items (the back-off still applies), so a server loop can log them and continue.
    ///
    /// # Examples
    ///
    /// ```
    /// # weft_net::__private::run(async {
    /// use futures_util::StreamExt;
    /// use weft_net::{TcpListener, TcpStream};
    ///
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let addr = listener.local_addr()?;
    /// let _client = TcpStream::connect(addr).await?;
    /// let mut incoming = listener.incoming();
    /// let conn = incoming.next().await.expect("never ends")?;
    /// assert_eq!(conn.peer_addr()?, _client.local_addr()?);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn incoming(&self) -> Incoming<'_> {
        Incoming { listener: self }
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    /// The OS error from `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Sets `IP_TTL`, the time-to-live of packets sent from this socket.
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

    /// Takes the pending socket error (`SO_ERROR`), if any.
    ///
    /// # Errors
    /// The OS error from `getsockopt`.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("local_addr", &self.local_addr().ok())
            .field("fd", &self.as_raw_fd())
            .finish()
    }
}

crate::fd::impl_fd!(TcpListener);

impl TryFrom<net::TcpListener> for TcpListener {
    type Error = io::Error;

    /// Same as [`TcpListener::from_std`].
    fn try_from(listener: net::TcpListener) -> io::Result<TcpListener> {
        TcpListener::from_std(listener)
    }
}

/// The connections of a [`TcpListener`], as a [`Stream`]; see [`TcpListener::incoming`].
#[must_use = "streams do nothing unless polled"]
pub struct Incoming<'a> {
    listener: &'a TcpListener,
}

impl Stream for Incoming<'_> {
    type Item = io::Result<TcpStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let accepted = ready!(self.listener.poll_accept(cx));
        Poll::Ready(Some(accepted.map(|(stream, _)| stream)))
    }
}

impl fmt::Debug for Incoming<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Incoming")
            .field("listener", self.listener)
            .finish()
    }
}

//! `TcpSocket`: a TCP socket configured before it connects or listens.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, IntoRawFd, RawFd};
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};

use crate::sys::nonblocking_socket;
use crate::tcp::{TcpListener, TcpStream};

/// A TCP socket that has not yet connected or listened: set its options, [`bind`] it, then turn
/// it into a [`TcpStream`] with [`connect`] or a [`TcpListener`] with [`listen`].
///
/// This is the way to bind before connecting (a client with a fixed source address or port), to
/// listen with `SO_REUSEPORT` (several listeners sharing a port), to choose the backlog, or to set
/// buffer sizes before the handshake (the window scale is fixed then).
/// [`TcpListener::bind`] and [`TcpStream::connect`] are the short forms for the common cases.
///
/// The socket is created non-blocking and close-on-exec; creating one and setting options needs no
/// runtime, only [`connect`] and [`listen`] do (they register with the current reactor).
///
/// [`bind`]: TcpSocket::bind
/// [`connect`]: TcpSocket::connect
/// [`listen`]: TcpSocket::listen
///
/// # Examples
///
/// A listener with a chosen backlog, and a client bound to a source address before it connects:
///
/// ```
/// # weft_net::__private::run(async {
/// use weft_net::TcpSocket;
///
/// let server = TcpSocket::new_v4()?;
/// server.set_reuseaddr(true)?;
/// server.bind("127.0.0.1:0".parse().unwrap())?;
/// let listener = server.listen(128)?;
///
/// let client = TcpSocket::new_v4()?;
/// client.set_nodelay(true)?;
/// client.bind("127.0.0.1:0".parse().unwrap())?;
/// let source = client.local_addr()?;
/// let stream = client.connect(listener.local_addr()?).await?;
/// let (_conn, peer) = listener.accept().await?;
/// assert_eq!(peer, source);
/// assert!(stream.nodelay()?);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub struct TcpSocket {
    inner: Socket,
}

impl TcpSocket {
    /// A new IPv4 TCP socket.
    ///
    /// # Errors
    /// The OS error from `socket(2)` (`EMFILE` when out of descriptors, ...).
    pub fn new_v4() -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::IPV4)
    }

    /// A new IPv6 TCP socket.
    ///
    /// # Errors
    /// The OS error from `socket(2)` (`EAFNOSUPPORT` where IPv6 is disabled, ...).
    pub fn new_v6() -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::IPV6)
    }

    fn new(domain: Domain) -> io::Result<TcpSocket> {
        let inner = nonblocking_socket(domain, Type::STREAM, Some(Protocol::TCP))?;
        Ok(TcpSocket { inner })
    }

    /// A socket of the family of `addr`.
    pub(crate) fn for_addr(addr: SocketAddr) -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::for_address(addr))
    }

    /// Sets `SO_REUSEADDR`: lets a restarted server bind its port while old connections sit in
    /// `TIME_WAIT`. ([`TcpListener::bind`] sets it; a new `TcpSocket` does not.)
    ///
    /// # Errors
    /// The OS error from `setsockopt`.
    pub fn set_reuseaddr(&self, reuseaddr: bool) -> io::Result<()> {
        self.inner.set_reuse_address(reuseaddr)
    }

    /// Reads `SO_REUSEADDR`.
    ///
    /// # Errors
    /// The OS error from `getsockopt`.
    pub fn reuseaddr(&self) -> io::Result<bool> {
        self.inner.reuse_address()
    }

    /// Sets `SO_REUSEPORT`: several sockets (of the same user) may bind the same address and
    /// port, and the kernel spreads incoming connections among their listeners.
    ///
    /// # Errors
    /// The OS error from `setsockopt`.
    pub fn set_reuseport(&self, reuseport: bool) -> io::Result<()> {
        self.inner.set_reuse_port(reuseport)
    }

    /// Reads `SO_REUSEPORT`.
    ///
    /// # Errors
    /// The OS error from `getsockopt`.
    pub fn reuseport(&self) -> io::Result<bool> {
        self.inner.reuse_port()
    }

    /// Sets `TCP_NODELAY` (kept by the stream [`connect`](TcpSocket::connect) returns): `true`
    /// disables Nagle's algorithm.
    ///
    /// # Errors
    /// The OS error from `setsockopt`.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.set_tcp_nodelay(nodelay)
    }

    /// Reads `TCP_NODELAY`.
    ///
    /// # Errors
    /// The OS error from `getsockopt`.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.tcp_nodelay()
    }

    /// Sets `SO_SNDBUF`, the size of the kernel's send buffer. Linux doubles the value (for its
    /// bookkeeping) and clamps it to `net.core.wmem_max`; read back the result with
    /// [`send_buffer_size`](TcpSocket::send_buffer_size).
    ///
    /// # Errors
    /// The OS error from `setsockopt`.
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_send_buffer_size(size as usize)
    }

    /// Reads `SO_SNDBUF`.
    ///
    /// # Errors
    /// The OS error from `getsockopt`.
    pub fn send_buffer_size(&self) -> io::Result<u32> {
        self.inner.send_buffer_size().map(saturate)
    }

    /// Sets `SO_RCVBUF`, the size of the kernel's receive buffer (set it before
    /// [`connect`](TcpSocket::connect) or [`listen`](TcpSocket::listen): the TCP window scale is
    /// agreed during the handshake). The same doubling and clamping as for
    /// [`set_send_buffer_size`](TcpSocket::set_send_buffer_size) apply.
    ///
    /// # Errors
    /// The OS error from `setsockopt`.
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_recv_buffer_size(size as usize)
    }

    /// Reads `SO_RCVBUF`.
    ///
    /// # Errors
    /// The OS error from `getsockopt`.
    pub fn recv_buffer_size(&self) -> io::Result<u32> {
        self.inner.recv_buffer_size().map(saturate)
    }

    /// Sets `SO_KEEPALIVE`.
    ///
    /// # Errors
    /// The OS error from `setsockopt`.
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        self.inner.set_keepalive(keepalive)
    }

    /// Reads `SO_KEEPALIVE`.
    ///
    /// # Errors
    /// The OS error from `getsockopt`.
    pub fn keepalive(&self) -> io::Result<bool> {
        self.inner.keepalive()
    }

    /// Sets `SO_LINGER` (see [`TcpStream::set_linger`]).
    ///
    /// # Errors
    /// The OS error from `setsockopt`.
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        self.inner.set_linger(linger)
    }

    /// Reads `SO_LINGER`.
    ///
    /// # Errors
    /// The OS error from `getsockopt`.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        self.inner.linger()
    }

    /// Binds the socket to `addr` (port 0: the OS picks a free port; read it back with
    /// [`local_addr`](TcpSocket::local_addr)).
    ///
    /// # Errors
    /// The OS error from `bind(2)`: `AddrInUse`, `AddrNotAvailable` (not a local address),
    /// `PermissionDenied` (a port below 1024), `InvalidInput` (an address of the other family).
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        self.inner.bind(&addr.into())
    }

    /// The address the socket is bound to.
    ///
    /// # Errors
    /// The OS error from `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner
            .local_addr()?
            .as_socket()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not an IP socket address"))
    }

    /// Takes the pending socket error (`SO_ERROR`), if any.
    ///
    /// # Errors
    /// The OS error from `getsockopt`.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
    }

    /// Connects to `addr` and returns the stream, with the options set on this socket.
    ///
    /// # Errors
    /// As for [`TcpStream::connect`]: `ConnectionRefused`, `NetworkUnreachable`, `TimedOut`, ...;
    /// `InvalidInput` or `AddrNotAvailable` if `addr` is of the other family than the socket.
    ///
    /// # Panics
    /// Outside a weft runtime.
    ///
    /// # Cancel safety
    /// Cancel safe: dropping the future closes the half-open socket.
    #[track_caller]
    pub fn connect(
        self,
        addr: SocketAddr,
    ) -> impl std::future::Future<Output = io::Result<TcpStream>> {
        weft_core::task::wait_on(weft_core::task::Resource::Connect, async move {
            TcpStream::connect_socket(self.inner, addr).await
        })
    }

    /// Listens for connections, with a queue of `backlog` waiting connections (the kernel caps
    /// it at `net.core.somaxconn`), and returns the listener.
    ///
    /// # Errors
    /// The OS error from `listen(2)` (`AddrInUse` if another socket listens on the address this
    /// one was bound to without `SO_REUSEPORT` on both), or from registering with the reactor.
    ///
    /// # Panics
    /// Outside a weft runtime.
    #[track_caller]
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        self.inner.listen(backlog.min(i32::MAX as u32) as i32)?;
        TcpListener::from_std(self.inner.into())
    }
}

/// A kernel buffer size as `u32` (they are ints in the kernel, so this never saturates there).
fn saturate(size: usize) -> u32 {
    u32::try_from(size).unwrap_or(u32::MAX)
}

impl fmt::Debug for TcpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpSocket")
            .field("local_addr", &self.local_addr().ok())
            .field("fd", &self.inner.as_raw_fd())
            .finish()
    }
}

impl AsFd for TcpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl AsRawFd for TcpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl IntoRawFd for TcpSocket {
    fn into_raw_fd(self) -> RawFd {
        self.inner.into_raw_fd()
    }
}

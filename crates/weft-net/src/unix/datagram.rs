//! `UnixDatagram`: Unix domain datagrams on the reactor.

use std::fmt;
use std::io;
use std::net::Shutdown;
use std::os::fd::AsRawFd;
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;

use weft_io::Async;

/// A Unix domain datagram socket.
///
/// Datagrams keep their boundaries and, on a local machine, are never lost or reordered; a send
/// waits while the receiver's queue is full.
///
/// # Examples
///
/// ```
/// # weft_net::__private::run(async {
/// use weft_net::UnixDatagram;
///
/// let (a, b) = UnixDatagram::pair()?;
/// a.send(b"one").await?;
/// a.send(b"two").await?;
/// let mut buf = [0; 16];
/// let n = b.recv(&mut buf).await?;
/// assert_eq!(&buf[..n], b"one");
/// let n = b.recv(&mut buf).await?;
/// assert_eq!(&buf[..n], b"two");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub struct UnixDatagram {
    io: Async<net::UnixDatagram>,
}

impl UnixDatagram {
    /// A socket bound to `path`.
    ///
    /// # Errors
    /// `AddrInUse` if the path exists, or another OS error.
    ///
    /// # Panics
    /// Outside a weft runtime.
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(net::UnixDatagram::bind(path)?)
    }

    /// A socket bound to no address (it can send, and receive replies only once connected).
    ///
    /// # Errors
    /// The OS error from `socket(2)`.
    ///
    /// # Panics
    /// Outside a weft runtime.
    #[track_caller]
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(net::UnixDatagram::unbound()?)
    }

    /// A pair of connected, unnamed sockets.
    ///
    /// # Errors
    /// The OS error from `socketpair(2)`.
    ///
    /// # Panics
    /// Outside a weft runtime.
    #[track_caller]
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = net::UnixDatagram::pair()?;
        Ok((UnixDatagram::from_std(a)?, UnixDatagram::from_std(b)?))
    }

    /// Wraps a std socket, registering it with the current reactor (non-blocking mode).
    ///
    /// # Errors
    /// The OS error from `fcntl` or from the poller.
    ///
    /// # Panics
    /// Outside a weft runtime.
    #[track_caller]
    pub fn from_std(socket: net::UnixDatagram) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram {
            io: Async::new(socket)?,
        })
    }

    /// Deregisters the socket and returns it as a std socket (still non-blocking).
    ///
    /// # Errors
    /// The poller's error from deregistering.
    pub fn into_std(self) -> io::Result<net::UnixDatagram> {
        self.io.into_inner()
    }

    /// Connects the socket to `path`: `send` and `recv` then talk to that peer only.
    ///
    /// # Errors
    /// The OS error from `connect(2)`.
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.io.get_ref().connect(path)
    }

    /// Sends one datagram to the connected peer.
    ///
    /// # Errors
    /// `NotConnected` without a peer, or another OS error.
    ///
    /// # Cancel safety
    /// Cancel safe: the datagram was either sent whole or not at all.
    #[track_caller]
    pub fn send<'a>(
        &'a self,
        buf: &'a [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        self.io.write_with(move |s| s.send(buf))
    }

    /// Receives one datagram from the connected peer.
    ///
    /// # Errors
    /// The OS error from `recv(2)`.
    ///
    /// # Cancel safety
    /// Cancel safe: no datagram is taken unless the call completes.
    #[track_caller]
    pub fn recv<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        self.io.read_with(move |s| s.recv(buf))
    }

    /// Sends one datagram to the socket bound at `path`.
    ///
    /// # Errors
    /// The OS error from `sendto(2)` (`NotFound`, `ConnectionRefused`, ...).
    ///
    /// # Cancel safety
    /// Cancel safe: the datagram was either sent whole or not at all.
    #[track_caller]
    pub fn send_to<'a>(
        &'a self,
        buf: &'a [u8],
        path: impl AsRef<Path> + 'a,
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        self.io.write_with(move |s| s.send_to(buf, path.as_ref()))
    }

    /// Receives one datagram and its sender's address.
    ///
    /// # Errors
    /// The OS error from `recvfrom(2)`.
    ///
    /// # Cancel safety
    /// Cancel safe: no datagram is taken unless the call completes.
    #[track_caller]
    pub fn recv_from<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<(usize, SocketAddr)>> + 'a {
        self.io.read_with(move |s| s.recv_from(buf))
    }

    /// Sends to the connected peer without waiting.
    ///
    /// # Errors
    /// `WouldBlock` or the OS error.
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_write_with(|s| s.send(buf))
    }

    /// Receives without waiting.
    ///
    /// # Errors
    /// `WouldBlock` or the OS error.
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_read_with(|s| s.recv(buf))
    }

    /// Waits until a datagram is queued.
    ///
    /// # Errors
    /// A [`ShutdownError`](weft_core::ShutdownError) if the runtime shut down while waiting.
    ///
    /// # Cancel safety
    /// Cancel safe.
    #[track_caller]
    pub fn readable(&self) -> impl std::future::Future<Output = io::Result<()>> + '_ {
        self.io.readable()
    }

    /// Waits until the socket can send.
    ///
    /// # Errors
    /// A [`ShutdownError`](weft_core::ShutdownError) if the runtime shut down while waiting.
    ///
    /// # Cancel safety
    /// Cancel safe.
    #[track_caller]
    pub fn writable(&self) -> impl std::future::Future<Output = io::Result<()>> + '_ {
        self.io.writable()
    }

    /// The local address.
    ///
    /// # Errors
    /// The OS error from `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address.
    ///
    /// # Errors
    /// `NotConnected` if not connected.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Shuts down reading, writing or both.
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
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixDatagram")
            .field("local_addr", &self.local_addr().ok())
            .field("fd", &self.as_raw_fd())
            .finish()
    }
}

crate::fd::impl_fd!(UnixDatagram);

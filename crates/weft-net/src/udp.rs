//! `UdpSocket`: datagrams over UDP on the reactor.

use std::fmt;
use std::io;
use std::net::{self, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::AsRawFd;
use std::task::{Context, Poll};

use weft_io::Async;

use crate::addr::{first, try_each, ToSocketAddrs};

/// A UDP socket.
///
/// Unconnected, it sends to any address with [`send_to`](UdpSocket::send_to) and receives from
/// any with [`recv_from`](UdpSocket::recv_from). After [`connect`](UdpSocket::connect) it talks
/// to one peer with [`send`](UdpSocket::send) and [`recv`](UdpSocket::recv) (datagrams from other
/// addresses are dropped by the OS). All methods take `&self`, so an `Arc<UdpSocket>` can be shared
/// by a receiving task and a sending task. A datagram larger than the buffer given to a receive is
/// truncated (the rest is lost), as with `recv(2)`.
///
/// # Examples
///
/// ```
/// # weft_net::__private::run(async {
/// use weft_net::UdpSocket;
///
/// let server = UdpSocket::bind("127.0.0.1:0").await?;
/// let client = UdpSocket::bind("127.0.0.1:0").await?;
/// client.connect(server.local_addr()?).await?;
/// client.send(b"hello").await?;
/// let mut buf = [0; 64];
/// let (n, peer) = server.recv_from(&mut buf).await?;
/// server.send_to(&buf[..n], peer).await?;
/// let n = client.recv(&mut buf).await?;
/// assert_eq!(&buf[..n], b"hello");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub struct UdpSocket {
    io: Async<net::UdpSocket>,
}

impl UdpSocket {
    /// Binds a socket to `addr`, trying each address it resolves to until one works. Port 0 asks
    /// the OS for a free port.
    ///
    /// # Errors
    /// The last address's error (`AddrInUse`, ...) or the resolver's error.
    ///
    /// # Panics
    /// Outside a weft runtime.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        try_each(addr, |a| {
            std::future::ready(net::UdpSocket::bind(a).and_then(UdpSocket::from_std))
        })
        .await
    }

    /// Wraps a socket made with std (or socket2), registering it with the current reactor and
    /// putting it in non-blocking mode.
    ///
    /// # Errors
    /// The OS error from `fcntl` or from the poller.
    ///
    /// # Panics
    /// Outside a weft runtime.
    #[track_caller]
    pub fn from_std(socket: net::UdpSocket) -> io::Result<UdpSocket> {
        Ok(UdpSocket {
            io: Async::new(socket)?,
        })
    }

    /// Deregisters the socket and returns it as a std socket (still in non-blocking mode).
    ///
    /// # Errors
    /// The poller's error from deregistering.
    pub fn into_std(self) -> io::Result<net::UdpSocket> {
        self.io.into_inner()
    }

    /// Connects the socket to `addr` (the first of its addresses that works): `send` and `recv`
    /// then talk to that peer only. No packet is sent.
    ///
    /// # Errors
    /// The OS error from `connect(2)` or the resolver's error.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        let socket = self.io.get_ref();
        try_each(addr, |a| std::future::ready(socket.connect(a))).await
    }

    /// Sends `buf` as one datagram to the connected peer; returns the bytes sent.
    ///
    /// # Errors
    /// `NotConnected` without [`connect`](UdpSocket::connect); `ConnectionRefused` if an earlier
    /// datagram was answered by an ICMP "port unreachable"; other OS errors.
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

    /// Receives one datagram from the connected peer into `buf`; returns its length.
    ///
    /// # Errors
    /// `ConnectionRefused` after an ICMP "port unreachable"; other OS errors.
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

    /// Sends `buf` as one datagram to `target` (its first address).
    ///
    /// # Errors
    /// The OS error from `sendto(2)` or the resolver's error.
    ///
    /// # Cancel safety
    /// Cancel safe: the datagram was either sent whole or not at all.
    #[track_caller]
    pub fn send_to<'a>(
        &'a self,
        buf: &'a [u8],
        target: impl ToSocketAddrs + 'a,
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        weft_core::task::wait_on(weft_core::task::Resource::Write, async move {
            let target = first(target).await?;
            self.io.write_with(|s| s.send_to(buf, target)).await
        })
    }

    /// Receives one datagram into `buf`; returns its length and sender.
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

    /// Like [`recv_from`](UdpSocket::recv_from), but leaves the datagram queued.
    ///
    /// # Errors
    /// The OS error from `recvfrom(2)`.
    ///
    /// # Cancel safety
    /// Cancel safe.
    #[track_caller]
    pub fn peek_from<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<(usize, SocketAddr)>> + 'a {
        self.io.read_with(move |s| s.peek_from(buf))
    }

    /// Like [`recv`](UdpSocket::recv), but leaves the datagram queued.
    ///
    /// # Errors
    /// The OS error from `recv(2)`.
    ///
    /// # Cancel safety
    /// Cancel safe.
    #[track_caller]
    pub fn peek<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        self.io.read_with(move |s| s.peek(buf))
    }

    /// Polls to receive one datagram (the poll form of [`recv_from`](UdpSocket::recv_from)).
    ///
    /// # Errors
    /// The OS error from `recvfrom(2)`.
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.io.poll_read_with(cx, |s| s.recv_from(buf))
    }

    /// Polls to send one datagram (the poll form of [`send_to`](UdpSocket::send_to), with a
    /// resolved address).
    ///
    /// # Errors
    /// The OS error from `sendto(2)`.
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write_with(cx, |s| s.send_to(buf, target))
    }

    /// Sends to the connected peer without waiting; `WouldBlock` if the socket's buffer is full.
    ///
    /// # Errors
    /// `WouldBlock` or the OS error.
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_write_with(|s| s.send(buf))
    }

    /// Sends to `target` without waiting; `WouldBlock` if the socket's buffer is full.
    ///
    /// # Errors
    /// `WouldBlock` or the OS error.
    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.io.try_write_with(|s| s.send_to(buf, target))
    }

    /// Receives from the connected peer without waiting; `WouldBlock` if nothing is queued.
    ///
    /// # Errors
    /// `WouldBlock` or the OS error.
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_read_with(|s| s.recv(buf))
    }

    /// Receives without waiting; `WouldBlock` if nothing is queued.
    ///
    /// # Errors
    /// `WouldBlock` or the OS error.
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_read_with(|s| s.recv_from(buf))
    }

    /// Waits until a datagram (or an error) is queued.
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

    /// Polls for read readiness.
    ///
    /// # Errors
    /// A [`ShutdownError`](weft_core::ShutdownError) if the runtime shut down.
    pub fn poll_recv_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_readable(cx)
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

    /// Sets `SO_BROADCAST` (needed to send to a broadcast address).
    ///
    /// # Errors
    /// The OS error from `setsockopt`.
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_broadcast(on)
    }

    /// Reads `SO_BROADCAST`.
    ///
    /// # Errors
    /// The OS error from `getsockopt`.
    pub fn broadcast(&self) -> io::Result<bool> {
        self.io.get_ref().broadcast()
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

    /// Joins the IPv4 multicast group `multiaddr` on the interface with address `interface`
    /// (`Ipv4Addr::UNSPECIFIED`: the OS picks one).
    ///
    /// # Errors
    /// The OS error from `setsockopt(IP_ADD_MEMBERSHIP)`.
    pub fn join_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().join_multicast_v4(&multiaddr, &interface)
    }

    /// Leaves an IPv4 multicast group joined with
    /// [`join_multicast_v4`](UdpSocket::join_multicast_v4).
    ///
    /// # Errors
    /// The OS error from `setsockopt(IP_DROP_MEMBERSHIP)`.
    pub fn leave_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v4(&multiaddr, &interface)
    }

    /// Joins the IPv6 multicast group `multiaddr` on interface index `interface` (0: any).
    ///
    /// # Errors
    /// The OS error from `setsockopt(IPV6_ADD_MEMBERSHIP)`.
    pub fn join_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().join_multicast_v6(multiaddr, interface)
    }

    /// Leaves an IPv6 multicast group.
    ///
    /// # Errors
    /// The OS error from `setsockopt(IPV6_DROP_MEMBERSHIP)`.
    pub fn leave_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v6(multiaddr, interface)
    }

    /// Sets `IP_MULTICAST_LOOP`: whether multicast datagrams sent from this socket are looped
    /// back to local listeners.
    ///
    /// # Errors
    /// The OS error from `setsockopt`.
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v4(on)
    }

    /// Reads `IP_MULTICAST_LOOP`.
    ///
    /// # Errors
    /// The OS error from `getsockopt`.
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v4()
    }

    /// Sets `IP_MULTICAST_TTL`.
    ///
    /// # Errors
    /// The OS error from `setsockopt`.
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_multicast_ttl_v4(ttl)
    }

    /// Reads `IP_MULTICAST_TTL`.
    ///
    /// # Errors
    /// The OS error from `getsockopt`.
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        self.io.get_ref().multicast_ttl_v4()
    }

    /// Sets `IPV6_MULTICAST_LOOP`.
    ///
    /// # Errors
    /// The OS error from `setsockopt`.
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v6(on)
    }

    /// Reads `IPV6_MULTICAST_LOOP`.
    ///
    /// # Errors
    /// The OS error from `getsockopt`.
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v6()
    }

    /// Takes the pending socket error (`SO_ERROR`), if any.
    ///
    /// # Errors
    /// The OS error from `getsockopt`.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("local_addr", &self.local_addr().ok())
            .field("fd", &self.as_raw_fd())
            .finish()
    }
}

crate::fd::impl_fd!(UdpSocket);

impl TryFrom<net::UdpSocket> for UdpSocket {
    type Error = io::Error;

    /// Same as [`UdpSocket::from_std`].
    fn try_from(socket: net::UdpSocket) -> io::Result<UdpSocket> {
        UdpSocket::from_std(socket)
    }
}

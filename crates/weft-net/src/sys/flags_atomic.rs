//! Sockets made non-blocking and close-on-exec atomically (`SOCK_NONBLOCK`, `accept4`).

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};

use socket2::{Domain, Protocol, SockRef, Socket, Type};

/// A new non-blocking, close-on-exec socket.
pub(crate) fn nonblocking_socket(
    domain: Domain,
    ty: Type,
    protocol: Option<Protocol>,
) -> io::Result<Socket> {
    Socket::new(domain, ty.nonblocking(), protocol)
}

/// Accepts one connection; the stream is already non-blocking.
pub(crate) fn accept_tcp(listener: &TcpListener) -> io::Result<(TcpStream, SocketAddr)> {
    let (socket, addr) =
        SockRef::from(listener).accept4(libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC)?;
    let addr = addr
        .as_socket()
        .ok_or_else(|| io::Error::other("accept returned a non-IP address on a TCP listener"))?;
    Ok((socket.into(), addr))
}

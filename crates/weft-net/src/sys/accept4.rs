//! TCP accept with `accept4(SOCK_NONBLOCK | SOCK_CLOEXEC)`.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};

use socket2::SockRef;

/// Accepts one connection; the stream is already non-blocking.
pub(crate) fn accept_tcp(listener: &TcpListener) -> io::Result<(TcpStream, SocketAddr)> {
    let (socket, addr) =
        SockRef::from(listener).accept4(libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC)?;
    let addr = addr
        .as_socket()
        .ok_or_else(|| io::Error::other("accept returned a non-IP address on a TCP listener"))?;
    Ok((socket.into(), addr))
}

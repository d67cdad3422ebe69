//! Sockets made non-blocking with `fcntl` (platforms without `SOCK_NONBLOCK`/`accept4`).

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};

use socket2::{Domain, Protocol, Socket, Type};

/// A new socket (close-on-exec, as socket2 makes them), then made non-blocking.
pub(crate) fn nonblocking_socket(
    domain: Domain,
    ty: Type,
    protocol: Option<Protocol>,
) -> io::Result<Socket> {
    let socket = Socket::new(domain, ty, protocol)?;
    socket.set_nonblocking(true)?;
    Ok(socket)
}

/// Accepts one connection (`Async::new` makes it non-blocking).
pub(crate) fn accept_tcp(listener: &TcpListener) -> io::Result<(TcpStream, SocketAddr)> {
    listener.accept()
}

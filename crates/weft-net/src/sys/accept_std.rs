//! TCP accept through std (platforms without `accept4`).

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};

/// Accepts one connection (blocking mode is changed by `Async::new`).
pub(crate) fn accept_tcp(listener: &TcpListener) -> io::Result<(TcpStream, SocketAddr)> {
    listener.accept()
}

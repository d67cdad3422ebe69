//! The non-blocking `connect(2)` of the stream types ([`TcpStream`](crate::TcpStream), also
//! behind [`TcpSocket::connect`](crate::tcp::TcpSocket::connect), and
//! [`UnixStream`](crate::UnixStream)): start it, then wait for writability and read the outcome
//! from `SO_ERROR`.

use std::io;
use std::os::fd::AsFd;

use socket2::{SockAddr, SockRef, Socket};
use weft_io::Async;

/// Starts a non-blocking `connect(2)`; `Ok(true)` if the connection goes on in the background
/// (`EINPROGRESS`, or the call was interrupted: POSIX lets the connection go on then too).
pub(crate) fn start_connect(socket: &Socket, addr: &SockAddr) -> io::Result<bool> {
    match socket.connect(addr) {
        Ok(()) => Ok(false),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(true),
        Err(e) => Err(e),
    }
}

/// Waits for a connect started by [`start_connect`] to finish: until the socket is writable, then
/// returns the error it left in `SO_ERROR`, if any.
pub(crate) async fn finish_connect<T: AsFd>(io: &Async<T>) -> io::Result<()> {
    io.writable().await?;
    match SockRef::from(io.get_ref()).take_error()? {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

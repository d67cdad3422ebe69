//! Unix domain sockets: [`UnixListener`] and [`UnixStream`] (byte streams), [`UnixDatagram`]
//! (datagrams); [`split`] holds the halves of a split stream.
//!
//! Addresses are std's [`std::os::unix::net::SocketAddr`]; paths are bound in the file system
//! (remove the file to reuse the path: binding an existing path fails with `AddrInUse`).

mod datagram;
mod listener;
pub mod split;
mod stream;

pub use datagram::UnixDatagram;
pub use listener::{Incoming, UnixListener};
pub use stream::UnixStream;

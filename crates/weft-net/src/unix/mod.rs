//! Unix domain sockets: [`UnixListener`] and [`UnixStream`] (byte streams), [`UnixDatagram`]
//! (datagrams); [`split`] holds the halves of a split stream.
//!
//! Addresses are std's [`std::os::unix::net::SocketAddr`]; paths are bound in the file system
//! (remove the file to reuse the path: binding an existing path fails with `AddrInUse`).

mod datagram;
mod listener;
mod stream;

pub use datagram::UnixDatagram;
pub use listener::{Incoming, UnixListener};
pub use stream::UnixStream;

/// The halves of a split [`UnixStream`]: borrowed ([`UnixStream::split`]) and owned
/// ([`UnixStream::into_split`]).
///
/// # Examples
///
/// ```
/// # weft_net::__private::run(async {
/// use weft_net::UnixStream;
/// use weft_io::io::{AsyncReadExt, AsyncWriteExt};
///
/// let (mut a, b) = UnixStream::pair()?;
/// let (mut rd, mut wr) = b.into_split();
/// a.write_all(b"abc").await?;
/// let mut buf = [0; 3];
/// rd.read_exact(&mut buf).await?;
/// wr.write_all(&buf).await?;
/// let (ra, wa) = a.split();
/// # let _ = wa;
/// let mut back = [0; 3];
/// { let mut ra = ra; ra.read_exact(&mut back).await?; }
/// assert_eq!(&back, b"abc");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub mod split {
    use super::UnixStream;
    use std::os::unix::net::SocketAddr;

    crate::util::define_halves!(UnixStream, SocketAddr);
}

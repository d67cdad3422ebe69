//! Unix sockets: [`UnixListener`] accepts connections, [`UnixStream`] is one, [`UnixDatagram`]
//! sends datagrams; [`split`] holds the halves of a split stream.

pub use super::{UnixDatagram, UnixListener, UnixStream};
pub use weft_net::unix::Incoming;

/// The halves of a split [`UnixStream`]: borrowed ([`UnixStream::split_mut`], for two futures in one
/// task) and owned ([`UnixStream::split`] or [`UnixStream::into_split`], for two tasks).
///
/// # Examples
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// use weft::net::UnixStream;
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let (mut a, b) = UnixStream::pair()?;
///     let (mut read, mut write) = b.into_split();
///     let echo = weft::spawn(async move { weft::io::copy(&mut read, &mut write).await });
///
///     a.write_all(b"abc").await?;
///     let mut back = [0; 3];
///     a.read_exact(&mut back).await?;
///     assert_eq!(&back, b"abc");
///     a.close().await?; // the echo task reads the end of the stream and finishes
///     assert_eq!(echo.await.unwrap()?, 3);
///     Ok(())
/// }
/// ```
pub mod split {
    pub use weft_net::unix::split::*;
}

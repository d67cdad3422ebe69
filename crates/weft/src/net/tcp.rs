//! TCP: [`TcpListener`] accepts connections, [`TcpStream`] is one, [`TcpSocket`] configures a
//! socket before it becomes either; [`split`] holds the halves of a split stream.

pub use super::{TcpListener, TcpSocket, TcpStream};
pub use weft_net::tcp::{Incoming, BACKLOG};

/// The halves of a split [`TcpStream`]: borrowed ([`TcpStream::split_mut`], for two futures in one
/// task) and owned ([`TcpStream::split`] or [`TcpStream::into_split`], for two tasks).
///
/// # Examples
///
/// A reader task and a writer task on one connection; the owned halves reunite afterwards.
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// use weft::net::{TcpListener, TcpStream};
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let client = TcpStream::connect(listener.local_addr()?).await?;
///     let (server, _) = listener.accept().await?;
///     weft::spawn(async move {
///         let (mut read, mut write) = server.into_split();
///         weft::io::copy(&mut read, &mut write).await // echo
///     });
///
///     let (mut read, mut write) = client.into_split();
///     let writer = weft::spawn(async move {
///         write.write_all(b"hello").await?;
///         std::io::Result::Ok(write)
///     });
///     let mut buf = [0; 5];
///     read.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hello");
///     let write = writer.await.unwrap()?;
///     let _client: TcpStream = read.reunite(write).expect("halves of the same stream");
///     Ok(())
/// }
/// ```
pub mod split {
    pub use weft_net::tcp::split::*;
}

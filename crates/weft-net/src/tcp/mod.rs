//! TCP: [`TcpListener`] accepts connections, [`TcpStream`] is one, [`TcpSocket`] configures a
//! socket before it becomes either; [`split`] holds the halves of a split stream.

mod listener;
mod socket;
mod stream;

pub use listener::{Incoming, TcpListener, BACKLOG};
pub use socket::TcpSocket;
pub use stream::TcpStream;

/// The halves of a split [`TcpStream`]: borrowed ([`TcpStream::split`]) and owned
/// ([`TcpStream::into_split`]).
///
/// # Examples
///
/// ```
/// # weft_net::__private::run(async {
/// use weft_net::{TcpListener, TcpStream};
/// use weft_io::io::{AsyncReadExt, AsyncWriteExt};
///
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let client = TcpStream::connect(listener.local_addr()?).await?;
/// let (server, _) = listener.accept().await?;
///
/// // An echo server from owned halves, in its own task.
/// let echo = weft_runtime::spawn(async move {
///     let (mut rd, mut wr) = server.into_split();
///     weft_io::io::copy(&mut rd, &mut wr).await
/// });
/// let (mut rd, mut wr) = client.into_split();
/// wr.write_all(b"hello").await?;
/// let mut buf = [0; 5];
/// rd.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"hello");
/// let client = rd.reunite(wr).expect("same stream");
/// drop(client);
/// assert_eq!(echo.await.unwrap()?, 5);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub mod split {
    use super::TcpStream;
    use std::net::SocketAddr;

    crate::util::define_halves!(TcpStream, SocketAddr);
}

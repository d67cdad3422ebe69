//! Sockets: TCP, UDP and Unix, asyncio's `open_connection`, `start_server` and datagram
//! endpoints.
//!
//! | weft | asyncio |
//! |---|---|
//! | [`TcpListener::bind`], [`TcpListener::accept`] | `asyncio.start_server` |
//! | [`TcpStream::connect`] | `asyncio.open_connection` |
//! | [`UdpSocket`] | `loop.create_datagram_endpoint` |
//! | [`UnixListener`], [`UnixStream`], [`UnixDatagram`] | `start_unix_server`, `open_unix_connection` |
//! | [`TcpSocket`] | a socket configured before `connect` or `listen` |
//! | [`lookup_host`] | `loop.getaddrinfo` |
//!
//! Streams implement the I/O traits: bring [`weft::io::AsyncReadExt`](crate::io::AsyncReadExt)
//! and [`AsyncWriteExt`](crate::io::AsyncWriteExt) into scope for `read`, `write_all`, ... A stream
//! splits into a read half and a write half for two tasks (`split`, `into_split`; the halves are
//! in [`tcp::split`] and [`unix::split`]). Every error from outside (a refused connection, a peer
//! that resets, a full descriptor table) is an `io::Error`, never a panic, and every async method
//! states its cancel safety.
//!
//! # Examples
//!
//! An echo server, one task per connection, and a client:
//!
//! ```
//! use weft::io::{AsyncReadExt, AsyncWriteExt};
//! use weft::net::{TcpListener, TcpStream};
//!
//! #[weft::main]
//! async fn main() -> std::io::Result<()> {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     weft::spawn(async move {
//!         loop {
//!             let Ok((conn, _peer)) = listener.accept().await else { continue };
//!             weft::spawn(async move {
//!                 // Owned halves, weft's even with `AsyncReadExt` in scope (see `split`).
//!                 let (mut read, mut write) = conn.split();
//!                 let _ = weft::io::copy(&mut read, &mut write).await;
//!             });
//!         }
//!     });
//!
//!     let mut client = TcpStream::connect(addr).await?;
//!     client.write_all(b"hello").await?;
//!     let mut echoed = [0; 5];
//!     client.read_exact(&mut echoed).await?;
//!     assert_eq!(&echoed, b"hello");
//!     Ok(())
//! }
//! ```

pub mod tcp;
#[cfg(unix)]
pub mod unix;

/// The halves of a split stream, written once for both stream types; [`tcp::split`] and
/// [`unix::split`] name them for their stream, and those are the names to use
/// ([`tcp::split::OwnedReadHalf`] is `halves::OwnedReadHalf<TcpStream>`).
pub mod halves {
    pub use weft_net::halves::*;
}

pub use weft_net::BACKOFF;

/// Resolves `"host:port"` to socket addresses, on the blocking pool: asyncio's `getaddrinfo`.
///
/// ```
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let addrs: Vec<_> = weft::net::lookup_host("localhost:8080").await?.collect();
///     assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 8080));
///
///     let no_port = weft::net::lookup_host("localhost").await.unwrap_err();
///     assert_eq!(no_port.kind(), std::io::ErrorKind::InvalidInput);
///     Ok(())
/// }
/// ```
///
/// *From weft-net's documentation, where this is `weft_net::lookup_host`:*
///
#[doc(inline)]
pub use weft_net::lookup_host;

/// A TCP server socket: accepts connections.
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// use weft::net::{TcpListener, TcpStream};
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let listener = TcpListener::bind("127.0.0.1:0").await?; // port 0: any free port
///     let addr = listener.local_addr()?;
///     let client = weft::spawn(async move {
///         let mut stream = TcpStream::connect(addr).await?;
///         stream.write_all(b"hi").await
///     });
///     let (mut conn, peer) = listener.accept().await?;
///     let mut buf = [0; 2];
///     conn.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hi");
///     assert!(peer.ip().is_loopback());
///     client.await.unwrap()?;
///     Ok(())
/// }
/// ```
///
/// *From weft-net's documentation, where this is `weft_net::TcpListener`:*
///
#[doc(inline)]
pub use weft_net::TcpListener;

/// A TCP socket to configure before it connects or listens (address reuse, buffer sizes,
/// `TCP_NODELAY`, the listen backlog).
///
/// ```
/// use weft::net::TcpSocket;
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let server = TcpSocket::new_v4()?;
///     server.set_reuseaddr(true)?; // rebind at once after a restart
///     server.bind("127.0.0.1:0".parse().unwrap())?;
///     let listener = server.listen(128)?;
///
///     let client = TcpSocket::new_v4()?;
///     client.set_nodelay(true)?;
///     let stream = client.connect(listener.local_addr()?).await?;
///     let (_conn, _peer) = listener.accept().await?;
///     assert!(stream.nodelay()?);
///     Ok(())
/// }
/// ```
///
/// *From weft-net's documentation, where this is `weft_net::TcpSocket`:*
///
#[doc(inline)]
pub use weft_net::TcpSocket;

/// A TCP connection: read and write it with [`weft::io`](crate::io)'s extension traits.
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// use weft::net::{TcpListener, TcpStream};
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
///     let (mut server, _) = listener.accept().await?;
///     client.write_all(b"ping").await?;
///     client.close().await?; // shuts the write side: the server sees the end of the stream
///     let mut got = Vec::new();
///     server.read_to_end(&mut got).await?;
///     assert_eq!(got, b"ping");
///     Ok(())
/// }
/// ```
///
/// *From weft-net's documentation, where this is `weft_net::TcpStream`:*
///
#[doc(inline)]
pub use weft_net::TcpStream;

/// A UDP socket: datagrams to and from any peer, or one peer after `connect`.
///
/// ```
/// use weft::net::UdpSocket;
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let server = UdpSocket::bind("127.0.0.1:0").await?;
///     let client = UdpSocket::bind("127.0.0.1:0").await?;
///     client.connect(server.local_addr()?).await?;
///     client.send(b"hello").await?;
///
///     let mut buf = [0; 64];
///     let (n, peer) = server.recv_from(&mut buf).await?;
///     server.send_to(&buf[..n], peer).await?; // echo it back
///     let n = client.recv(&mut buf).await?;
///     assert_eq!(&buf[..n], b"hello");
///     Ok(())
/// }
/// ```
///
/// *From weft-net's documentation, where this is `weft_net::UdpSocket`:*
///
#[doc(inline)]
pub use weft_net::UdpSocket;

/// A name that resolves to socket addresses: `"127.0.0.1:80"`, `("example.com", 443)`, a
/// `SocketAddr`, ...; names are resolved on the blocking pool.
///
/// ```
/// use weft::net::TcpListener;
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     // Any of these: a literal, a (host, port) pair, a name to resolve.
///     let a = TcpListener::bind("127.0.0.1:0").await?;
///     let b = TcpListener::bind(("127.0.0.1", 0)).await?;
///     let c = TcpListener::bind("localhost:0").await?;
///     for listener in [a, b, c] {
///         assert!(listener.local_addr()?.ip().is_loopback());
///     }
///     Ok(())
/// }
/// ```
///
/// *From weft-net's documentation, where this is `weft_net::ToSocketAddrs`:*
///
#[doc(inline)]
pub use weft_net::ToSocketAddrs;

/// A Unix datagram socket.
///
/// ```
/// use weft::net::UnixDatagram;
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let (a, b) = UnixDatagram::pair()?;
///     a.send(b"one").await?;
///     a.send(b"two").await?;
///     let mut buf = [0; 16];
///     let n = b.recv(&mut buf).await?;
///     assert_eq!(&buf[..n], b"one"); // datagrams keep their boundaries and order
///     Ok(())
/// }
/// ```
///
/// *From weft-net's documentation, where this is `weft_net::UnixDatagram`:*
///
#[cfg(unix)]
#[doc(inline)]
pub use weft_net::UnixDatagram;

/// A Unix stream server socket, bound to a path.
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// use weft::net::{UnixListener, UnixStream};
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let dir = std::env::temp_dir().join(format!("weft-facade-doc-{}", std::process::id()));
///     std::fs::create_dir_all(&dir)?;
///     let path = dir.join("server.sock");
///     let listener = UnixListener::bind(&path)?;
///
///     let mut client = UnixStream::connect(&path).await?;
///     let (mut server, _) = listener.accept().await?;
///     client.write_all(b"hi").await?;
///     let mut buf = [0; 2];
///     server.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hi");
///     std::fs::remove_dir_all(&dir)
/// }
/// ```
///
/// *From weft-net's documentation, where this is `weft_net::UnixListener`:*
///
#[cfg(unix)]
#[doc(inline)]
pub use weft_net::UnixListener;

/// A Unix stream connection.
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// use weft::net::UnixStream;
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let (mut a, mut b) = UnixStream::pair()?;
///     a.write_all(b"over").await?;
///     a.close().await?;
///     let mut got = String::new();
///     b.read_to_string(&mut got).await?;
///     assert_eq!(got, "over");
///     Ok(())
/// }
/// ```
///
/// *From weft-net's documentation, where this is `weft_net::UnixStream`:*
///
#[cfg(unix)]
#[doc(inline)]
pub use weft_net::UnixStream;

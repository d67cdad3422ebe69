//! Asynchronous reading and writing: the I/O traits and their helpers, and [`Async`] for any file
//! descriptor.
//!
//! The traits are the ecosystem's (`futures-io`'s [`AsyncRead`], [`AsyncWrite`],
//! [`AsyncBufRead`], [`AsyncSeek`]), so libraries written against them work with weft's sockets
//! and files unchanged. Bring the extension traits into scope for the methods: [`AsyncReadExt`]
//! (`read`, `read_exact`, `read_to_end`, ...), [`AsyncWriteExt`] (`write_all`, `flush`, `close`),
//! [`AsyncBufReadExt`] (`read_line`, `lines`) and [`AsyncSeekExt`] (`seek`).
//!
//! | weft | asyncio |
//! |---|---|
//! | [`AsyncReadExt::read`], [`read_exact`](AsyncReadExt::read_exact) | `StreamReader.read`, `readexactly` |
//! | [`AsyncBufReadExt::read_line`] on a [`BufReader`] | `StreamReader.readline` |
//! | [`AsyncWriteExt::write_all`] | `StreamWriter.write` + `drain` |
//! | [`AsyncWriteExt::close`] | `StreamWriter.close` + `wait_closed` |
//! | [`Async`] | `loop.add_reader`, `add_writer` |
//! | [`stdin`], [`stdout`], [`stderr`] | `connect_read_pipe(sys.stdin)`, `connect_write_pipe` |
//! | [`copy_bidirectional`] | a proxy's two `copy` loops |
//! | [`duplex`] | an in-memory socket pair for tests |
//!
//! # Examples
//!
//! Lines from a socket: [`BufReader`] over the read half, replies through the write half.
//!
//! ```
//! use weft::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
//! use weft::net::{TcpListener, TcpStream};
//!
//! #[weft::main]
//! async fn main() -> std::io::Result<()> {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     weft::spawn(async move {
//!         let (stream, _) = listener.accept().await?;
//!         let (read, mut write) = stream.into_split();
//!         let mut lines = BufReader::new(read);
//!         let mut line = String::new();
//!         while lines.read_line(&mut line).await? > 0 {
//!             write.write_all(line.to_uppercase().as_bytes()).await?;
//!             line.clear();
//!         }
//!         std::io::Result::Ok(())
//!     });
//!
//!     let stream = TcpStream::connect(addr).await?;
//!     let (read, mut write) = stream.into_split();
//!     write.write_all(b"hello\nworld\n").await?;
//!     let mut replies = BufReader::new(read);
//!     let mut reply = String::new();
//!     replies.read_line(&mut reply).await?;
//!     assert_eq!(reply, "HELLO\n");
//!     Ok(())
//! }
//! ```

pub use weft_io::io::{
    AllowStdIo, AsyncBufRead, AsyncRead, AsyncSeek, AsyncSeekExt, AsyncWrite, BufReader, BufWriter,
    Empty, ReadHalf, Repeat, Sink, WriteHalf,
};

/// Makes any non-blocking file descriptor (a pipe, a socket, a terminal, ...) usable from tasks:
/// asyncio's `add_reader`/`add_writer`, with the I/O traits on top.
///
/// ```
/// use std::os::unix::net::UnixStream;
/// use weft::io::{Async, AsyncReadExt, AsyncWriteExt};
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let (a, b) = UnixStream::pair()?; // std's blocking sockets...
///     let (mut a, mut b) = (Async::new(a)?, Async::new(b)?); // ...made non-blocking and awaitable
///     a.write_all(b"ping").await?;
///     let mut buf = [0; 4];
///     b.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"ping");
///     Ok(())
/// }
/// ```
///
/// *From weft-io's documentation, where this is `weft_io::io::Async`:*
///
#[doc(inline)]
pub use weft_io::io::Async;

/// Splits a reader-writer into a read half and a write half, for two tasks.
///
/// ```
/// use weft::io::{split, AsyncReadExt, AsyncWriteExt, Cursor};
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let (mut reader, mut writer) = split(Cursor::new(vec![1u8, 2, 3]));
///     let mut first = [0u8; 1];
///     reader.read_exact(&mut first).await?;
///     writer.write_all(&[9]).await?;
///     assert_eq!(first, [1]);
///     Ok(())
/// }
/// ```
///
/// Sockets have their own `split` and `into_split` (see [`weft::net`](crate::net)), which need no
/// lock.
///
/// *From weft-io's documentation, where this is `weft_io::io::split`:*
///
#[doc(inline)]
pub use weft_io::io::split;

/// Copies everything from a reader to a writer; returns the number of bytes copied.
///
/// ```
/// use weft::io::{copy, Cursor};
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let mut out = Vec::new();
///     let n = copy(Cursor::new(b"hello"), &mut out).await?;
///     assert_eq!((n, out.as_slice()), (5, &b"hello"[..]));
///     Ok(())
/// }
/// ```
///
/// *From futures-util's documentation, where this is `futures_util::io::copy`:*
///
#[doc(inline)]
pub use weft_io::io::copy;

/// Copies everything from a buffered reader to a writer, without an extra buffer.
///
/// ```
/// use weft::io::{copy_buf, BufReader, Cursor};
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let mut out = Vec::new();
///     copy_buf(BufReader::new(Cursor::new(b"buffered")), &mut out).await?;
///     assert_eq!(out, b"buffered");
///     Ok(())
/// }
/// ```
///
/// *From futures-util's documentation, where this is `futures_util::io::copy_buf`:*
///
#[doc(inline)]
pub use weft_io::io::copy_buf;

/// A reader that is always at its end.
///
/// ```
/// use weft::io::{empty, AsyncReadExt};
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let mut buf = Vec::new();
///     assert_eq!(empty().read_to_end(&mut buf).await?, 0);
///     Ok(())
/// }
/// ```
///
/// *From futures-util's documentation, where this is `futures_util::io::empty`:*
///
#[doc(inline)]
pub use weft_io::io::empty;

/// A reader that yields one byte over and over.
///
/// ```
/// use weft::io::{repeat, AsyncReadExt};
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let mut buf = [0; 3];
///     repeat(b'z').read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"zzz");
///     Ok(())
/// }
/// ```
///
/// *From futures-util's documentation, where this is `futures_util::io::repeat`:*
///
#[doc(inline)]
pub use weft_io::io::repeat;

/// A writer that accepts and drops every byte.
///
/// ```
/// use weft::io::{sink, AsyncWriteExt};
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     assert_eq!(sink().write(b"gone").await?, 4);
///     Ok(())
/// }
/// ```
///
/// *From futures-util's documentation, where this is `futures_util::io::sink`:*
///
#[doc(inline)]
pub use weft_io::io::sink;

/// An in-memory buffer with a position, readable, writable and seekable: a stand-in for a file or
/// socket in tests.
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt, Cursor};
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let mut cursor = Cursor::new(Vec::new());
///     cursor.write_all(b"abc").await?;
///     cursor.set_position(0);
///     let mut text = String::new();
///     cursor.read_to_string(&mut text).await?;
///     assert_eq!(text, "abc");
///     Ok(())
/// }
/// ```
///
/// *From futures-util's documentation, where this is `futures_util::io::Cursor`:*
///
#[doc(inline)]
pub use weft_io::io::Cursor;

/// Reading methods for every [`AsyncRead`]: `read`, `read_exact`, `read_to_end`,
/// `read_to_string`, ...
///
/// ```
/// use weft::io::AsyncReadExt;
/// use weft::net::{TcpListener, TcpStream};
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
///     let (mut server, _) = listener.accept().await?;
///     weft::io::AsyncWriteExt::write_all(&mut server, b"0123456789").await?;
///     drop(server); // end of stream after the ten bytes
///
///     let mut head = [0; 4];
///     client.read_exact(&mut head).await?;
///     let mut rest = String::new();
///     client.read_to_string(&mut rest).await?;
///     assert_eq!((&head, rest.as_str()), (b"0123", "456789"));
///     Ok(())
/// }
/// ```
///
/// *From futures-util's documentation, where this is `futures_util::io::AsyncReadExt`:*
///
#[doc(inline)]
pub use weft_io::io::AsyncReadExt;

/// Writing methods for every [`AsyncWrite`]: `write`, `write_all`, `flush`, `close`.
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
///     client.write_all(b"request").await?; // writes every byte, however many calls it takes
///     client.close().await?; // shuts the write side: the server reads to the end
///     let mut got = Vec::new();
///     server.read_to_end(&mut got).await?;
///     assert_eq!(got, b"request");
///     Ok(())
/// }
/// ```
///
/// *From futures-util's documentation, where this is `futures_util::io::AsyncWriteExt`:*
///
#[doc(inline)]
pub use weft_io::io::AsyncWriteExt;

/// Line and delimiter methods for every [`AsyncBufRead`] (a [`BufReader`], say): `read_line`,
/// `read_until`, `lines`, ...
///
/// ```
/// use weft::io::{AsyncBufReadExt, BufReader, Cursor};
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let mut input = BufReader::new(Cursor::new("GET / HTTP/1.1\r\nHost: example\r\n"));
///     let mut request_line = String::new();
///     input.read_line(&mut request_line).await?;
///     assert_eq!(request_line, "GET / HTTP/1.1\r\n");
///     Ok(())
/// }
/// ```
///
/// *From futures-util's documentation, where this is `futures_util::io::AsyncBufReadExt`:*
///
#[doc(inline)]
pub use weft_io::io::AsyncBufReadExt;

/// The process's standard input, for async reads (a pipe or terminal through the reactor, a
/// redirected file on the blocking pool): asyncio's `connect_read_pipe(sys.stdin)`.
///
/// ```no_run
/// use weft::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
/// use weft::stream::StreamExt;
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     // Echo each line of input in upper case, until end of input.
///     let mut lines = BufReader::new(weft::io::stdin()).lines();
///     let mut out = weft::io::stdout();
///     while let Some(line) = lines.next().await {
///         out.write_all(line?.to_uppercase().as_bytes()).await?;
///         out.write_all(b"\n").await?;
///     }
///     out.flush().await
/// }
/// ```
///
/// *From weft-io's documentation, where this is `weft_io::io::stdin`:*
///
#[doc(inline)]
pub use weft_io::io::stdin;

/// The process's standard output, for async writes; `flush` before exiting.
///
/// ```
/// use weft::io::AsyncWriteExt;
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let mut out = weft::io::stdout();
///     out.write_all(b"hello from weft\n").await?;
///     out.flush().await
/// }
/// ```
///
/// *From weft-io's documentation, where this is `weft_io::io::stdout`:*
///
#[doc(inline)]
pub use weft_io::io::stdout;

/// The process's standard error, for async writes.
///
/// ```
/// use weft::io::AsyncWriteExt;
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let mut err = weft::io::stderr();
///     err.write_all(b"a warning\n").await?;
///     err.flush().await
/// }
/// ```
///
/// *From weft-io's documentation, where this is `weft_io::io::stderr`:*
///
#[doc(inline)]
pub use weft_io::io::stderr;

pub use weft_io::io::{Stderr, Stdin, Stdout};

/// Copies both ways between two streams until both ends close: a proxy's inner loop.
///
/// ```
/// use weft::io::{copy_bidirectional, AsyncReadExt, AsyncWriteExt};
/// use weft::net::{TcpListener, TcpStream};
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     // An upper-casing server behind a proxy.
///     let server = TcpListener::bind("127.0.0.1:0").await?;
///     let server_addr = server.local_addr()?;
///     weft::spawn(async move {
///         let (mut conn, _) = server.accept().await?;
///         let mut req = Vec::new();
///         conn.read_to_end(&mut req).await?;
///         conn.write_all(&req.to_ascii_uppercase()).await?;
///         std::io::Result::Ok(())
///     });
///     let proxy = TcpListener::bind("127.0.0.1:0").await?;
///     let proxy_addr = proxy.local_addr()?;
///     weft::spawn(async move {
///         let (mut inbound, _) = proxy.accept().await?;
///         let mut outbound = TcpStream::connect(server_addr).await?;
///         copy_bidirectional(&mut inbound, &mut outbound).await
///     });
///
///     let mut client = TcpStream::connect(proxy_addr).await?;
///     client.write_all(b"through the proxy").await?;
///     client.close().await?;
///     let mut reply = String::new();
///     client.read_to_string(&mut reply).await?;
///     assert_eq!(reply, "THROUGH THE PROXY");
///     Ok(())
/// }
/// ```
///
/// *From weft-io's documentation, where this is `weft_io::io::copy_bidirectional`:*
///
#[doc(inline)]
pub use weft_io::io::copy_bidirectional;

pub use weft_io::io::{copy_bidirectional_with_sizes, COPY_BUF_SIZE};

/// A connected pair of in-memory streams: a socket pair without the OS, for tests.
///
/// ```
/// use weft::io::{duplex, AsyncReadExt, AsyncWriteExt};
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let (mut client, mut server) = duplex(64);
///     client.write_all(b"ping").await?;
///     let mut buf = [0; 4];
///     server.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"ping");
///     Ok(())
/// }
/// ```
///
/// *From weft-io's documentation, where this is `weft_io::io::duplex`:*
///
#[doc(inline)]
pub use weft_io::io::duplex;

/// `lines.next_line().await` on the lines of a reader: `Ok(Some(line))`, `Ok(None)` at the end.
/// (`Lines` is also a stream: `next()` gives `Option<io::Result<String>>`.)
///
/// ```
/// use weft::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, LinesExt};
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let (mut client, server) = weft::io::duplex(64);
///     client.write_all(b"GET /\r\nHost: example\r\n").await?;
///     drop(client);
///     let mut lines = BufReader::new(server).lines();
///     while let Some(line) = lines.next_line().await? {
///         println!("{line}");
///     }
///     Ok(())
/// }
/// ```
///
/// *From weft-io's documentation, where this is `weft_io::io::LinesExt`:*
///
#[doc(inline)]
pub use weft_io::io::LinesExt;

pub use weft_io::io::DuplexStream;

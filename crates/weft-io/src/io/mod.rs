//! Asynchronous I/O: the readiness adapter [`Async`] and the ecosystem's I/O traits.
//!
//! The traits are `futures-io`'s ([`AsyncRead`], [`AsyncWrite`], [`AsyncBufRead`],
//! [`AsyncSeek`]), so libraries written against them (futures-util, async-compression, ...) work
//! unchanged. The extension traits and helpers ([`AsyncReadExt`], [`AsyncWriteExt`],
//! [`AsyncBufReadExt`], [`BufReader`], [`BufWriter`], [`copy`], [`split`]) are futures-util's,
//! re-exported rather than written again.
//!
//! # Examples
//!
//! ```
//! use weft_io::io::{copy, AsyncReadExt, Cursor};
//!
//! # futures_executor::block_on(async {
//! let mut out = Vec::new();
//! copy(Cursor::new(b"hello".to_vec()), &mut out).await?;
//! let mut text = String::new();
//! Cursor::new(out).read_to_string(&mut text).await?;
//! assert_eq!(text, "hello");
//! # std::io::Result::Ok(()) }).unwrap();
//! ```

mod async_fd;
mod copy_bidirectional;
mod duplex;
mod lines;
mod stdio;

pub use async_fd::Async;
pub use copy_bidirectional::{copy_bidirectional, copy_bidirectional_with_sizes, COPY_BUF_SIZE};
pub use duplex::{duplex, DuplexStream};
pub use futures_io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};
pub use futures_util::io::{
    copy, copy_buf, empty, repeat, sink, AllowStdIo, AsyncBufReadExt, AsyncReadExt, AsyncSeekExt,
    AsyncWriteExt, BufReader, BufWriter, Cursor, Empty, ReadHalf, Repeat, Sink, WriteHalf,
};
pub use lines::LinesExt;
pub use stdio::{stderr, stdin, stdout, Stderr, Stdin, Stdout};

/// Splits a stream into a read half and a write half that can be used from two tasks (the halves
/// share the stream through a lock taken per operation).
///
/// # Examples
///
/// ```
/// use weft_io::io::{split, AsyncReadExt, AsyncWriteExt, Cursor};
///
/// # futures_executor::block_on(async {
/// let (mut reader, mut writer) = split(Cursor::new(vec![1u8, 2, 3]));
/// let mut first = [0u8; 1];
/// reader.read_exact(&mut first).await?;
/// writer.write_all(&[9]).await?;
/// assert_eq!(first, [1]);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub fn split<T: AsyncRead + AsyncWrite>(stream: T) -> (ReadHalf<T>, WriteHalf<T>) {
    AsyncReadExt::split(stream)
}

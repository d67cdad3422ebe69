//! The halves of a split stream, written once for every stream type that splits
//! ([`TcpStream`](crate::TcpStream) and [`UnixStream`](crate::UnixStream)).
//!
//! Each stream's `split` module names them for its stream, and those are the names to use:
//! [`tcp::split::OwnedReadHalf`](crate::tcp::split::OwnedReadHalf) is
//! `OwnedReadHalf<TcpStream>`, and so on. The halves reach the stream through the sealed
//! [`SplitStream`] trait; they read and write through the futures-io impls of `&Stream`, so a half
//! reads and writes exactly as a shared reference to the stream does.
//!
//! - [`ReadHalf`] and [`WriteHalf`] borrow the stream (`split(&mut self)`, free);
//! - [`OwnedReadHalf`] and [`OwnedWriteHalf`] share it (`into_split(self)`, one `Arc`) and are put
//!   back together by `reunite`.

mod borrowed;
mod owned;

use std::future::Future;
use std::io;
use std::net::Shutdown;

pub(crate) use borrowed::split;
pub use borrowed::{ReadHalf, WriteHalf};
pub(crate) use owned::into_split;
pub use owned::{OwnedReadHalf, OwnedWriteHalf};

/// A stream type that splits into halves: the stream's own methods the halves forward to.
///
/// Sealed: implemented by [`TcpStream`](crate::TcpStream) and [`UnixStream`](crate::UnixStream)
/// only (in their `split` modules). Every method is the stream's inherent method of the same name.
pub trait SplitStream: sealed::Sealed + Sized {
    /// The stream's address type.
    type Addr;
    /// The error `reunite` returns for halves of two different streams (a tuple struct of the
    /// two halves, named in the stream's `split` module).
    type ReuniteError;

    /// Wraps two halves of different streams in [`ReuniteError`](SplitStream::ReuniteError).
    #[doc(hidden)]
    fn reunite_error(read: OwnedReadHalf<Self>, write: OwnedWriteHalf<Self>) -> Self::ReuniteError;

    /// The stream's `peek`.
    fn peek<'a>(&'a self, buf: &'a mut [u8])
        -> impl Future<Output = io::Result<usize>> + Send + 'a;

    /// The stream's `readable`.
    fn readable(&self) -> impl Future<Output = io::Result<()>> + Send + '_;

    /// The stream's `writable`.
    fn writable(&self) -> impl Future<Output = io::Result<()>> + Send + '_;

    /// The stream's `try_read`.
    fn try_read(&self, buf: &mut [u8]) -> io::Result<usize>;

    /// The stream's `try_write`.
    fn try_write(&self, buf: &[u8]) -> io::Result<usize>;

    /// The stream's `peer_addr`.
    fn peer_addr(&self) -> io::Result<Self::Addr>;

    /// The stream's `local_addr`.
    fn local_addr(&self) -> io::Result<Self::Addr>;

    /// The stream's `shutdown`.
    fn shutdown(&self, how: Shutdown) -> io::Result<()>;
}

/// Keeps [`SplitStream`] to this crate's stream types.
pub(crate) mod sealed {
    /// Implemented next to each `SplitStream` impl.
    pub trait Sealed {}
}

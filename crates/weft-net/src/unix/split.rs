//! The halves of a split [`UnixStream`]: borrowed ([`UnixStream::split_mut`]) and owned
//! ([`UnixStream::split`], [`UnixStream::into_split`]).
//!
//! The halves are written once for both stream types (in [`crate::halves`]); here they are named
//! for [`UnixStream`].
//!
//! # Examples
//!
//! ```
//! # weft_net::__private::run(async {
//! use weft_net::UnixStream;
//! use weft_io::io::{AsyncReadExt, AsyncWriteExt};
//!
//! let (mut a, b) = UnixStream::pair()?;
//! let (mut rd, mut wr) = b.into_split();
//! a.write_all(b"abc").await?;
//! let mut buf = [0; 3];
//! rd.read_exact(&mut buf).await?;
//! wr.write_all(&buf).await?;
//! let (ra, wa) = a.split();
//! # let _ = wa;
//! let mut back = [0; 3];
//! { let mut ra = ra; ra.read_exact(&mut back).await?; }
//! assert_eq!(&back, b"abc");
//! # std::io::Result::Ok(()) }).unwrap();
//! ```

use std::future::Future;
use std::io;
use std::net::Shutdown;
use std::os::unix::net::SocketAddr;

use super::UnixStream;
use crate::halves::{self, SplitStream};

/// The read half of a [`UnixStream`] split by reference ([`UnixStream::split_mut`]). Implements
/// `AsyncRead`.
pub type ReadHalf<'a> = halves::ReadHalf<'a, UnixStream>;

/// The write half of a [`UnixStream`] split by reference ([`UnixStream::split_mut`]). Implements
/// `AsyncWrite`; closing it shuts down the stream's write direction.
pub type WriteHalf<'a> = halves::WriteHalf<'a, UnixStream>;

/// The owned read half of a [`UnixStream`] ([`UnixStream::into_split`]). Implements `AsyncRead`.
///
/// Put the halves back together with `reunite`.
pub type OwnedReadHalf = halves::OwnedReadHalf<UnixStream>;

/// The owned write half of a [`UnixStream`] ([`UnixStream::into_split`]). Implements `AsyncWrite`.
///
/// Dropping it shuts down the stream's write direction (the peer reads end of stream), as does
/// closing it; the read half goes on working.
pub type OwnedWriteHalf = halves::OwnedWriteHalf<UnixStream>;

/// The two halves given to `reunite` came from different streams; they are handed back.
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl std::fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("tried to reunite halves that are not from the same stream")
    }
}

impl std::error::Error for ReuniteError {}

impl halves::sealed::Sealed for UnixStream {}

impl SplitStream for UnixStream {
    type Addr = SocketAddr;
    type ReuniteError = ReuniteError;

    fn reunite_error(read: OwnedReadHalf, write: OwnedWriteHalf) -> ReuniteError {
        ReuniteError(read, write)
    }

    #[track_caller]
    fn peek<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<usize>> + Send + 'a {
        UnixStream::peek(self, buf)
    }

    #[track_caller]
    fn readable(&self) -> impl Future<Output = io::Result<()>> + Send + '_ {
        UnixStream::readable(self)
    }

    #[track_caller]
    fn writable(&self) -> impl Future<Output = io::Result<()>> + Send + '_ {
        UnixStream::writable(self)
    }

    fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        UnixStream::try_read(self, buf)
    }

    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        UnixStream::try_write(self, buf)
    }

    fn peer_addr(&self) -> io::Result<SocketAddr> {
        UnixStream::peer_addr(self)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        UnixStream::local_addr(self)
    }

    fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        UnixStream::shutdown(self, how)
    }
}

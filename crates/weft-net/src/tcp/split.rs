//! The halves of a split [`TcpStream`]: borrowed ([`TcpStream::split_mut`]) and owned
//! ([`TcpStream::split`], [`TcpStream::into_split`]).
//!
//! The halves are written once for both stream types (in [`crate::halves`]); here they are named
//! for [`TcpStream`].
//!
//! # Examples
//!
//! ```
//! # weft_net::__private::run(async {
//! use weft_net::{TcpListener, TcpStream};
//! use weft_io::io::{AsyncReadExt, AsyncWriteExt};
//!
//! let listener = TcpListener::bind("127.0.0.1:0").await?;
//! let client = TcpStream::connect(listener.local_addr()?).await?;
//! let (server, _) = listener.accept().await?;
//!
//! // An echo server from owned halves, in its own task.
//! let echo = weft_runtime::spawn(async move {
//!     let (mut rd, mut wr) = server.into_split();
//!     weft_io::io::copy(&mut rd, &mut wr).await
//! });
//! let (mut rd, mut wr) = client.into_split();
//! wr.write_all(b"hello").await?;
//! let mut buf = [0; 5];
//! rd.read_exact(&mut buf).await?;
//! assert_eq!(&buf, b"hello");
//! let client = rd.reunite(wr).expect("same stream");
//! drop(client);
//! assert_eq!(echo.await.unwrap()?, 5);
//! # std::io::Result::Ok(()) }).unwrap();
//! ```

use std::future::Future;
use std::io;
use std::net::{Shutdown, SocketAddr};

use super::TcpStream;
use crate::halves::{self, SplitStream};

/// The read half of a [`TcpStream`] split by reference ([`TcpStream::split_mut`]). Implements
/// `AsyncRead`.
pub type ReadHalf<'a> = halves::ReadHalf<'a, TcpStream>;

/// The write half of a [`TcpStream`] split by reference ([`TcpStream::split_mut`]). Implements
/// `AsyncWrite`; closing it shuts down the stream's write direction.
pub type WriteHalf<'a> = halves::WriteHalf<'a, TcpStream>;

/// The owned read half of a [`TcpStream`] ([`TcpStream::into_split`]). Implements `AsyncRead`.
///
/// Put the halves back together with `reunite`.
pub type OwnedReadHalf = halves::OwnedReadHalf<TcpStream>;

/// The owned write half of a [`TcpStream`] ([`TcpStream::into_split`]). Implements `AsyncWrite`.
///
/// Dropping it shuts down the stream's write direction (the peer reads end of stream), as does
/// closing it; the read half goes on working.
pub type OwnedWriteHalf = halves::OwnedWriteHalf<TcpStream>;

/// The two halves given to `reunite` came from different streams; they are handed back.
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl std::fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("tried to reunite halves that are not from the same stream")
    }
}

impl std::error::Error for ReuniteError {}

impl halves::sealed::Sealed for TcpStream {}

impl SplitStream for TcpStream {
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
        TcpStream::peek(self, buf)
    }

    #[track_caller]
    fn readable(&self) -> impl Future<Output = io::Result<()>> + Send + '_ {
        TcpStream::readable(self)
    }

    #[track_caller]
    fn writable(&self) -> impl Future<Output = io::Result<()>> + Send + '_ {
        TcpStream::writable(self)
    }

    fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        TcpStream::try_read(self, buf)
    }

    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        TcpStream::try_write(self, buf)
    }

    fn peer_addr(&self) -> io::Result<SocketAddr> {
        TcpStream::peer_addr(self)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        TcpStream::local_addr(self)
    }

    fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        TcpStream::shutdown(self, how)
    }
}

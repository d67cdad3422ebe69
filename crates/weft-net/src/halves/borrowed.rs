//! `ReadHalf` and `WriteHalf`: the halves of a stream split by reference.

use std::io::{self, IoSlice, IoSliceMut};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use super::SplitStream;

/// The read half of a borrowed split; see the stream's `split`. Implements `AsyncRead`.
#[derive(Debug)]
pub struct ReadHalf<'a, S>(&'a S);

/// The write half of a borrowed split; see the stream's `split`. Implements `AsyncWrite`; closing
/// it shuts down the stream's write direction.
#[derive(Debug)]
pub struct WriteHalf<'a, S>(&'a S);

/// Splits `stream` into halves that borrow it (the body of the streams' `split`).
pub(crate) fn split<S>(stream: &mut S) -> (ReadHalf<'_, S>, WriteHalf<'_, S>) {
    (ReadHalf(&*stream), WriteHalf(&*stream))
}

impl<S: SplitStream> ReadHalf<'_, S> {
    /// See the stream's `peek`.
    ///
    /// # Errors
    /// The OS error.
    ///
    /// # Cancel safety
    /// Cancel safe.
    #[track_caller]
    pub fn peek<'a>(
        &'a mut self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        self.0.peek(buf)
    }

    /// See the stream's `readable`.
    ///
    /// # Errors
    /// A [`ShutdownError`](weft_core::ShutdownError) if the runtime shut down.
    ///
    /// # Cancel safety
    /// Cancel safe.
    #[track_caller]
    pub fn readable(&self) -> impl std::future::Future<Output = io::Result<()>> + '_ {
        self.0.readable()
    }

    /// See the stream's `try_read`.
    ///
    /// # Errors
    /// `WouldBlock` or the OS error.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.try_read(buf)
    }

    /// The peer's address.
    ///
    /// # Errors
    /// The OS error.
    pub fn peer_addr(&self) -> io::Result<S::Addr> {
        self.0.peer_addr()
    }

    /// The local address.
    ///
    /// # Errors
    /// The OS error.
    pub fn local_addr(&self) -> io::Result<S::Addr> {
        self.0.local_addr()
    }
}

impl<S: SplitStream> WriteHalf<'_, S> {
    /// See the stream's `writable`.
    ///
    /// # Errors
    /// A [`ShutdownError`](weft_core::ShutdownError) if the runtime shut down.
    ///
    /// # Cancel safety
    /// Cancel safe.
    #[track_caller]
    pub fn writable(&self) -> impl std::future::Future<Output = io::Result<()>> + '_ {
        self.0.writable()
    }

    /// See the stream's `try_write`.
    ///
    /// # Errors
    /// `WouldBlock` or the OS error.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.0.try_write(buf)
    }

    /// The peer's address.
    ///
    /// # Errors
    /// The OS error.
    pub fn peer_addr(&self) -> io::Result<S::Addr> {
        self.0.peer_addr()
    }

    /// The local address.
    ///
    /// # Errors
    /// The OS error.
    pub fn local_addr(&self) -> io::Result<S::Addr> {
        self.0.local_addr()
    }
}

/// Reads as `&S` reads.
impl<S> AsyncRead for ReadHalf<'_, S>
where
    for<'s> &'s S: AsyncRead,
{
    #[track_caller]
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.0).poll_read(cx, buf)
    }

    #[track_caller]
    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.0).poll_read_vectored(cx, bufs)
    }
}

/// Writes as `&S` writes: `poll_close` shuts down the stream's write direction.
impl<S> AsyncWrite for WriteHalf<'_, S>
where
    for<'s> &'s S: AsyncWrite,
{
    #[track_caller]
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.0).poll_write(cx, buf)
    }

    #[track_caller]
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.0).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self.0).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self.0).poll_close(cx)
    }
}

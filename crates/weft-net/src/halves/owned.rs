//! `OwnedReadHalf` and `OwnedWriteHalf`: the halves of a stream split by value, and `reunite`.

use std::io::{self, IoSlice, IoSliceMut};
use std::net::Shutdown;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use super::SplitStream;

/// The owned read half of a stream, from the stream's `into_split`. Implements `AsyncRead`.
///
/// Put the halves back together with [`reunite`](OwnedReadHalf::reunite).
#[derive(Debug)]
pub struct OwnedReadHalf<S> {
    inner: Arc<S>,
}

/// The owned write half of a stream, from the stream's `into_split`. Implements `AsyncWrite`.
///
/// Dropping it shuts down the stream's write direction (the peer reads end of stream), as does
/// closing it; the read half goes on working.
#[derive(Debug)]
pub struct OwnedWriteHalf<S: SplitStream> {
    inner: Arc<S>,
    shutdown_on_drop: bool,
}

/// Splits `stream` into owned halves sharing one `Arc` (the body of the streams' `into_split`).
pub(crate) fn into_split<S: SplitStream>(stream: S) -> (OwnedReadHalf<S>, OwnedWriteHalf<S>) {
    let inner = Arc::new(stream);
    let read = OwnedReadHalf {
        inner: inner.clone(),
    };
    let write = OwnedWriteHalf {
        inner,
        shutdown_on_drop: true,
    };
    (read, write)
}

/// The stream back from its two halves, or both halves in the stream's `ReuniteError` if they
/// came from different streams.
fn reunite<S: SplitStream>(
    read: OwnedReadHalf<S>,
    mut write: OwnedWriteHalf<S>,
) -> Result<S, S::ReuniteError> {
    if !Arc::ptr_eq(&read.inner, &write.inner) {
        return Err(S::reunite_error(read, write));
    }
    write.shutdown_on_drop = false;
    let inner = write.inner.clone();
    drop(write);
    drop(read);
    Ok(Arc::try_unwrap(inner)
        .unwrap_or_else(|_| unreachable!("both halves were dropped, so the stream has one owner")))
}

impl<S: SplitStream> OwnedReadHalf<S> {
    /// Puts the stream back together from its two halves.
    ///
    /// # Errors
    /// The stream's `ReuniteError` (holding both halves) if they came from different streams.
    pub fn reunite(self, other: OwnedWriteHalf<S>) -> Result<S, S::ReuniteError> {
        reunite(self, other)
    }

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
        self.inner.peek(buf)
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
        self.inner.readable()
    }

    /// See the stream's `try_read`.
    ///
    /// # Errors
    /// `WouldBlock` or the OS error.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.try_read(buf)
    }

    /// The peer's address.
    ///
    /// # Errors
    /// The OS error.
    pub fn peer_addr(&self) -> io::Result<S::Addr> {
        self.inner.peer_addr()
    }

    /// The local address.
    ///
    /// # Errors
    /// The OS error.
    pub fn local_addr(&self) -> io::Result<S::Addr> {
        self.inner.local_addr()
    }
}

impl<S: SplitStream> OwnedWriteHalf<S> {
    /// Puts the stream back together from its two halves.
    ///
    /// # Errors
    /// The stream's `ReuniteError` (holding both halves) if they came from different streams.
    pub fn reunite(self, other: OwnedReadHalf<S>) -> Result<S, S::ReuniteError> {
        reunite(other, self)
    }

    /// Drops the half without shutting down the write direction.
    pub fn forget(mut self) {
        self.shutdown_on_drop = false;
    }

    /// See the stream's `writable`.
    ///
    /// # Errors
    /// A [`ShutdownError`](weft_core::ShutdownError) if the runtime shut down.
    ///
    /// # Cancel safety
    /// Cancel safe.
    #[track_caller]
    pub fn writable(&self) -> impl std::future::Future<Output = io::Result<()>> + '_ {
        self.inner.writable()
    }

    /// See the stream's `try_write`.
    ///
    /// # Errors
    /// `WouldBlock` or the OS error.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.try_write(buf)
    }

    /// The peer's address.
    ///
    /// # Errors
    /// The OS error.
    pub fn peer_addr(&self) -> io::Result<S::Addr> {
        self.inner.peer_addr()
    }

    /// The local address.
    ///
    /// # Errors
    /// The OS error.
    pub fn local_addr(&self) -> io::Result<S::Addr> {
        self.inner.local_addr()
    }
}

impl<S: SplitStream> Drop for OwnedWriteHalf<S> {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            let _ = self.inner.shutdown(Shutdown::Write);
        }
    }
}

/// Reads as `&S` reads.
impl<S> AsyncRead for OwnedReadHalf<S>
where
    for<'s> &'s S: AsyncRead,
{
    #[track_caller]
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.inner).poll_read(cx, buf)
    }

    #[track_caller]
    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.inner).poll_read_vectored(cx, bufs)
    }
}

/// Writes as `&S` writes: `poll_close` shuts down the stream's write direction.
impl<S: SplitStream> AsyncWrite for OwnedWriteHalf<S>
where
    for<'s> &'s S: AsyncWrite,
{
    #[track_caller]
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.inner).poll_write(cx, buf)
    }

    #[track_caller]
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.inner).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self.inner).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self.inner).poll_close(cx)
    }
}

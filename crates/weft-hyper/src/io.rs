//! [`HyperIo`]: weft's streams as hyper's `Read` and `Write`.

use std::fmt;
use std::io;
use std::io::IoSlice;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_io::AsyncWrite;
use hyper::rt::ReadBufCursor;
use weft_net::{TcpStream, UnixStream};

/// A stream that can read into memory that was never initialised.
///
/// hyper hands its reader an uninitialised buffer; a stream with this trait fills it directly,
/// with no zeroing and no bounce buffer. weft-net's [`TcpStream`] and [`UnixStream`] have it (each
/// is one `recvmsg`/`read` straight into the buffer).
///
/// # Safety
///
/// [`HyperIo`] tells hyper that the bytes were initialised on the strength of this contract: when
/// `poll_read_uninit` returns `Ready(Ok(n))`, then `n <= buf.len()` and the first `n` elements of
/// `buf` have been written (they are initialised). An implementation must never write
/// uninitialised values into `buf`.
pub unsafe trait ReadUninit {
    /// Polls a read into `buf`; `Ready(Ok(0))` is end of stream (or an empty `buf`).
    ///
    /// # Errors
    /// The stream's read error.
    fn poll_read_uninit(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>>;
}

// SAFETY: `TcpStream::poll_read_uninit` documents the contract: on `Ok(n)` the kernel wrote the
// first `n` bytes of `buf` (one `recvmsg` into it), `n <= buf.len()`.
unsafe impl ReadUninit for TcpStream {
    fn poll_read_uninit(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        TcpStream::poll_read_uninit(&self, cx, buf)
    }
}

// SAFETY: as for `TcpStream`: `UnixStream::poll_read_uninit` is one `read(2)` into `buf`.
unsafe impl ReadUninit for UnixStream {
    fn poll_read_uninit(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        UnixStream::poll_read_uninit(&self, cx, buf)
    }
}

/// A weft stream as hyper's [`Read`](hyper::rt::Read) and [`Write`](hyper::rt::Write): pass a
/// [`TcpStream`] (or [`UnixStream`]) to hyper's connection builders.
///
/// Reads go straight into hyper's uninitialised read buffer (no zeroing, no extra copy, see
/// [`ReadUninit`]); writes are vectored, so hyper sends a response's head and body in one
/// `writev`. `poll_shutdown` shuts down the write direction (the peer reads end of stream).
///
/// # Examples
///
/// A hand-written HTTP/1.1 server connection and client connection over one TCP pair:
///
/// ```
/// # weft_net::__private::run(async {
/// use http_body_util::{BodyExt, Empty, Full};
/// use hyper::body::Bytes;
/// use hyper::{service::service_fn, Request, Response};
/// use weft_hyper::HyperIo;
/// use weft_net::{TcpListener, TcpStream};
///
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let addr = listener.local_addr()?;
/// weft_runtime::spawn(async move {
///     let (stream, _) = listener.accept().await.unwrap();
///     let hello = service_fn(|_req| async {
///         Ok::<_, std::convert::Infallible>(Response::new(Full::new(Bytes::from("hi"))))
///     });
///     hyper::server::conn::http1::Builder::new()
///         .serve_connection(HyperIo::new(stream), hello)
///         .await
/// });
///
/// let stream = TcpStream::connect(addr).await?;
/// let (mut sender, conn) = hyper::client::conn::http1::handshake(HyperIo::new(stream)).await.unwrap();
/// weft_runtime::spawn(conn);
/// let req = Request::get("/").header("host", "localhost").body(Empty::<Bytes>::new()).unwrap();
/// let body = sender.send_request(req).await.unwrap().into_body().collect().await.unwrap();
/// assert_eq!(body.to_bytes(), "hi");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub struct HyperIo<T> {
    inner: T,
}

impl<T> HyperIo<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> HyperIo<T> {
        HyperIo { inner }
    }

    /// The stream.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The stream, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Gives the stream back.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: fmt::Debug> fmt::Debug for HyperIo<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("HyperIo").field(&self.inner).finish()
    }
}

impl<T: ReadUninit + Unpin> hyper::rt::Read for HyperIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // SAFETY: the slice is only handed to `poll_read_uninit`, which never de-initialises
        // anything (the `ReadUninit` contract: it writes only initialised bytes).
        let unfilled = unsafe { buf.as_mut() };
        let n = ready!(Pin::new(&mut self.inner).poll_read_uninit(cx, unfilled))?;
        // SAFETY: `ReadUninit`'s contract: the first `n` bytes of `unfilled` (the cursor's
        // unfilled part) were initialised, and `n <= unfilled.len()`.
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> hyper::rt::Write for HyperIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_close(cx)
    }
}

//! `UnixListener`: a Unix stream server socket on the reactor.

use std::fmt;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_core::Stream;
use weft_io::Async;

use crate::backoff::AcceptBackoff;
use crate::unix::UnixStream;

/// A Unix stream socket that listens for connections on a path.
///
/// Accepting backs off on `EMFILE` and friends exactly as [`TcpListener`](crate::TcpListener)
/// does (see [`BACKOFF`](crate::BACKOFF)).
///
/// # Examples
///
/// ```
/// # weft_net::__private::run(async {
/// use weft_net::{UnixListener, UnixStream};
/// use weft_io::io::{AsyncReadExt, AsyncWriteExt};
///
/// let dir = std::env::temp_dir().join(format!("weft-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("listener.sock");
/// let _ = std::fs::remove_file(&path);
/// let listener = UnixListener::bind(&path)?;
/// let mut client = UnixStream::connect(&path).await?;
/// let (mut server, _) = listener.accept().await?;
/// client.write_all(b"hi").await?;
/// let mut buf = [0; 2];
/// server.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"hi");
/// std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub struct UnixListener {
    io: Async<net::UnixListener>,
    backoff: AcceptBackoff,
}

impl UnixListener {
    /// Binds a listener to `path` (synchronous: binding a Unix socket does not block).
    ///
    /// # Errors
    /// `AddrInUse` if the path exists, or another OS error.
    ///
    /// # Panics
    /// Outside a weft runtime.
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        UnixListener::from_std(net::UnixListener::bind(path)?)
    }

    /// Wraps a std listener, registering it with the current reactor (non-blocking mode).
    ///
    /// # Errors
    /// The OS error from `fcntl` or from the poller.
    ///
    /// # Panics
    /// Outside a weft runtime.
    #[track_caller]
    pub fn from_std(listener: net::UnixListener) -> io::Result<UnixListener> {
        Ok(UnixListener {
            io: Async::new(listener)?,
            backoff: AcceptBackoff::default(),
        })
    }

    /// Deregisters the listener and returns it as a std listener (still non-blocking).
    ///
    /// # Errors
    /// The poller's error from deregistering.
    pub fn into_std(self) -> io::Result<net::UnixListener> {
        self.io.into_inner()
    }

    /// Waits for a connection and returns it with the peer's address (usually unnamed).
    ///
    /// # Errors
    /// The OS error from `accept`; `EMFILE` and friends start the back-off. The listener stays
    /// usable.
    ///
    /// # Cancel safety
    /// Cancel safe: no connection is lost if the future is dropped.
    #[track_caller]
    pub fn accept(
        &self,
    ) -> impl std::future::Future<Output = io::Result<(UnixStream, SocketAddr)>> + '_ {
        weft_core::task::wait_on(weft_core::task::Resource::Accept, async move {
            let (stream, addr) = self.backoff.accept(&self.io, |l| l.accept()).await?;
            UnixStream::from_std(stream).map(|s| (s, addr))
        })
    }

    /// Polls for a connection (the poll form of [`accept`](UnixListener::accept)).
    ///
    /// # Errors
    /// As for [`accept`](UnixListener::accept).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        let (stream, addr) = ready!(self.backoff.poll_accept(&self.io, cx, |l| l.accept()))?;
        Poll::Ready(UnixStream::from_std(stream).map(|s| (s, addr)))
    }

    /// The connections as a never-ending [`Stream`] of `io::Result<UnixStream>`.
    pub fn incoming(&self) -> Incoming<'_> {
        Incoming { listener: self }
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    /// The OS error from `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Takes the pending socket error (`SO_ERROR`), if any.
    ///
    /// # Errors
    /// The OS error from `getsockopt`.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener")
            .field("local_addr", &self.local_addr().ok())
            .field("fd", &self.as_raw_fd())
            .finish()
    }
}

crate::fd::impl_fd!(UnixListener);

/// The connections of a [`UnixListener`], as a [`Stream`]; see [`UnixListener::incoming`].
#[must_use = "streams do nothing unless polled"]
pub struct Incoming<'a> {
    listener: &'a UnixListener,
}

impl Stream for Incoming<'_> {
    type Item = io::Result<UnixStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let accepted = ready!(self.listener.poll_accept(cx));
        Poll::Ready(Some(accepted.map(|(stream, _)| stream)))
    }
}

impl fmt::Debug for Incoming<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Incoming")
            .field("listener", self.listener)
            .finish()
    }
}

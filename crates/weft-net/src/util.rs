//! Helpers shared by the socket types: non-waiting I/O, descriptor access, and for the stream
//! types the futures-io impls and the split halves (written once as macros, instantiated per type).

use std::io;
use std::os::fd::AsFd;

use socket2::{SockAddr, SockRef, Socket};
use weft_io::Async;

/// Starts a non-blocking `connect(2)`; `Ok(true)` if the connection goes on in the background
/// (`EINPROGRESS`, or the call was interrupted: POSIX lets the connection go on then too).
pub(crate) fn start_connect(socket: &Socket, addr: &SockAddr) -> io::Result<bool> {
    match socket.connect(addr) {
        Ok(()) => Ok(false),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(true),
        Err(e) => Err(e),
    }
}

/// Waits for a connect started by [`start_connect`] to finish: until the socket is writable, then
/// returns the error it left in `SO_ERROR`, if any.
pub(crate) async fn finish_connect<T: AsFd>(io: &Async<T>) -> io::Result<()> {
    io.writable().await?;
    match SockRef::from(io.get_ref()).take_error()? {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Implements `AsyncRead` and `AsyncWrite` for a stream type `$t` (with a field
/// `io: Async<S>` where `&S: Write`, a `poll_read_stream(&self, cx, bufs)` method and a
/// `shutdown(Shutdown)` method) and for `&$t`.
/// `poll_close` shuts down the write half; `poll_flush` does nothing (no user-space buffer).
macro_rules! impl_stream_io {
    ($t:ty) => {
        $crate::util::impl_async_read!($t, |s| s);
        $crate::util::impl_async_read!(&$t, |s| s);
        $crate::util::impl_async_write!($t, |s| s);
        $crate::util::impl_async_write!(&$t, |s| s);
    };
}

/// `AsyncRead` for `$t`, reading from a stream: `$get` maps `$s: &$t` to the stream (anything
/// that auto-derefs to it), whose `poll_read_stream` does the work (the TCP one asks the OS whether
/// the read emptied the socket).
macro_rules! impl_async_read {
    ($t:ty, |$s:ident| $get:expr) => {
        impl futures_io::AsyncRead for $t {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $s = &*self;
                $get.poll_read_stream(cx, &mut [std::io::IoSliceMut::new(buf)])
            }

            fn poll_read_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $s = &*self;
                $get.poll_read_stream(cx, bufs)
            }
        }
    };
}

/// `AsyncWrite` for `$t`, writing to a stream's `io` field (`$get` as for `impl_async_read`).
/// `poll_flush` does nothing (no user-space buffer); `poll_close` shuts down the stream's write
/// direction.
macro_rules! impl_async_write {
    ($t:ty, |$s:ident| $get:expr) => {
        impl futures_io::AsyncWrite for $t {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $s = &*self;
                futures_io::AsyncWrite::poll_write(std::pin::Pin::new(&mut &$get.io), cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $s = &*self;
                futures_io::AsyncWrite::poll_write_vectored(
                    std::pin::Pin::new(&mut &$get.io),
                    cx,
                    bufs,
                )
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }

            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let $s = &*self;
                std::task::Poll::Ready($get.shutdown(std::net::Shutdown::Write))
            }
        }
    };
}

pub(crate) use impl_async_read;
pub(crate) use impl_async_write;
pub(crate) use impl_stream_io;

/// The readiness and non-waiting I/O methods shared by the stream types (`TcpStream`,
/// `UnixStream`): `readable`/`writable`, their poll forms, and `try_read`/`try_write` (plain and
/// vectored). Invoked inside an `impl` block of a type with a field `io: Async<S>` where
/// `&S: Read + Write`.
macro_rules! readiness_methods {
    () => {
        /// Waits until the stream is readable (data, end of stream or an error is waiting).
        /// Readiness may be spurious: follow it with [`try_read`](Self::try_read) and handle
        /// `WouldBlock`.
        ///
        /// # Errors
        /// If the runtime shut down while waiting.
        ///
        /// # Cancel safety
        /// Cancel safe.
        pub async fn readable(&self) -> std::io::Result<()> {
            self.io.readable().await
        }

        /// Waits until the stream is writable. See [`readable`](Self::readable).
        ///
        /// # Errors
        /// If the runtime shut down while waiting.
        ///
        /// # Cancel safety
        /// Cancel safe.
        pub async fn writable(&self) -> std::io::Result<()> {
            self.io.writable().await
        }

        /// Polls for read readiness (the poll form of [`readable`](Self::readable)).
        ///
        /// # Errors
        /// If the runtime shut down.
        pub fn poll_read_ready(
            &self,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            self.io.poll_readable(cx)
        }

        /// Polls for write readiness (the poll form of [`writable`](Self::writable)).
        ///
        /// # Errors
        /// If the runtime shut down.
        pub fn poll_write_ready(
            &self,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            self.io.poll_writable(cx)
        }

        /// Reads what is available now without waiting; `WouldBlock` if nothing is.
        ///
        /// A `WouldBlock` clears the stream's read readiness, so a following
        /// [`readable`](Self::readable) waits for new data instead of returning at once. It
        /// registers no waker, so other tasks waiting on the stream are not disturbed.
        ///
        /// # Errors
        /// `WouldBlock`, or the OS error from `read`.
        pub fn try_read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.io
                .try_read_with(|mut s| std::io::Read::read(&mut s, buf))
        }

        /// Like [`try_read`](Self::try_read), into several buffers.
        ///
        /// # Errors
        /// As for [`try_read`](Self::try_read).
        pub fn try_read_vectored(
            &self,
            bufs: &mut [std::io::IoSliceMut<'_>],
        ) -> std::io::Result<usize> {
            self.io
                .try_read_with(|mut s| std::io::Read::read_vectored(&mut s, bufs))
        }

        /// Writes what fits now without waiting; `WouldBlock` if nothing does. The same note as for
        /// [`try_read`](Self::try_read) applies to the write direction.
        ///
        /// # Errors
        /// `WouldBlock`, or the OS error from `write`.
        pub fn try_write(&self, buf: &[u8]) -> std::io::Result<usize> {
            self.io
                .try_write_with(|mut s| std::io::Write::write(&mut s, buf))
        }

        /// Like [`try_write`](Self::try_write), from several buffers.
        ///
        /// # Errors
        /// As for [`try_write`](Self::try_write).
        pub fn try_write_vectored(&self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
            self.io
                .try_write_with(|mut s| std::io::Write::write_vectored(&mut s, bufs))
        }
    };
}

pub(crate) use readiness_methods;

/// Defines the split halves of a stream type in the invoking module: `ReadHalf<'a>`,
/// `WriteHalf<'a>` (borrowed, from `split`), `OwnedReadHalf`, `OwnedWriteHalf` (from
/// `into_split`, reunited with `reunite`) and `ReuniteError`, plus the `split`/`into_split`
/// methods. `$addr` is the stream's address type.
macro_rules! define_halves {
    ($stream:ident, $addr:ty) => {
        /// The read half of a borrowed split; see `split`. Implements `AsyncRead`.
        #[derive(Debug)]
        pub struct ReadHalf<'a>(&'a $stream);

        /// The write half of a borrowed split; see `split`. Implements `AsyncWrite`; closing it
        /// shuts down the stream's write direction.
        #[derive(Debug)]
        pub struct WriteHalf<'a>(&'a $stream);

        /// The owned read half of a stream, from `into_split`. Implements `AsyncRead`.
        ///
        /// Put the halves back together with [`reunite`](OwnedReadHalf::reunite).
        #[derive(Debug)]
        pub struct OwnedReadHalf {
            inner: std::sync::Arc<$stream>,
        }

        /// The owned write half of a stream, from `into_split`. Implements `AsyncWrite`.
        ///
        /// Dropping it shuts down the stream's write direction (the peer reads end of stream), as
        /// does closing it; the read half goes on working.
        #[derive(Debug)]
        pub struct OwnedWriteHalf {
            inner: std::sync::Arc<$stream>,
            shutdown_on_drop: bool,
        }

        /// The two halves given to `reunite` came from different streams; they are handed back.
        #[derive(Debug)]
        pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

        impl std::fmt::Display for ReuniteError {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("tried to reunite halves that are not from the same stream")
            }
        }

        impl std::error::Error for ReuniteError {}

        impl $stream {
            /// Splits the stream into a read half and a write half that borrow it, so one task
            /// can read while another writes (for example in `weft::join!`). Costs nothing.
            ///
            /// With `AsyncReadExt` in scope, `stream.split()` on an owned stream resolves to that
            /// trait's by-value `split` (lock-shared halves); call this one as
            /// `Stream::split(&mut stream)`.
            pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
                (ReadHalf(&*self), WriteHalf(&*self))
            }

            /// Splits the stream into owned halves that can move to different tasks. Costs one
            /// allocation (the halves share an `Arc`). Dropping the write half shuts down the
            /// write direction; [`OwnedReadHalf::reunite`] gives the stream back.
            pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
                let inner = std::sync::Arc::new(self);
                (
                    OwnedReadHalf {
                        inner: inner.clone(),
                    },
                    OwnedWriteHalf {
                        inner,
                        shutdown_on_drop: true,
                    },
                )
            }
        }

        impl ReadHalf<'_> {
            /// See the stream's `peek`.
            ///
            /// # Errors
            /// The OS error.
            ///
            /// # Cancel safety
            /// Cancel safe.
            pub async fn peek(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.0.peek(buf).await
            }

            /// See the stream's `readable`.
            ///
            /// # Errors
            /// If the runtime shut down.
            ///
            /// # Cancel safety
            /// Cancel safe.
            pub async fn readable(&self) -> std::io::Result<()> {
                self.0.readable().await
            }

            /// See the stream's `try_read`.
            ///
            /// # Errors
            /// `WouldBlock` or the OS error.
            pub fn try_read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.0.try_read(buf)
            }

            /// The peer's address.
            ///
            /// # Errors
            /// The OS error.
            pub fn peer_addr(&self) -> std::io::Result<$addr> {
                self.0.peer_addr()
            }

            /// The local address.
            ///
            /// # Errors
            /// The OS error.
            pub fn local_addr(&self) -> std::io::Result<$addr> {
                self.0.local_addr()
            }
        }

        impl WriteHalf<'_> {
            /// See the stream's `writable`.
            ///
            /// # Errors
            /// If the runtime shut down.
            ///
            /// # Cancel safety
            /// Cancel safe.
            pub async fn writable(&self) -> std::io::Result<()> {
                self.0.writable().await
            }

            /// See the stream's `try_write`.
            ///
            /// # Errors
            /// `WouldBlock` or the OS error.
            pub fn try_write(&self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.try_write(buf)
            }

            /// The peer's address.
            ///
            /// # Errors
            /// The OS error.
            pub fn peer_addr(&self) -> std::io::Result<$addr> {
                self.0.peer_addr()
            }

            /// The local address.
            ///
            /// # Errors
            /// The OS error.
            pub fn local_addr(&self) -> std::io::Result<$addr> {
                self.0.local_addr()
            }
        }

        impl OwnedReadHalf {
            /// Puts the stream back together from its two halves.
            ///
            /// # Errors
            /// [`ReuniteError`] (with both halves) if they came from different streams.
            pub fn reunite(self, other: OwnedWriteHalf) -> Result<$stream, ReuniteError> {
                reunite(self, other)
            }

            /// See the stream's `peek`.
            ///
            /// # Errors
            /// The OS error.
            ///
            /// # Cancel safety
            /// Cancel safe.
            pub async fn peek(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.inner.peek(buf).await
            }

            /// See the stream's `readable`.
            ///
            /// # Errors
            /// If the runtime shut down.
            ///
            /// # Cancel safety
            /// Cancel safe.
            pub async fn readable(&self) -> std::io::Result<()> {
                self.inner.readable().await
            }

            /// See the stream's `try_read`.
            ///
            /// # Errors
            /// `WouldBlock` or the OS error.
            pub fn try_read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.inner.try_read(buf)
            }

            /// The peer's address.
            ///
            /// # Errors
            /// The OS error.
            pub fn peer_addr(&self) -> std::io::Result<$addr> {
                self.inner.peer_addr()
            }

            /// The local address.
            ///
            /// # Errors
            /// The OS error.
            pub fn local_addr(&self) -> std::io::Result<$addr> {
                self.inner.local_addr()
            }
        }

        impl OwnedWriteHalf {
            /// Puts the stream back together from its two halves.
            ///
            /// # Errors
            /// [`ReuniteError`] (with both halves) if they came from different streams.
            pub fn reunite(self, other: OwnedReadHalf) -> Result<$stream, ReuniteError> {
                reunite(other, self)
            }

            /// Drops the half without shutting down the write direction.
            pub fn forget(mut self) {
                self.shutdown_on_drop = false;
            }

            /// See the stream's `writable`.
            ///
            /// # Errors
            /// If the runtime shut down.
            ///
            /// # Cancel safety
            /// Cancel safe.
            pub async fn writable(&self) -> std::io::Result<()> {
                self.inner.writable().await
            }

            /// See the stream's `try_write`.
            ///
            /// # Errors
            /// `WouldBlock` or the OS error.
            pub fn try_write(&self, buf: &[u8]) -> std::io::Result<usize> {
                self.inner.try_write(buf)
            }

            /// The peer's address.
            ///
            /// # Errors
            /// The OS error.
            pub fn peer_addr(&self) -> std::io::Result<$addr> {
                self.inner.peer_addr()
            }

            /// The local address.
            ///
            /// # Errors
            /// The OS error.
            pub fn local_addr(&self) -> std::io::Result<$addr> {
                self.inner.local_addr()
            }
        }

        impl Drop for OwnedWriteHalf {
            fn drop(&mut self) {
                if self.shutdown_on_drop {
                    let _ = self.inner.shutdown(std::net::Shutdown::Write);
                }
            }
        }

        fn reunite(
            read: OwnedReadHalf,
            mut write: OwnedWriteHalf,
        ) -> Result<$stream, ReuniteError> {
            if !std::sync::Arc::ptr_eq(&read.inner, &write.inner) {
                return Err(ReuniteError(read, write));
            }
            write.shutdown_on_drop = false;
            let inner = write.inner.clone();
            drop(write);
            drop(read);
            Ok(std::sync::Arc::try_unwrap(inner)
                .expect("both halves were dropped, so the stream has one owner"))
        }

        $crate::util::impl_async_read!(ReadHalf<'_>, |s| s.0);
        $crate::util::impl_async_read!(OwnedReadHalf, |s| s.inner);
        $crate::util::impl_async_write!(WriteHalf<'_>, |s| s.0);
        $crate::util::impl_async_write!(OwnedWriteHalf, |s| s.inner);
    };
}

pub(crate) use define_halves;

/// `AsFd` and `AsRawFd` for a socket type `$t` with a field `io: Async<S>`: its descriptor.
macro_rules! impl_fd {
    ($t:ty) => {
        impl std::os::fd::AsFd for $t {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                std::os::fd::AsFd::as_fd(&self.io)
            }
        }

        impl std::os::fd::AsRawFd for $t {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                std::os::fd::AsRawFd::as_raw_fd(&self.io)
            }
        }
    };
}

pub(crate) use impl_fd;

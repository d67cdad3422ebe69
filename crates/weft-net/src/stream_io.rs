//! The futures-io impls of the stream types, written once.

/// Implements `AsyncRead` and `AsyncWrite` for a stream type `$t` and for `&$t`.
///
/// `$t` has a field `io: Async<S>` where `&S: Write`, a method
/// `poll_read_stream(&self, cx, bufs)` that does the reading (the TCP one asks the OS whether the
/// read emptied the socket) and a method `shutdown(Shutdown)`. `poll_flush` does nothing (there is
/// no user-space buffer); `poll_close` shuts down the stream's write direction.
macro_rules! impl_stream_io {
    ($t:ty) => {
        $crate::stream_io::impl_stream_io!(@for $t);
        $crate::stream_io::impl_stream_io!(@for &$t);
    };
    (@for $t:ty) => {
        impl futures_io::AsyncRead for $t {
            #[track_caller]
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::stream_io::read_recorded(
                    self.poll_read_stream(cx, &mut [std::io::IoSliceMut::new(buf)]),
                )
            }

            #[track_caller]
            fn poll_read_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::stream_io::read_recorded(self.poll_read_stream(cx, bufs))
            }
        }

        impl futures_io::AsyncWrite for $t {
            // Through `Async`'s impl, which records the wait at this method's caller.
            #[track_caller]
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                futures_io::AsyncWrite::poll_write(std::pin::Pin::new(&mut &self.io), cx, buf)
            }

            #[track_caller]
            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                futures_io::AsyncWrite::poll_write_vectored(
                    std::pin::Pin::new(&mut &self.io),
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
                std::task::Poll::Ready(self.shutdown(std::net::Shutdown::Write))
            }
        }
    };
}

pub(crate) use impl_stream_io;

/// `out`, after recording in the running task that it waits on a read at the caller's line if
/// `out` is `Pending` (the line that polls the stream: an extension future's own when driven by
/// `AsyncReadExt::read` and the like).
#[track_caller]
#[inline]
pub(crate) fn read_recorded<T>(out: std::task::Poll<T>) -> std::task::Poll<T> {
    if out.is_pending() {
        weft_core::task::record_wait(
            weft_core::task::Resource::Read,
            std::panic::Location::caller(),
        );
    }
    out
}

/// The waiting read and write methods of the stream types (`read`, `read_exact`, `write`,
/// `write_all`), written once. They do what the `AsyncReadExt`/`AsyncWriteExt` methods of the
/// same names do (inherent methods are found first, so `stream.read(&mut buf).await` calls these
/// whichever extension traits are in scope), and in addition a task waiting in one of them shows
/// in task dumps (`Handle::dump`) as waiting on a read or write at the line that awaits it,
/// where the extension traits' futures can only show a line inside themselves.
///
/// Invoked inside an `impl` block of a type with `poll_read_stream(&self, cx, bufs)` and a field
/// `io: Async<S>` where `&Async<S>: AsyncWrite`. `$example` is a doc-test body that makes a
/// connected pair `(a, b)` of the type.
macro_rules! waiting_io_methods {
    ($example:literal) => {
        /// Reads into `buf`, waiting until data, the end of the stream or an error is there.
        /// Returns how many bytes were read; 0 means end of stream (or an empty `buf`).
        ///
        /// The same as `AsyncReadExt::read`, except that a task waiting here is listed in task
        /// dumps as waiting on a read at the line that awaits this call.
        ///
        /// # Errors
        /// The OS error from the read, or a [`ShutdownError`](weft_core::ShutdownError) if the
        /// runtime shut down while waiting.
        ///
        /// # Cancel safety
        /// Cancel safe: no data is taken from the stream unless the call returns it.
        ///
        /// # Examples
        ///
        #[doc = $example]
        #[track_caller]
        pub fn read<'a>(
            &'a self,
            buf: &'a mut [u8],
        ) -> impl std::future::Future<Output = std::io::Result<usize>> + 'a {
            let site = weft_core::task::WaitSite::caller(weft_core::task::Resource::Read);
            std::future::poll_fn(move |cx| {
                let out = self.poll_read_stream(cx, &mut [std::io::IoSliceMut::new(buf)]);
                if out.is_pending() {
                    site.record();
                }
                out
            })
        }

        /// Reads exactly `buf.len()` bytes, waiting as long as it takes.
        ///
        /// The same as `AsyncReadExt::read_exact` (task dumps show the awaiting line, as
        /// [`read`](Self::read)).
        ///
        /// # Errors
        /// `UnexpectedEof` if the stream ends first (what was read is in `buf`'s start), the
        /// OS error from a read, or a [`ShutdownError`](weft_core::ShutdownError).
        ///
        /// # Cancel safety
        /// Not cancel safe: bytes read before the cancellation are in `buf` but the caller
        /// cannot know how many. Read with [`read`](Self::read) in a `select!` loop instead.
        #[track_caller]
        pub fn read_exact<'a>(
            &'a self,
            buf: &'a mut [u8],
        ) -> impl std::future::Future<Output = std::io::Result<()>> + 'a {
            let site = weft_core::task::WaitSite::caller(weft_core::task::Resource::Read);
            let mut filled = 0;
            std::future::poll_fn(move |cx| {
                while filled < buf.len() {
                    let rest = std::io::IoSliceMut::new(&mut buf[filled..]);
                    match self.poll_read_stream(cx, &mut [rest]) {
                        std::task::Poll::Ready(Ok(0)) => {
                            return std::task::Poll::Ready(Err(
                                std::io::ErrorKind::UnexpectedEof.into()
                            ));
                        }
                        std::task::Poll::Ready(Ok(n)) => filled += n,
                        std::task::Poll::Ready(Err(e)) => return std::task::Poll::Ready(Err(e)),
                        std::task::Poll::Pending => {
                            site.record();
                            return std::task::Poll::Pending;
                        }
                    }
                }
                std::task::Poll::Ready(Ok(()))
            })
        }

        /// Writes some of `buf`, waiting until the socket takes at least one byte. Returns how
        /// many bytes were written.
        ///
        /// The same as `AsyncWriteExt::write` (task dumps show the awaiting line, as
        /// [`read`](Self::read)).
        ///
        /// # Errors
        /// The OS error from the write, or a [`ShutdownError`](weft_core::ShutdownError).
        ///
        /// # Cancel safety
        /// Cancel safe: nothing was written unless the call returns a count.
        #[track_caller]
        pub fn write<'a>(
            &'a self,
            buf: &'a [u8],
        ) -> impl std::future::Future<Output = std::io::Result<usize>> + 'a {
            let site = weft_core::task::WaitSite::caller(weft_core::task::Resource::Write);
            std::future::poll_fn(move |cx| {
                let out =
                    futures_io::AsyncWrite::poll_write(std::pin::Pin::new(&mut &self.io), cx, buf);
                if out.is_pending() {
                    site.record();
                }
                out
            })
        }

        /// Writes all of `buf`, waiting as long as the socket needs.
        ///
        /// The same as `AsyncWriteExt::write_all` (task dumps show the awaiting line, as
        /// [`read`](Self::read)).
        ///
        /// # Errors
        /// `WriteZero` if the socket takes no byte, the OS error from a write, or a
        /// [`ShutdownError`](weft_core::ShutdownError).
        ///
        /// # Cancel safety
        /// Not cancel safe: part of `buf` may have been written, and the caller cannot know how
        /// much.
        #[track_caller]
        pub fn write_all<'a>(
            &'a self,
            buf: &'a [u8],
        ) -> impl std::future::Future<Output = std::io::Result<()>> + 'a {
            let site = weft_core::task::WaitSite::caller(weft_core::task::Resource::Write);
            let mut written = 0;
            std::future::poll_fn(move |cx| {
                while written < buf.len() {
                    let out = futures_io::AsyncWrite::poll_write(
                        std::pin::Pin::new(&mut &self.io),
                        cx,
                        &buf[written..],
                    );
                    match out {
                        std::task::Poll::Ready(Ok(0)) => {
                            return std::task::Poll::Ready(Err(
                                std::io::ErrorKind::WriteZero.into()
                            ));
                        }
                        std::task::Poll::Ready(Ok(n)) => written += n,
                        std::task::Poll::Ready(Err(e)) => return std::task::Poll::Ready(Err(e)),
                        std::task::Poll::Pending => {
                            site.record();
                            return std::task::Poll::Pending;
                        }
                    }
                }
                std::task::Poll::Ready(Ok(()))
            })
        }
    };
}

pub(crate) use waiting_io_methods;

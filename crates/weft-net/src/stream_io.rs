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

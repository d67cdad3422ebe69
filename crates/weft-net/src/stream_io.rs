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
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.poll_read_stream(cx, &mut [std::io::IoSliceMut::new(buf)])
            }

            fn poll_read_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.poll_read_stream(cx, bufs)
            }
        }

        impl futures_io::AsyncWrite for $t {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                futures_io::AsyncWrite::poll_write(std::pin::Pin::new(&mut &self.io), cx, buf)
            }

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

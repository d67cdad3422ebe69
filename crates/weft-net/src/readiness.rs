//! The readiness and non-waiting I/O methods of the stream types, written once.

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
        /// A [`ShutdownError`](weft_core::ShutdownError) if the runtime shut down while waiting.
        ///
        /// # Cancel safety
        /// Cancel safe.
        #[track_caller]
        pub fn readable(&self) -> impl std::future::Future<Output = std::io::Result<()>> + '_ {
            self.io.readable()
        }

        /// Waits until the stream is writable. See [`readable`](Self::readable).
        ///
        /// # Errors
        /// A [`ShutdownError`](weft_core::ShutdownError) if the runtime shut down while waiting.
        ///
        /// # Cancel safety
        /// Cancel safe.
        #[track_caller]
        pub fn writable(&self) -> impl std::future::Future<Output = std::io::Result<()>> + '_ {
            self.io.writable()
        }

        /// Polls for read readiness (the poll form of [`readable`](Self::readable)).
        ///
        /// # Errors
        /// A [`ShutdownError`](weft_core::ShutdownError) if the runtime shut down.
        pub fn poll_read_ready(
            &self,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            self.io.poll_readable(cx)
        }

        /// Polls for write readiness (the poll form of [`writable`](Self::writable)).
        ///
        /// # Errors
        /// A [`ShutdownError`](weft_core::ShutdownError) if the runtime shut down.
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

//! The process's standard streams: [`stdin`], [`stdout`], [`stderr`].
//!
//! Each handle picks one of two paths when it is made:
//!
//! - **Reactor**: when the descriptor is a pipe, a FIFO or a terminal, the handle opens a second
//!   file description of the same object (`/proc/self/fd/N`) in non-blocking mode and registers
//!   it with the reactor. Reads and writes then cost no thread hop. The process's own descriptor
//!   0, 1 or 2 stays as it was (blocking): setting `O_NONBLOCK` on it would change it for the
//!   shell and every other process sharing it.
//! - **Blocking pool**: anything else (a regular file redirected to stdin, `/dev/null`, a socket,
//!   no `/proc`, no runtime when the handle is made) goes through std's handle, one operation at a
//!   time on the blocking pool.

mod pool;
mod reopen;

use std::fmt;
use std::fs::File;
use std::io;
use std::os::fd::AsFd;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use crate::io::Async;
use pool::Pooled;

/// How a handle reaches its descriptor.
enum Path<T> {
    Reactor(Async<File>),
    Pool(Pooled<T>),
}

impl<T: AsFd + Send + 'static> Path<T> {
    /// A reactor path for a non-blocking reopening of `std_handle`'s descriptor, else the pool
    /// path over `std_handle`.
    fn choose(std_handle: T, write: bool) -> Path<T> {
        let reactor = crate::Handle::try_current().and_then(|handle| {
            let file = reopen::nonblocking(std_handle.as_fd(), write)?;
            Async::with_handle(file, &handle).ok()
        });
        match reactor {
            Some(io) => Path::Reactor(io),
            None => Path::Pool(Pooled::new(std_handle)),
        }
    }
}

impl<T> Path<T> {
    fn name(&self) -> &'static str {
        match self {
            Path::Reactor(_) => "reactor",
            Path::Pool(_) => "blocking pool",
        }
    }
}

/// The process's standard input, for async reads: made by [`stdin`].
///
/// Implements [`AsyncRead`]; wrap it in `BufReader` for `lines()` / `read_line`. See [`stdin`].
pub struct Stdin {
    path: Path<io::Stdin>,
}

/// The process's standard output, for async writes: made by [`stdout`].
///
/// Implements [`AsyncWrite`]. See [`stdout`].
pub struct Stdout {
    path: Path<io::Stdout>,
}

/// The process's standard error, for async writes: made by [`stderr`].
///
/// Implements [`AsyncWrite`]. See [`stdout`].
pub struct Stderr {
    path: Path<io::Stderr>,
}

/// A handle to the process's standard input, for async reads: asyncio's `connect_read_pipe` on
/// `sys.stdin`.
///
/// When stdin is a pipe, a FIFO or a terminal, reads go through the reactor (a second,
/// non-blocking file description of the same pipe or terminal: the process's descriptor 0 is left
/// blocking, as other processes may share it). Otherwise (a regular file redirected with
/// `< file`, `/dev/null`, a socket, no runtime at hand) each read runs on the blocking pool, one at
/// a time; the `Debug` output says which.
///
/// Each call makes a new handle. Read through one handle at a time: on the pool path a handle
/// may hold data it read but has not handed out yet, which is lost if the handle is dropped, and
/// data that std's own `std::io::stdin()` buffered is not seen by the reactor path.
///
/// # Examples
///
/// Echo each line of input in upper case (the loop ends at end of input):
///
/// ```no_run
/// use futures_util::StreamExt;
/// use weft_io::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
///
/// # weft_io::__private::run(async {
/// let mut lines = BufReader::new(weft_io::io::stdin()).lines();
/// let mut out = weft_io::io::stdout();
/// while let Some(line) = lines.next().await {
///     out.write_all(line?.to_uppercase().as_bytes()).await?;
///     out.write_all(b"\n").await?;
/// }
/// out.flush().await
/// # })?;
/// # std::io::Result::Ok(())
/// ```
///
/// # Cancel safety
///
/// Reads are cancel safe: on the pool path a read that is dropped while its trip runs leaves the
/// data in the handle, and the next read returns it.
///
/// # Panics
///
/// On the pool path, a read outside a weft runtime panics (it needs the blocking pool). A read in
/// progress on the pool path cannot be interrupted: a runtime shut down meanwhile waits for it
/// (until a line arrives or stdin closes) unless it is shut down with a timeout.
pub fn stdin() -> Stdin {
    Stdin {
        path: Path::choose(io::stdin(), false),
    }
}

/// A handle to the process's standard output, for async writes.
///
/// The same two paths as [`stdin`]: the reactor for a pipe, a FIFO or a terminal; the blocking
/// pool otherwise (for example when output is redirected to a regular file, where the file's
/// shared offset must be used). On the pool path a `write` returns as soon as its bytes are
/// copied and their trip started (an error from that trip comes back from the next `write` or
/// `flush`): call [`flush`](futures_util::io::AsyncWriteExt::flush) before exiting to know the data
/// reached the OS. On the reactor path a `write` returns once the OS took the bytes.
///
/// Writes bypass std's line buffer: text printed with `print!` and not yet flushed may appear
/// after text written here later (`println!` flushes at each newline).
///
/// # Examples
///
/// ```
/// use weft_io::io::AsyncWriteExt;
///
/// # weft_io::__private::run(async {
/// let mut out = weft_io::io::stdout();
/// out.write_all(b"hello from weft\n").await?;
/// out.flush().await
/// # })?;
/// # std::io::Result::Ok(())
/// ```
///
/// # Cancel safety
///
/// A `write` either took its bytes (and returned how many) or took none; `write_all` is not
/// cancel safe (as for any writer: a dropped `write_all` may have written a prefix).
pub fn stdout() -> Stdout {
    Stdout {
        path: Path::choose(io::stdout(), true),
    }
}

/// A handle to the process's standard error, for async writes; as [`stdout`].
///
/// # Examples
///
/// ```
/// use weft_io::io::AsyncWriteExt;
///
/// # weft_io::__private::run(async {
/// let mut err = weft_io::io::stderr();
/// err.write_all(b"a warning\n").await?;
/// err.flush().await
/// # })?;
/// # std::io::Result::Ok(())
/// ```
pub fn stderr() -> Stderr {
    Stderr {
        path: Path::choose(io::stderr(), true),
    }
}

impl AsyncRead for Stdin {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().path {
            Path::Reactor(io) => Pin::new(io).poll_read(cx, buf),
            Path::Pool(pool) => pool.poll_read(cx, buf),
        }
    }
}

/// `AsyncWrite` for an output handle type with a `path: Path<_>` field.
macro_rules! impl_output {
    ($t:ty) => {
        impl AsyncWrite for $t {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                match &mut self.get_mut().path {
                    Path::Reactor(io) => Pin::new(io).poll_write(cx, buf),
                    Path::Pool(pool) => pool.poll_write(cx, buf),
                }
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                match &mut self.get_mut().path {
                    Path::Reactor(io) => Pin::new(io).poll_flush(cx),
                    Path::Pool(pool) => pool.poll_flush(cx),
                }
            }

            /// Flushes; the descriptor stays open (it belongs to the process).
            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.poll_flush(cx)
            }
        }
    };
}

impl_output!(Stdout);
impl_output!(Stderr);

impl fmt::Debug for Stdin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stdin")
            .field("via", &self.path.name())
            .finish()
    }
}

impl fmt::Debug for Stdout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stdout")
            .field("via", &self.path.name())
            .finish()
    }
}

impl fmt::Debug for Stderr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stderr")
            .field("via", &self.path.name())
            .finish()
    }
}

//! `duplex`: an in-memory, bounded, bidirectional byte pipe.

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

use futures_io::{AsyncRead, AsyncWrite};
use weft_core::coop;

use weft_core::loom::sync::{Arc, Mutex, MutexGuard};

/// Makes a connected pair of in-memory streams: bytes written to one are read from the other, in
/// both directions, each direction buffering at most `max_buf_size` bytes (a writer that finds the
/// buffer full waits for the reader). A socket pair without the OS, for tests and for plugging
/// two halves of a program together.
///
/// Closing one end (`close`) ends the stream the other end reads, once it has read what was
/// written; that end can still write back. Dropping one end does that and also makes the other
/// end's writes fail with `BrokenPipe`.
///
/// It works under any executor: it needs no reactor.
///
/// # Examples
///
/// ```
/// use weft_io::io::{duplex, AsyncReadExt, AsyncWriteExt};
///
/// # futures_executor::block_on(async {
/// let (mut client, mut server) = duplex(64);
/// client.write_all(b"ping").await?;
/// let mut buf = [0; 4];
/// server.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"ping");
///
/// server.write_all(b"pong").await?;
/// drop(server);
/// let mut rest = Vec::new();
/// client.read_to_end(&mut rest).await?; // "pong", then end of stream
/// assert_eq!(rest, b"pong");
/// assert_eq!(
///     client.write_all(b"anyone?").await.unwrap_err().kind(),
///     std::io::ErrorKind::BrokenPipe
/// );
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
///
/// # Panics
///
/// If `max_buf_size` is 0 (no byte could ever pass): give at least 1.
pub fn duplex(max_buf_size: usize) -> (DuplexStream, DuplexStream) {
    assert!(
        max_buf_size > 0,
        "duplex(0): a pipe that buffers 0 bytes can never pass one; give at least 1"
    );
    let one = Arc::new(Mutex::new(Pipe::new(max_buf_size)));
    let two = Arc::new(Mutex::new(Pipe::new(max_buf_size)));
    (
        DuplexStream {
            read: one.clone(),
            write: two.clone(),
        },
        DuplexStream {
            read: two,
            write: one,
        },
    )
}

/// One end of an in-memory pipe made by [`duplex`]; implements [`AsyncRead`] and [`AsyncWrite`].
pub struct DuplexStream {
    /// The pipe this end reads from (the other end writes into it).
    read: Arc<Mutex<Pipe>>,
    /// The pipe this end writes into.
    write: Arc<Mutex<Pipe>>,
}

/// One direction: a bounded byte queue with one reader and one writer.
struct Pipe {
    buf: VecDeque<u8>,
    max: usize,
    /// The writer closed or dropped its end: the reader sees end of stream once `buf` is empty.
    write_closed: bool,
    /// The reader dropped its end: writes fail.
    read_closed: bool,
    /// The reader waiting for bytes. One slot is enough: only the `DuplexStream` at the reading
    /// end reads this pipe, and `AsyncRead` is implemented for `DuplexStream` itself (reads take
    /// `Pin<&mut Self>`, not `&self`), so at most one task waits here.
    read_waker: Option<Waker>,
    /// The writer waiting for room; one slot, for the same reason (one writing end, `&mut`).
    write_waker: Option<Waker>,
}

impl Pipe {
    fn new(max: usize) -> Pipe {
        Pipe {
            buf: VecDeque::new(),
            max,
            write_closed: false,
            read_closed: false,
            read_waker: None,
            write_waker: None,
        }
    }
}

/// Locks a pipe (the critical sections only move bytes and wakers; wakers are called after the
/// lock is released).
fn lock(pipe: &Mutex<Pipe>) -> MutexGuard<'_, Pipe> {
    pipe.lock()
}

impl AsyncRead for DuplexStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        dst: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if dst.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let coop = ready!(coop::poll_proceed(cx));
        let mut pipe = lock(&self.read);
        if pipe.buf.is_empty() {
            if pipe.write_closed {
                coop.made_progress();
                return Poll::Ready(Ok(0));
            }
            pipe.read_waker = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let n = dst.len().min(pipe.buf.len());
        let (front, back) = pipe.buf.as_slices();
        let from_front = n.min(front.len());
        dst[..from_front].copy_from_slice(&front[..from_front]);
        dst[from_front..n].copy_from_slice(&back[..n - from_front]);
        pipe.buf.drain(..n);
        let writer = pipe.write_waker.take();
        drop(pipe);
        coop.made_progress();
        if let Some(w) = writer {
            w.wake();
        }
        Poll::Ready(Ok(n))
    }
}

impl AsyncWrite for DuplexStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        let coop = ready!(coop::poll_proceed(cx));
        let mut pipe = lock(&self.write);
        if pipe.read_closed {
            coop.made_progress();
            return Poll::Ready(Err(broken_pipe()));
        }
        if pipe.write_closed {
            coop.made_progress();
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "write after close on a DuplexStream",
            )));
        }
        if src.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let room = pipe.max - pipe.buf.len();
        if room == 0 {
            pipe.write_waker = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let n = room.min(src.len());
        pipe.buf.extend(&src[..n]);
        let reader = pipe.read_waker.take();
        drop(pipe);
        coop.made_progress();
        if let Some(w) = reader {
            w.wake();
        }
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Ends the stream the other end reads (after the bytes already written).
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        close_write(&self.write);
        Poll::Ready(Ok(()))
    }
}

/// Marks `pipe`'s writer gone and wakes its reader.
fn close_write(pipe: &Mutex<Pipe>) {
    let mut p = lock(pipe);
    p.write_closed = true;
    let reader = p.read_waker.take();
    drop(p);
    if let Some(w) = reader {
        w.wake();
    }
}

fn broken_pipe() -> io::Error {
    io::Error::new(
        io::ErrorKind::BrokenPipe,
        "the other end of the DuplexStream was dropped",
    )
}

impl Drop for DuplexStream {
    fn drop(&mut self) {
        close_write(&self.write);
        let mut p = lock(&self.read);
        p.read_closed = true;
        let writer = p.write_waker.take();
        drop(p);
        if let Some(w) = writer {
            w.wake();
        }
    }
}

impl fmt::Debug for DuplexStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let readable = lock(&self.read).buf.len();
        let written = lock(&self.write).buf.len();
        f.debug_struct("DuplexStream")
            .field("readable", &readable)
            .field("unread_by_peer", &written)
            .finish()
    }
}

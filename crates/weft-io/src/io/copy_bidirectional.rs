//! `copy_bidirectional`: a proxy's inner loop, both directions in one future.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

/// The buffer size of each direction of [`copy_bidirectional`]: large enough that a busy
/// direction moves its data in few read and write calls, small enough that a proxy holding many
/// connections pays a bounded 128 KiB per connection. docs/architecture.md ("Measurements behind
/// the constants") has the runs against tokio's sizes.
pub const COPY_BUF_SIZE: usize = 64 * 1024;

/// Copies data both ways between `a` and `b` until both directions reach end of stream, and
/// returns the bytes copied `(a to b, b to a)`: the inner loop of a TCP proxy.
///
/// When one side's reads end, the other side's write direction is closed (`close`, which shuts
/// a socket's write half down) so the peer sees end of stream too, and the other direction goes
/// on until it ends as well. Each direction has its own buffer of [`COPY_BUF_SIZE`] bytes (see
/// [`copy_bidirectional_with_sizes`] to choose them); writes are flushed whenever the reader has
/// nothing more for now.
///
/// # Examples
///
/// ```
/// use weft_io::io::{copy_bidirectional, duplex, AsyncReadExt, AsyncWriteExt};
///
/// # futures_executor::block_on(async {
/// // client <-> (proxy_front .. proxy_back) <-> server
/// let (mut client, mut proxy_front) = duplex(1024);
/// let (mut proxy_back, mut server) = duplex(1024);
/// let proxy = copy_bidirectional(&mut proxy_front, &mut proxy_back);
/// let peers = async {
///     client.write_all(b"request").await?;
///     client.close().await?; // the proxy passes the end of stream on
///     let mut req = Vec::new();
///     server.read_to_end(&mut req).await?;
///     server.write_all(b"response!").await?;
///     server.close().await?;
///     let mut resp = Vec::new();
///     client.read_to_end(&mut resp).await?;
///     std::io::Result::Ok((req, resp))
/// };
/// let (copied, got) = futures_util::join!(proxy, peers);
/// let (req, resp) = got?;
/// assert_eq!((req.as_slice(), resp.as_slice()), (&b"request"[..], &b"response!"[..]));
/// assert_eq!(copied?, (7, 9));
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
///
/// # Errors
///
/// The first read, write, flush or close error of either direction; the copying stops there.
/// A write that takes 0 bytes is a `WriteZero` error.
///
/// # Cancel safety
///
/// Not cancel safe: data read from one side and not yet written to the other is lost when the
/// future is dropped.
pub async fn copy_bidirectional<A, B>(a: &mut A, b: &mut B) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    copy_bidirectional_with_sizes(a, b, COPY_BUF_SIZE, COPY_BUF_SIZE).await
}

/// [`copy_bidirectional`] with a buffer of `a_to_b` bytes for the direction from `a` to `b` and
/// `b_to_a` bytes for the other.
///
/// # Errors
///
/// As for [`copy_bidirectional`].
///
/// # Panics
///
/// If a buffer size is 0 (nothing could ever be copied): pass at least 1.
///
/// # Cancel safety
///
/// Not cancel safe, as [`copy_bidirectional`].
pub async fn copy_bidirectional_with_sizes<A, B>(
    a: &mut A,
    b: &mut B,
    a_to_b: usize,
    b_to_a: usize,
) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    assert!(
        a_to_b > 0 && b_to_a > 0,
        "copy_bidirectional_with_sizes: a buffer size of 0 copies nothing; pass at least 1"
    );
    CopyBidirectional {
        a,
        b,
        a_to_b: Direction::Copying(CopyBuffer::new(a_to_b)),
        b_to_a: Direction::Copying(CopyBuffer::new(b_to_a)),
    }
    .await
}

/// One direction of the copy.
enum Direction {
    /// Copying; the buffer carries the state.
    Copying(CopyBuffer),
    /// The reader ended and everything is written: close the writer.
    Closing(u64),
    /// Finished, with the bytes copied.
    Done(u64),
}

/// A buffer between one reader and one writer.
struct CopyBuffer {
    buf: Box<[u8]>,
    /// `buf[pos..cap]` is read and not yet written.
    pos: usize,
    cap: usize,
    /// Bytes written so far.
    amount: u64,
    read_done: bool,
    /// Something was written since the last flush.
    need_flush: bool,
}

impl CopyBuffer {
    fn new(size: usize) -> CopyBuffer {
        CopyBuffer {
            buf: vec![0; size].into_boxed_slice(),
            pos: 0,
            cap: 0,
            amount: 0,
            read_done: false,
            need_flush: false,
        }
    }

    /// Copies until the reader ends and everything is written and flushed; returns the amount.
    fn poll_copy<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        mut reader: Pin<&mut R>,
        mut writer: Pin<&mut W>,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + ?Sized,
        W: AsyncWrite + ?Sized,
    {
        loop {
            if self.pos == self.cap && !self.read_done {
                match reader.as_mut().poll_read(cx, &mut self.buf) {
                    Poll::Ready(Ok(0)) => self.read_done = true,
                    Poll::Ready(Ok(n)) => {
                        self.pos = 0;
                        self.cap = n;
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => {
                        // Nothing more to read for now: push out what was written (a buffered
                        // writer would otherwise sit on it while the reader waits).
                        if self.need_flush {
                            ready!(writer.as_mut().poll_flush(cx))?;
                            self.need_flush = false;
                        }
                        return Poll::Pending;
                    }
                }
            }
            while self.pos < self.cap {
                let n = ready!(writer
                    .as_mut()
                    .poll_write(cx, &self.buf[self.pos..self.cap]))?;
                if n == 0 {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "copy_bidirectional: the writer accepted 0 bytes",
                    )));
                }
                self.pos += n;
                self.amount += n as u64;
                self.need_flush = true;
            }
            if self.read_done {
                ready!(writer.as_mut().poll_flush(cx))?;
                return Poll::Ready(Ok(self.amount));
            }
        }
    }
}

/// Polls one direction from `reader` to `writer`; `Ready` once it is `Done`.
fn poll_direction<R, W>(
    state: &mut Direction,
    cx: &mut Context<'_>,
    reader: &mut R,
    writer: &mut W,
) -> Poll<io::Result<u64>>
where
    R: AsyncRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    loop {
        match state {
            Direction::Copying(buf) => {
                let amount =
                    ready!(buf.poll_copy(cx, Pin::new(&mut *reader), Pin::new(&mut *writer)))?;
                *state = Direction::Closing(amount);
            }
            Direction::Closing(amount) => {
                let amount = *amount;
                ready!(Pin::new(&mut *writer).poll_close(cx))?;
                *state = Direction::Done(amount);
            }
            Direction::Done(amount) => return Poll::Ready(Ok(*amount)),
        }
    }
}

/// The future of [`copy_bidirectional_with_sizes`].
struct CopyBidirectional<'a, A: ?Sized, B: ?Sized> {
    a: &'a mut A,
    b: &'a mut B,
    a_to_b: Direction,
    b_to_a: Direction,
}

impl<A, B> Future for CopyBidirectional<'_, A, B>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    type Output = io::Result<(u64, u64)>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let a_to_b = poll_direction(&mut this.a_to_b, cx, &mut *this.a, &mut *this.b)?;
        let b_to_a = poll_direction(&mut this.b_to_a, cx, &mut *this.b, &mut *this.a)?;
        match (a_to_b, b_to_a) {
            (Poll::Ready(there), Poll::Ready(back)) => Poll::Ready(Ok((there, back))),
            _ => Poll::Pending,
        }
    }
}

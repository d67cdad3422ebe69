//! The futures-io traits for [`File`]: the buffer logic around the one operation in flight.

use std::io::{self, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_io::{AsyncRead, AsyncSeek, AsyncWrite};

use super::direct::{self, Direct};
use super::{
    File, OpKind, Outcome, State, DIRECT_FILL, DIRECT_MAX, DIRECT_MIN, MAX_BUF, WRITE_THRESHOLD,
};
use crate::blocking::{self, with_budget};

impl File {
    /// Waits for the operation in flight and writes out every buffered byte; then reports a
    /// pending write error, if any.
    pub(super) fn poll_flush_inner(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            if let State::Busy(..) = self.state {
                ready!(self.poll_complete(cx));
                continue;
            }
            if !self.wbuf.is_empty() {
                self.spawn_write();
                continue;
            }
            return Poll::Ready(match self.err.take() {
                Some(e) => Err(e),
                None => Ok(()),
            });
        }
    }
}

/// Reads from the read-ahead buffer; with nothing buffered, from the page cache without the pool
/// where it can (see [`File`]); else fills the buffer with one pool trip of at least `buf.len()`
/// bytes (buffered writes are written out first). On a sequential run of pool trips the next
/// trip is started while the current buffer is being read.
///
/// # Cancel safety
/// Cancel safe: bytes read by an abandoned trip stay buffered for the next read.
impl AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        with_budget(cx, |cx| me.poll_read_inner(cx, buf))
    }
}

impl File {
    /// Fills the (empty) read-ahead buffer from the page cache with up to [`DIRECT_FILL`]
    /// bytes, without the pool.
    fn fill_direct(&mut self) -> Direct {
        debug_assert_eq!(self.rbuf.unread(), 0);
        let mut storage = self.rbuf.take_storage();
        if storage.len() < DIRECT_FILL {
            storage.resize(DIRECT_FILL, 0);
        }
        let got = direct::try_read(&self.shared.file, &mut storage[..DIRECT_FILL]);
        let n = match got {
            Direct::Read(n) => n,
            _ => 0,
        };
        // With `n == 0` this only hands the storage back.
        self.rbuf.land(storage, n);
        got
    }

    fn poll_read_inner(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let me = self;
        loop {
            // Buffered bytes are served even while the next trip (a prefetch) is in flight;
            // any other operation in flight may invalidate them, so it is completed first.
            let read_or_idle = matches!(me.state, State::Idle | State::Busy(_, OpKind::Read));
            if me.rbuf.unread() > 0 && read_or_idle {
                let n = me.rbuf.copy_to(buf);
                me.maybe_prefetch();
                return Poll::Ready(Ok(n));
            }
            if let State::Busy(..) = me.state {
                match ready!(me.poll_complete(cx)) {
                    Outcome::Read(Err(e)) => return Poll::Ready(Err(e)),
                    Outcome::Read(Ok(0)) if me.rbuf.unread() == 0 => return Poll::Ready(Ok(0)),
                    _ => continue,
                }
            }
            if buf.is_empty() {
                return Poll::Ready(Ok(0));
            }
            if !me.wbuf.is_empty() {
                me.spawn_write();
                continue;
            }
            // Idle, nothing buffered: the OS cursor is the logical position. What the page cache
            // holds is read without the pool: a large read straight into `buf` (one copy), a
            // small one into the read-ahead buffer (served from there by the next turn).
            if me.direct && blocking::in_runtime() {
                let got = if buf.len() >= DIRECT_MIN {
                    let len = buf.len().min(DIRECT_MAX);
                    match direct::try_read(&me.shared.file, &mut buf[..len]) {
                        Direct::Read(n) => return Poll::Ready(Ok(n)),
                        other => other,
                    }
                } else {
                    me.fill_direct()
                };
                match got {
                    Direct::Read(_) => continue,
                    Direct::WouldBlock => {}
                    Direct::Unsupported => me.direct = false,
                }
            }
            me.spawn_read(buf.len());
        }
    }
}

/// Writes go to the write buffer and return at once; see [`File`] for when they reach the OS.
///
/// # Cancel safety
/// Cancel safe: a `write` that returned `Ready` has taken its bytes, and a pending one has taken
/// none.
impl AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        with_budget(cx, |cx| me.poll_write_inner(cx, src))
    }

    /// Completes when every byte written before has reached the OS.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        with_budget(cx, |cx| me.poll_flush_inner(cx))
    }

    /// Flushes. The file descriptor stays open until the `File` is dropped.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        with_budget(cx, |cx| me.poll_flush_inner(cx))
    }
}

impl File {
    fn poll_write_inner(&mut self, cx: &mut Context<'_>, src: &[u8]) -> Poll<io::Result<usize>> {
        let me = self;
        loop {
            if let Some(e) = me.err.take() {
                return Poll::Ready(Err(e));
            }
            if src.is_empty() {
                return Poll::Ready(Ok(0));
            }
            match me.state {
                State::Busy(_, OpKind::Write) => {
                    // A write is in flight: keep filling the other buffer while there is room.
                    if me.poll_complete(cx).is_ready() {
                        continue;
                    }
                    let room = MAX_BUF.saturating_sub(me.wbuf.len());
                    if room == 0 {
                        // The waker is registered with the job in flight.
                        return Poll::Pending;
                    }
                    let n = room.min(src.len());
                    me.wbuf.extend_from_slice(&src[..n]);
                    return Poll::Ready(Ok(n));
                }
                State::Busy(..) => {
                    ready!(me.poll_complete(cx));
                }
                State::Idle => {
                    if me.wbuf.len() >= WRITE_THRESHOLD {
                        me.spawn_write();
                        continue;
                    }
                    let unread = me.rbuf.unread();
                    if unread > 0 {
                        // Invariant: read-ahead and buffered writes never coexist.
                        debug_assert!(me.wbuf.is_empty());
                        me.wrewind = -(unread as i64);
                        me.rbuf.clear();
                    }
                    me.reset_readahead();
                    let n = (MAX_BUF - me.wbuf.len()).min(src.len());
                    me.wbuf.extend_from_slice(&src[..n]);
                    if me.wbuf.len() >= WRITE_THRESHOLD {
                        me.spawn_write();
                    }
                    return Poll::Ready(Ok(n));
                }
            }
        }
    }
}

/// Seeks on the pool after writing out buffered bytes, accounting for unread read-ahead, so the
/// result is what [`std::fs::File`] would return at the same logical position.
///
/// # Cancel safety
/// Not cancel safe: an abandoned seek may still take effect. A later `seek` to the *same*
/// `SeekFrom` while the abandoned one is in flight takes over its result rather than seeking
/// twice.
impl AsyncSeek for File {
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        let me = self.get_mut();
        with_budget(cx, |cx| me.poll_seek_inner(cx, pos))
    }
}

impl File {
    fn poll_seek_inner(&mut self, cx: &mut Context<'_>, pos: SeekFrom) -> Poll<io::Result<u64>> {
        let me = self;
        loop {
            if let State::Busy(..) = me.state {
                match ready!(me.poll_complete(cx)) {
                    Outcome::Seek(p, res) if p == pos => return Poll::Ready(res),
                    _ => continue,
                }
            }
            if !me.wbuf.is_empty() {
                me.spawn_write();
                continue;
            }
            me.spawn_seek(pos);
        }
    }
}

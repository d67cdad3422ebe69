//! The read-ahead of a [`File`](super::File): two buffers that take turns, so one is read from
//! while the pool fills the other (sequential reads are prefetched one trip ahead).

/// `cur[pos..filled]` is unread, then `next[..next_filled]` (a prefetch that completed before
/// `cur` was used up). Each `Vec`'s `len` is its initialised size, kept between trips so that a
/// buffer is zeroed only when it grows.
///
/// # Invariants
/// `pos <= filled <= cur.len()`, `next_filled <= next.len()`; a read job in flight owns a third
/// storage only transiently: it takes `next` (empty) and lands back through [`ReadBuf::land`].
#[derive(Debug, Default)]
pub(super) struct ReadBuf {
    cur: Vec<u8>,
    filled: usize,
    pos: usize,
    next: Vec<u8>,
    next_filled: usize,
}

impl ReadBuf {
    /// Bytes read from the OS and not yet handed out, in both buffers.
    pub(super) fn unread(&self) -> usize {
        self.filled - self.pos + self.next_filled
    }

    /// Whether a landed prefetch is waiting (no room for another one).
    pub(super) fn has_next(&self) -> bool {
        self.next_filled > 0
    }

    /// Copies unread bytes into `dst` (from one buffer only: a short read at the seam).
    pub(super) fn copy_to(&mut self, dst: &mut [u8]) -> usize {
        if self.pos == self.filled && self.next_filled > 0 {
            std::mem::swap(&mut self.cur, &mut self.next);
            self.filled = self.next_filled;
            self.pos = 0;
            self.next_filled = 0;
        }
        let n = (self.filled - self.pos).min(dst.len());
        dst[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        n
    }

    /// Drops every unread byte (the storage stays for reuse).
    pub(super) fn clear(&mut self) {
        self.filled = 0;
        self.pos = 0;
        self.next_filled = 0;
    }

    /// Storage for a read job: the spare buffer, grown (zeroed) to `size` if needed.
    /// Precondition: no landed prefetch waits.
    pub(super) fn take_storage(&mut self) -> Vec<u8> {
        debug_assert_eq!(self.next_filled, 0);
        std::mem::take(&mut self.next)
    }

    /// A read job's buffer comes back with `n` bytes read: it becomes the current buffer when
    /// that is used up, else the next one.
    pub(super) fn land(&mut self, buf: Vec<u8>, n: usize) {
        debug_assert_eq!(self.next_filled, 0);
        if self.pos == self.filled {
            self.next = std::mem::replace(&mut self.cur, buf);
            self.filled = n;
            self.pos = 0;
        } else {
            self.next = buf;
            self.next_filled = n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ReadBuf;

    fn filled(bytes: &[u8]) -> Vec<u8> {
        let mut v = bytes.to_vec();
        v.resize(bytes.len() + 3, 0); // initialised beyond what was read
        v
    }

    #[test]
    fn buffers_take_turns_in_order() {
        let mut rb = ReadBuf::default();
        assert_eq!(rb.unread(), 0);
        let s = rb.take_storage();
        assert!(s.is_empty());
        rb.land(filled(b"abcd"), 4);
        assert_eq!(rb.unread(), 4);
        let mut out = [0u8; 3];
        assert_eq!(rb.copy_to(&mut out), 3);
        assert_eq!(&out, b"abc");
        // Prefetch lands while "d" is unread.
        let _ = rb.take_storage();
        rb.land(filled(b"efg"), 3);
        assert!(rb.has_next());
        assert_eq!(rb.unread(), 4);
        assert_eq!(rb.copy_to(&mut out), 1);
        assert_eq!(out[0], b'd');
        assert_eq!(rb.copy_to(&mut out), 3);
        assert_eq!(&out, b"efg");
        assert_eq!(rb.unread(), 0);
        assert!(!rb.has_next());
        // The spare storage is the first buffer again.
        assert_eq!(&rb.take_storage()[..4], b"abcd");
    }

    #[test]
    fn clear_drops_both_buffers() {
        let mut rb = ReadBuf::default();
        rb.land(filled(b"xy"), 2);
        let _ = rb.take_storage();
        rb.land(filled(b"z"), 1);
        assert_eq!(rb.unread(), 3);
        rb.clear();
        assert_eq!(rb.unread(), 0);
        let mut out = [0u8; 4];
        assert_eq!(rb.copy_to(&mut out), 0);
    }
}

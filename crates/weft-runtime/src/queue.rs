//! The per-worker run queue: a bounded ring that its owner pushes and pops at no lock cost and that
//! other workers steal half of.
//!
//! This is tokio's queue design (a single-producer ring whose head word packs two positions), kept
//! generic over the element so it is tested and loom-checked without the task cell.
//!
//! ```text
//!        head (AtomicU64) = [ steal: u32 | real: u32 ]           tail (AtomicU32, owner writes)
//!   buffer:  ... | steal .. real (being copied by a stealer) | real .. tail (poppable) | ...
//! ```
//!
//! - The owner pushes at `tail` (a plain store after writing the slot) and pops at `real` (a CAS on
//!   `head`, because stealers also move it).
//! - A stealer claims half of `real..tail` by moving `real` forward with a CAS while leaving `steal`
//!   behind, copies those slots into its own queue, then moves `steal` up to `real` to release them.
//!   While `steal != real` a steal is in progress and no second stealer starts.
//! - The owner may only overwrite slots at or after `steal + CAPACITY`, so a slot being copied out
//!   is never overwritten.
//! - When the ring is full the owner moves half of it plus the new element to an [`Overflow`] (the
//!   global injector), so pushing never fails.
//!
//! # Invariants
//! - Only the [`Local`] handle writes `tail` and writes into slots; it is not `Clone` and its
//!   methods take `&mut self`.
//! - Slots in `real..tail` hold initialised elements owned by the queue; all other slots are
//!   uninitialised or moved-out.

use std::fmt;
use std::marker::PhantomData;
use std::mem::MaybeUninit;

use weft_core::loom::cell::UnsafeCell;
use weft_core::loom::sync::atomic::{AtomicU32, AtomicU64, Ordering::*};
use weft_core::loom::sync::Arc;

/// Slots per queue. A power of two, so a position maps to its slot with [`MASK`]; and at most
/// `u32::MAX / 2`, so the `u32` positions' wrapping differences stay unambiguous. 256 holds a
/// burst of local spawns or wakes without touching the global queue, and a steal of half of it
/// moves enough work to be worth its CAS; the ring of task pointers costs 2 KiB per worker.
#[cfg(not(loom))]
pub const CAPACITY: usize = 256;
/// Slots per queue: small under loom so the models reach the overflow path.
#[cfg(loom)]
pub const CAPACITY: usize = 4;

/// A position's slot is `position & MASK` (`CAPACITY` is a power of two).
const MASK: usize = CAPACITY - 1;

/// Where the owner moves elements when its ring is full.
pub trait Overflow<T> {
    /// Takes one element.
    fn push(&self, item: T);
    /// Takes a batch of elements, in queue order.
    fn push_batch<I: Iterator<Item = T>>(&self, iter: I);
}

struct Inner<T> {
    /// `[steal | real]`, see the module docs.
    head: AtomicU64,
    /// One past the last element; written only by the owner.
    tail: AtomicU32,
    buffer: Box<[UnsafeCell<MaybeUninit<T>>]>,
}

// SAFETY: the queue hands each element from one thread to another exactly once (the protocol in the
// module docs gives every slot a single owner at any time); that is sound for `T: Send`.
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as above; shared access only reads atomics and moves elements out of slots it claimed.
unsafe impl<T: Send> Sync for Inner<T> {}

/// The owner's end of a run queue: push, pop.
pub struct Local<T> {
    inner: Arc<Inner<T>>,
    /// `Local` is `Send` but not `Sync`.
    _not_sync: PhantomData<std::cell::Cell<()>>,
}

/// The stealers' end of a run queue.
pub struct Steal<T>(Arc<Inner<T>>);

/// Creates a queue, returning the owner's and the stealers' handles.
pub fn local<T>() -> (Steal<T>, Local<T>) {
    let buffer = (0..CAPACITY)
        .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
        .collect::<Vec<_>>()
        .into_boxed_slice();
    let inner = Arc::new(Inner {
        head: AtomicU64::new(0),
        tail: AtomicU32::new(0),
        buffer,
    });
    (
        Steal(inner.clone()),
        Local {
            inner,
            _not_sync: PhantomData,
        },
    )
}

#[inline]
fn unpack(head: u64) -> (u32, u32) {
    ((head >> 32) as u32, head as u32)
}

#[inline]
fn pack(steal: u32, real: u32) -> u64 {
    ((steal as u64) << 32) | real as u64
}

impl<T> Inner<T> {
    /// Moves the element out of slot `pos`.
    ///
    /// # Safety
    /// The caller has claimed `pos` (it lies in a range the protocol gave it) and the slot holds an
    /// initialised element that nobody else will read.
    #[inline]
    unsafe fn take(&self, pos: u32) -> T {
        // SAFETY: the caller's claim makes this the only access to an initialised slot.
        self.buffer[pos as usize & MASK].with(|p| unsafe { (*p).assume_init_read() })
    }

    /// Writes `value` into slot `pos`.
    ///
    /// # Safety
    /// Only the owner of the destination queue calls this, for a slot outside `steal..tail` (free).
    #[inline]
    unsafe fn put(&self, pos: u32, value: T) {
        // SAFETY: the slot is free and only this thread writes slots of this queue.
        self.buffer[pos as usize & MASK].with_mut(|p| unsafe { (*p).write(value) });
    }

    fn len(&self) -> usize {
        let (_, real) = unpack(self.head.load(Acquire));
        let tail = self.tail.load(Acquire);
        tail.wrapping_sub(real) as usize
    }
}

impl<T> Local<T> {
    /// The number of elements (exact for the owner up to concurrent steals).
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether the queue holds no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Slots free for pushing without overflow.
    pub fn remaining_slots(&self) -> usize {
        let (steal, _) = unpack(self.inner.head.load(Acquire));
        let tail = self.inner.tail.load(Relaxed);
        CAPACITY - tail.wrapping_sub(steal) as usize
    }

    /// Pushes `item` at the back; when the ring is full, moves half of it and `item` to `overflow`.
    pub fn push_back_or_overflow<O: Overflow<T>>(&mut self, mut item: T, overflow: &O) {
        let tail = loop {
            let head = self.inner.head.load(Acquire);
            let (steal, real) = unpack(head);
            // Only this thread writes `tail`.
            let tail = self.inner.tail.load(Relaxed);
            if tail.wrapping_sub(steal) < CAPACITY as u32 {
                break tail;
            } else if steal != real {
                // A stealer is freeing slots right now; do not wait for it.
                overflow.push(item);
                return;
            } else {
                match self.push_overflow(item, real, tail, overflow) {
                    Ok(()) => return,
                    // A stealer took some elements meanwhile: there is room now.
                    Err(back) => item = back,
                }
            }
        };
        // SAFETY: `tail - steal < CAPACITY`, so slot `tail` is outside `steal..tail`: free.
        unsafe { self.inner.put(tail, item) };
        self.inner.tail.store(tail.wrapping_add(1), Release);
    }

    /// Pushes a batch that is known to fit (`len <= remaining_slots()`).
    pub fn push_back_batch(&mut self, items: impl ExactSizeIterator<Item = T>) {
        let n = items.len();
        assert!(n <= self.remaining_slots(), "push_back_batch over capacity");
        let mut tail = self.inner.tail.load(Relaxed);
        for item in items {
            // SAFETY: the assertion above keeps every written slot outside `steal..tail`
            // (stealers only ever move `steal` forward, freeing more).
            unsafe { self.inner.put(tail, item) };
            tail = tail.wrapping_add(1);
        }
        self.inner.tail.store(tail, Release);
    }

    fn push_overflow<O: Overflow<T>>(
        &mut self,
        item: T,
        head: u32,
        tail: u32,
        overflow: &O,
    ) -> Result<(), T> {
        const HALF: u32 = (CAPACITY / 2) as u32;
        debug_assert_eq!(tail.wrapping_sub(head), CAPACITY as u32);
        let prev = pack(head, head);
        let next = pack(head.wrapping_add(HALF), head.wrapping_add(HALF));
        if self
            .inner
            .head
            .compare_exchange(prev, next, Release, Relaxed)
            .is_err()
        {
            return Err(item);
        }
        let inner = &*self.inner;
        let batch = (0..HALF).map(|i| {
            // SAFETY: the CAS above claimed `head..head + HALF`; these slots are initialised and
            // no stealer can claim them any more.
            unsafe { inner.take(head.wrapping_add(i)) }
        });
        overflow.push_batch(batch.chain(std::iter::once(item)));
        Ok(())
    }

    /// Pops the element at the front.
    pub fn pop(&mut self) -> Option<T> {
        let mut head = self.inner.head.load(Acquire);
        let idx = loop {
            let (steal, real) = unpack(head);
            let tail = self.inner.tail.load(Relaxed);
            if real == tail {
                return None;
            }
            let next_real = real.wrapping_add(1);
            let next = if steal == real {
                pack(next_real, next_real)
            } else {
                debug_assert_ne!(steal, next_real);
                pack(steal, next_real)
            };
            match self
                .inner
                .head
                .compare_exchange(head, next, AcqRel, Acquire)
            {
                Ok(_) => break real,
                Err(actual) => head = actual,
            }
        };
        // SAFETY: the CAS moved `real` past `idx`, claiming that initialised slot for us alone.
        Some(unsafe { self.inner.take(idx) })
    }
}

impl<T> Drop for Local<T> {
    fn drop(&mut self) {
        // Drops what is left, on the owner's thread.
        while self.pop().is_some() {}
    }
}

impl<T> Steal<T> {
    /// Whether the queue looks empty.
    pub fn is_empty(&self) -> bool {
        self.0.len() == 0
    }

    /// The number of elements (racy).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Steals half of this queue into `dst` (the caller's own queue), returning one of the stolen
    /// elements to run right away.
    pub fn steal_into(&self, dst: &mut Local<T>) -> Option<T> {
        let dst_tail = dst.inner.tail.load(Relaxed);
        let (steal, _) = unpack(dst.inner.head.load(Acquire));
        if dst_tail.wrapping_sub(steal) > (CAPACITY / 2) as u32 {
            // The destination could not take half of a full queue.
            return None;
        }
        let mut n = self.steal_into2(dst, dst_tail);
        if n == 0 {
            return None;
        }
        n -= 1;
        let ret_pos = dst_tail.wrapping_add(n);
        // SAFETY: `steal_into2` wrote `dst_tail..dst_tail + n + 1`, slots beyond dst's published
        // tail that only this thread (dst's owner) touches.
        let ret = unsafe { dst.inner.take(ret_pos) };
        if n > 0 {
            dst.inner.tail.store(dst_tail.wrapping_add(n), Release);
        }
        Some(ret)
    }

    fn steal_into2(&self, dst: &mut Local<T>, dst_tail: u32) -> u32 {
        let mut prev = self.0.head.load(Acquire);
        let mut next;
        let n = loop {
            let (src_steal, src_real) = unpack(prev);
            let src_tail = self.0.tail.load(Acquire);
            if src_steal != src_real {
                // Another worker is stealing from this queue.
                return 0;
            }
            let avail = src_tail.wrapping_sub(src_real);
            let n = avail - avail / 2;
            if n == 0 {
                return 0;
            }
            let steal_to = src_real.wrapping_add(n);
            next = pack(src_steal, steal_to);
            match self.0.head.compare_exchange(prev, next, AcqRel, Acquire) {
                Ok(_) => break n,
                Err(actual) => prev = actual,
            }
        };
        debug_assert!(n as usize <= CAPACITY / 2);
        let (first, _) = unpack(next);
        for i in 0..n {
            // SAFETY: the CAS claimed `first..first + n` of the source (initialised, and the owner
            // cannot overwrite them while `steal` stays at `first`); the destination slots are
            // beyond dst's tail and dst has room for half a queue (checked by the caller).
            unsafe {
                let value = self.0.take(first.wrapping_add(i));
                dst.inner.put(dst_tail.wrapping_add(i), value);
            }
        }
        // Release the claimed slots: move `steal` up to `real`.
        let mut prev = next;
        loop {
            let (_, real) = unpack(prev);
            let next = pack(real, real);
            match self.0.head.compare_exchange(prev, next, AcqRel, Acquire) {
                Ok(_) => return n,
                Err(actual) => {
                    let (steal, real) = unpack(actual);
                    debug_assert_ne!(steal, real);
                    prev = actual;
                }
            }
        }
    }
}

impl<T> Clone for Steal<T> {
    fn clone(&self) -> Self {
        Steal(self.0.clone())
    }
}

impl<T> fmt::Debug for Local<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Local").field("len", &self.len()).finish()
    }
}

impl<T> fmt::Debug for Steal<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Steal").field("len", &self.len()).finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::cell::RefCell;

    #[derive(Default)]
    struct Sink(RefCell<Vec<u32>>);
    impl Overflow<u32> for Sink {
        fn push(&self, item: u32) {
            self.0.borrow_mut().push(item);
        }
        fn push_batch<I: Iterator<Item = u32>>(&self, iter: I) {
            self.0.borrow_mut().extend(iter);
        }
    }

    #[test]
    fn fifo_order() {
        let (_s, mut q) = local::<u32>();
        let sink = Sink::default();
        for i in 0..10 {
            q.push_back_or_overflow(i, &sink);
        }
        assert_eq!(q.len(), 10);
        for i in 0..10 {
            assert_eq!(q.pop(), Some(i));
        }
        assert_eq!(q.pop(), None);
        assert!(sink.0.borrow().is_empty());
    }

    #[test]
    fn overflow_moves_half_plus_one() {
        let (_s, mut q) = local::<u32>();
        let sink = Sink::default();
        for i in 0..CAPACITY as u32 + 1 {
            q.push_back_or_overflow(i, &sink);
        }
        let moved = sink.0.borrow().clone();
        let expect: Vec<u32> = (0..CAPACITY as u32 / 2)
            .chain(std::iter::once(CAPACITY as u32))
            .collect();
        assert_eq!(moved, expect);
        assert_eq!(q.len(), CAPACITY / 2);
        assert_eq!(q.pop(), Some(CAPACITY as u32 / 2));
    }

    #[test]
    fn steal_takes_half() {
        let (s, mut q) = local::<u32>();
        let (_s2, mut dst) = local::<u32>();
        let sink = Sink::default();
        for i in 0..10 {
            q.push_back_or_overflow(i, &sink);
        }
        // Half (5) stolen: 4 land in dst, one is returned.
        assert_eq!(s.steal_into(&mut dst), Some(4));
        assert_eq!(dst.len(), 4);
        assert_eq!(q.len(), 5);
        let mut got: Vec<u32> = std::iter::from_fn(|| dst.pop()).collect();
        got.extend(std::iter::from_fn(|| q.pop()));
        assert_eq!(got, vec![0, 1, 2, 3, 5, 6, 7, 8, 9]);
        assert_eq!(s.steal_into(&mut dst), None);
    }

    #[test]
    fn drop_drops_remaining() {
        let counter = std::sync::Arc::new(());
        struct NoOverflow;
        impl<T> Overflow<T> for NoOverflow {
            fn push(&self, _: T) {
                unreachable!()
            }
            fn push_batch<I: Iterator<Item = T>>(&self, _: I) {
                unreachable!()
            }
        }
        let (s, mut q) = local();
        for _ in 0..7 {
            q.push_back_or_overflow(counter.clone(), &NoOverflow);
        }
        drop(q);
        drop(s);
        assert_eq!(std::sync::Arc::strong_count(&counter), 1);
    }

    #[test]
    fn concurrent_steal_loses_nothing() {
        use std::sync::atomic::{AtomicBool, AtomicUsize};
        struct Count(AtomicUsize);
        impl Overflow<u32> for Count {
            fn push(&self, _: u32) {
                self.0.fetch_add(1, SeqCst);
            }
            fn push_batch<I: Iterator<Item = u32>>(&self, iter: I) {
                self.0.fetch_add(iter.count(), SeqCst);
            }
        }
        const N: usize = 200_000;
        let (steal, mut q) = local::<u32>();
        let overflow = std::sync::Arc::new(Count(AtomicUsize::new(0)));
        let done = std::sync::Arc::new(AtomicBool::new(false));
        let thief = {
            let done = done.clone();
            std::thread::spawn(move || {
                let (_s, mut mine) = local::<u32>();
                let mut n = 0;
                loop {
                    let finished = done.load(SeqCst);
                    if steal.steal_into(&mut mine).is_some() {
                        n += 1;
                    }
                    while mine.pop().is_some() {
                        n += 1;
                    }
                    if finished && steal.is_empty() {
                        return n;
                    }
                }
            })
        };
        let mut popped = 0;
        for i in 0..N {
            q.push_back_or_overflow(i as u32, &*overflow);
            if i % 3 == 0 && q.pop().is_some() {
                popped += 1;
            }
        }
        while q.pop().is_some() {
            popped += 1;
        }
        done.store(true, SeqCst);
        let stolen = thief.join().unwrap();
        assert_eq!(popped + stolen + overflow.0.load(SeqCst), N);
    }
}

//! The global injector: the queue for work that arrives from outside a worker (spawns and wakes
//! from other threads) and for the overflow of full local queues.
//!
//! A `VecDeque` behind a mutex, with the length mirrored in an atomic so the common "is there
//! anything?" check takes no lock. Closing it (at shutdown) makes every later push fail, handing
//! the element back so the caller can drop (cancel) it.

use std::collections::VecDeque;
use std::fmt;

use weft_core::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use weft_core::loom::sync::Mutex;

use crate::queue::Overflow;

/// A multi-producer, multi-consumer FIFO that can be closed.
pub struct Inject<T> {
    /// Mirrors `state.items.len()`; written under the lock.
    len: AtomicUsize,
    state: Mutex<State<T>>,
}

struct State<T> {
    items: VecDeque<T>,
    closed: bool,
}

/// The capacity (in elements) an emptied queue keeps: 128 KiB of `Runnable`s. A burst of spawns
/// from outside the workers (100,000 at once, say) grows the deque to the burst's backlog; without
/// this it would keep that block (8 bytes per element) for the runtime's life. Bursts up to this
/// size (10,000 spawns, say) keep their buffer and do not grow it again each time.
const KEEP_CAPACITY: usize = 16_384;

impl<T> State<T> {
    /// After a pop: the deque's buffer if the queue is now empty and holds more than
    /// [`KEEP_CAPACITY`], for the caller to drop once the lock is released.
    #[inline]
    fn shed(&mut self) -> Option<VecDeque<T>> {
        if self.items.is_empty() && self.items.capacity() > KEEP_CAPACITY {
            Some(shed(&mut self.items))
        } else {
            None
        }
    }
}

/// Out of line: once per burst.
#[cold]
#[inline(never)]
fn shed<T>(items: &mut VecDeque<T>) -> VecDeque<T> {
    std::mem::take(items)
}

impl<T> Inject<T> {
    /// An empty, open injector.
    pub fn new() -> Self {
        Inject {
            len: AtomicUsize::new(0),
            state: Mutex::new(State {
                items: VecDeque::new(),
                closed: false,
            }),
        }
    }

    /// Whether the queue looks empty (no lock taken).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of queued elements (no lock taken).
    #[inline]
    pub fn len(&self) -> usize {
        // SeqCst: pairs with the idle coordination's SeqCst state word (Dekker-style: a pusher
        // writes `len` then reads the idle state; a parking worker writes the idle state then
        // reads `len`; one of them must see the other).
        self.len.load(SeqCst)
    }

    /// Pushes `item` at the back, or hands it back if the queue is closed.
    pub fn push(&self, item: T) -> Result<(), T> {
        let mut st = self.state.lock();
        if st.closed {
            return Err(item);
        }
        st.items.push_back(item);
        self.len.store(st.items.len(), SeqCst);
        Ok(())
    }

    /// Pushes every element of `iter`; if the queue is closed they are returned in a `Vec`.
    pub fn push_all<I: Iterator<Item = T>>(&self, iter: I) -> Result<(), Vec<T>> {
        let mut st = self.state.lock();
        if st.closed {
            drop(st);
            return Err(iter.collect());
        }
        st.items.extend(iter);
        self.len.store(st.items.len(), SeqCst);
        Ok(())
    }

    /// Pops the front element.
    pub fn pop(&self) -> Option<T> {
        if self.is_empty() {
            return None;
        }
        let mut st = self.state.lock();
        let item = st.items.pop_front();
        self.len.store(st.items.len(), SeqCst);
        let spare = st.shed();
        drop(st);
        drop(spare);
        item
    }

    /// Pops up to `max` elements from the front, passing them to `f` while the lock is held
    /// (`f` must be quick and must not touch this queue).
    pub fn pop_n(&self, max: usize, mut f: impl FnMut(std::collections::vec_deque::Drain<'_, T>)) {
        if self.is_empty() || max == 0 {
            return;
        }
        let mut st = self.state.lock();
        let n = max.min(st.items.len());
        f(st.items.drain(..n));
        self.len.store(st.items.len(), SeqCst);
        let spare = st.shed();
        drop(st);
        drop(spare);
    }

    /// Closes the queue: later pushes fail. Returns false if it was already closed.
    pub fn close(&self) -> bool {
        let mut st = self.state.lock();
        !std::mem::replace(&mut st.closed, true)
    }

    /// Takes every queued element out (the lock is not held while the caller drops them).
    pub fn take_all(&self) -> VecDeque<T> {
        let mut st = self.state.lock();
        let items = std::mem::take(&mut st.items);
        self.len.store(0, SeqCst);
        items
    }
}

impl<T> Default for Inject<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for Inject<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inject").field("len", &self.len()).finish()
    }
}

/// Overflow of a local queue into the injector. A closed injector (shutdown) drops the elements,
/// which for runnables cancels their tasks.
impl<T> Overflow<T> for Inject<T> {
    fn push(&self, item: T) {
        drop(Inject::push(self, item));
    }

    fn push_batch<I: Iterator<Item = T>>(&self, iter: I) {
        drop(self.push_all(iter));
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn fifo_and_len() {
        let q = Inject::new();
        assert!(q.is_empty());
        for i in 0..5 {
            q.push(i).unwrap();
        }
        assert_eq!(q.len(), 5);
        assert_eq!(q.pop(), Some(0));
        let mut got = Vec::new();
        q.pop_n(2, |d| got.extend(d));
        assert_eq!(got, vec![1, 2]);
        assert_eq!(q.len(), 2);
    }

    #[test]
    fn an_emptied_queue_gives_back_a_large_buffer() {
        let q = Inject::new();
        for i in 0..3 * KEEP_CAPACITY {
            q.push(i).unwrap();
        }
        assert!(q.state.lock().items.capacity() >= 3 * KEEP_CAPACITY);
        let mut got = 0;
        while got < 3 * KEEP_CAPACITY - 1 {
            q.pop_n((3 * KEEP_CAPACITY - 1 - got).min(KEEP_CAPACITY), |d| {
                got += d.count()
            });
        }
        assert!(
            q.state.lock().items.capacity() > KEEP_CAPACITY,
            "not empty yet: kept"
        );
        assert_eq!(q.pop(), Some(3 * KEEP_CAPACITY - 1));
        assert_eq!(
            q.state.lock().items.capacity(),
            0,
            "empty: the buffer is freed"
        );
        // A small queue keeps its buffer when emptied.
        q.push(1).unwrap();
        assert_eq!(q.pop(), Some(1));
        assert!(q.state.lock().items.capacity() > 0);
    }

    #[test]
    fn closed_hands_back() {
        let q = Inject::new();
        q.push(1).unwrap();
        assert!(q.close());
        assert!(!q.close());
        assert_eq!(q.push(2), Err(2));
        assert_eq!(q.push_all([3, 4].into_iter()), Err(vec![3, 4]));
        assert_eq!(q.take_all().into_iter().collect::<Vec<_>>(), vec![1]);
        assert!(q.is_empty());
    }
}

//! A FIFO list of waiters in a slab: O(1) push, pop, and removal from the middle.
//!
//! Every primitive that parks tasks (the semaphore under `Mutex`/`RwLock`/bounded `mpsc`, and
//! `Notify`) keeps one `WaitList` behind its lock. A waiting future remembers its *key* (a slot
//! index). The primitive *unlinks* a waiter when it grants it something (permits, a notification)
//! but leaves the slot allocated, so the future finds out what it was given the next time it is
//! polled, or on drop, where it hands the grant on to the next waiter (a cancelled waiter never
//! swallows a wakeup). Only the owning future frees its slot.
//!
//! # Invariants
//!
//! - A key is valid from `push_back` until `remove`; the owning future calls `remove` exactly once.
//! - Linked slots form a doubly linked list from `head` to `tail`; `len` counts them.
//! - Free slots have `value == None` and are chained through `next` from `free`.

/// "No slot": the end of a chain (`next`, `prev`, `head`, `tail`, `free`). Never a valid index,
/// since no slab holds `usize::MAX` slots.
const NIL: usize = usize::MAX;

#[derive(Debug)]
struct Slot<E> {
    value: Option<E>,
    prev: usize,
    next: usize,
    linked: bool,
}

/// See the module docs.
#[derive(Debug)]
pub(crate) struct WaitList<E> {
    slots: Vec<Slot<E>>,
    free: usize,
    head: usize,
    tail: usize,
    len: usize,
}

impl<E> Default for WaitList<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> WaitList<E> {
    pub(crate) const fn new() -> Self {
        WaitList {
            slots: Vec::new(),
            free: NIL,
            head: NIL,
            tail: NIL,
            len: 0,
        }
    }

    /// Whether no waiter is linked (unlinked, not yet removed slots do not count).
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Links a new waiter at the back and returns its key.
    pub(crate) fn push_back(&mut self, value: E) -> usize {
        let key = if self.free != NIL {
            let key = self.free;
            self.free = self.slots[key].next;
            self.slots[key] = Slot {
                value: Some(value),
                prev: self.tail,
                next: NIL,
                linked: true,
            };
            key
        } else {
            self.slots.push(Slot {
                value: Some(value),
                prev: self.tail,
                next: NIL,
                linked: true,
            });
            self.slots.len() - 1
        };
        if self.tail == NIL {
            self.head = key;
        } else {
            self.slots[self.tail].next = key;
        }
        self.tail = key;
        self.len += 1;
        key
    }

    /// The key of the first linked waiter.
    pub(crate) fn front(&self) -> Option<usize> {
        (self.head != NIL).then_some(self.head)
    }

    /// Unlinks and returns the key of the first waiter; its slot stays allocated.
    pub(crate) fn pop_front(&mut self) -> Option<usize> {
        let key = self.front()?;
        self.unlink(key);
        Some(key)
    }

    pub(crate) fn is_linked(&self, key: usize) -> bool {
        self.slots[key].linked
    }

    pub(crate) fn get_mut(&mut self, key: usize) -> &mut E {
        self.slots[key]
            .value
            .as_mut()
            .expect("weft-sync wait list: key used after removal")
    }

    /// Takes a waiter out of the FIFO order; its slot stays allocated until `remove`.
    pub(crate) fn unlink(&mut self, key: usize) {
        let (prev, next) = {
            let slot = &mut self.slots[key];
            if !slot.linked {
                return;
            }
            slot.linked = false;
            (slot.prev, slot.next)
        };
        if prev == NIL {
            self.head = next;
        } else {
            self.slots[prev].next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            self.slots[next].prev = prev;
        }
        self.len -= 1;
    }

    /// Unlinks (if still linked) and frees a waiter, returning it.
    pub(crate) fn remove(&mut self, key: usize) -> E {
        self.unlink(key);
        let slot = &mut self.slots[key];
        let value = slot
            .value
            .take()
            .expect("weft-sync wait list: key removed twice");
        slot.next = self.free;
        slot.prev = NIL;
        self.free = key;
        value
    }
}

#[cfg(test)]
mod tests {
    use super::WaitList;

    #[test]
    fn fifo_and_middle_removal() {
        let mut l = WaitList::new();
        let a = l.push_back('a');
        let b = l.push_back('b');
        let c = l.push_back('c');
        assert_eq!(l.remove(b), 'b');
        assert_eq!(l.pop_front(), Some(a));
        assert!(!l.is_linked(a));
        assert_eq!(*l.get_mut(a), 'a');
        assert_eq!(l.remove(a), 'a');
        let d = l.push_back('d');
        assert_eq!(l.pop_front(), Some(c));
        assert_eq!(l.pop_front(), Some(d));
        assert!(l.is_empty());
        assert_eq!(l.pop_front(), None);
        l.remove(c);
        l.remove(d);
        // Slots are reused.
        let e = l.push_back('e');
        assert!(e < 4);
    }
}

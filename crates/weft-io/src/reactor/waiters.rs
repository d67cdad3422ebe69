//! The tasks waiting for one direction of one source.
//!
//! Any number may wait (two tasks accepting on one listener, two readers of a shared socket). A
//! waiter comes in one of two kinds:
//!
//! - a *keyed* waiter is a future that owns a [`WaiterKey`] (`Async::readable`, `read_with`,
//!   `write_with`, ...): polled again, it updates its own entry; dropped before the event came,
//!   it removes its entry, so a cancelled wait leaves nothing behind: no waker (which would keep
//!   the cancelled task's memory alive) and no spurious wake-up;
//! - an *unkeyed* waiter comes from a `poll_*` method, which has nowhere to keep a key: it is kept
//!   once per task (a task polled again with a waker that wakes the same task is not added twice)
//!   until the next event.
//!
//! An event moves every waiter out (into the reactor's wake list) and starts a new *epoch*: keys
//! of earlier epochs are spent, so a future woken by the event does not look for its entry again.
//! The epoch is also kept in an atomic, so a future that was woken (the common case) drops its key
//! without taking the lock.

use std::task::Waker;

use weft_core::loom::sync::atomic::{AtomicU64, Ordering};
use weft_core::loom::sync::{Mutex, MutexGuard};

/// A keyed waiter's entry: its index in its epoch's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaiterKey {
    index: usize,
    epoch: u64,
}

/// The waiters of one direction (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct Waiters {
    list: Mutex<List>,
    /// `List::epoch`, readable without the lock (only ever incremented, under the lock).
    epoch: AtomicU64,
}

#[derive(Debug, Default)]
struct List {
    /// Keyed waiters by index; `None` is a removed entry whose index is in `free`.
    keyed: Vec<Option<Waker>>,
    free: Vec<usize>,
    /// How many entries of `keyed` are `Some`.
    live: usize,
    /// Unkeyed waiters, one per task.
    unkeyed: Vec<Waker>,
    epoch: u64,
}

/// A list that grew past this many entries is shrunk when it empties, so one burst of waiters
/// does not pin its memory for the life of the source.
const SHRINK_ABOVE: usize = 1024;

impl Waiters {
    fn lock(&self) -> MutexGuard<'_, List> {
        self.list.lock()
    }

    /// Registers `waker`: under `key` if given (updating the entry the key names if it is still
    /// in this epoch's list, else adding one and storing its key), otherwise once per task.
    pub(crate) fn register(&self, waker: &Waker, key: Option<&mut Option<WaiterKey>>) {
        let mut list = self.lock();
        let Some(key) = key else {
            if !list.unkeyed.iter().any(|w| w.will_wake(waker)) {
                list.unkeyed.push(waker.clone());
            }
            return;
        };
        if let Some(k) = *key {
            if k.epoch == list.epoch {
                if let Some(Some(stored)) = list.keyed.get_mut(k.index) {
                    if !stored.will_wake(waker) {
                        *stored = waker.clone();
                    }
                    return;
                }
            }
        }
        let index = match list.free.pop() {
            Some(index) => {
                list.keyed[index] = Some(waker.clone());
                index
            }
            None => {
                list.keyed.push(Some(waker.clone()));
                list.keyed.len() - 1
            }
        };
        list.live += 1;
        *key = Some(WaiterKey {
            index,
            epoch: list.epoch,
        });
    }

    /// Removes the entry `key` names, if an event has not already moved it out. The removed waker
    /// is returned, to be dropped after the lock is released.
    pub(crate) fn remove(&self, key: WaiterKey) -> Option<Waker> {
        // Spent keys (the usual case: the future was woken by an event) need no lock.
        if self.epoch.load(Ordering::Acquire) != key.epoch {
            return None;
        }
        let mut list = self.lock();
        if list.epoch != key.epoch {
            return None;
        }
        let waker = list.keyed.get_mut(key.index)?.take()?;
        list.live -= 1;
        if list.live == 0 {
            // No key of this epoch is held any more: start the list afresh.
            list.keyed.clear();
            list.free.clear();
            shrink(&mut list.keyed);
            shrink(&mut list.free);
        } else {
            list.free.push(key.index);
        }
        Some(waker)
    }

    /// Moves every waiter into `wake` and starts a new epoch.
    pub(crate) fn take_into(&self, wake: &mut Vec<Waker>) {
        let mut list = self.lock();
        if list.live == 0 && list.unkeyed.is_empty() {
            return;
        }
        wake.extend(list.keyed.drain(..).flatten());
        wake.append(&mut list.unkeyed);
        list.free.clear();
        list.live = 0;
        list.epoch += 1;
        self.epoch.store(list.epoch, Ordering::Release);
        shrink(&mut list.keyed);
        shrink(&mut list.free);
        shrink(&mut list.unkeyed);
    }

    /// How many waiters are registered (keyed and unkeyed).
    #[cfg(any(test, loom))]
    pub(crate) fn len(&self) -> usize {
        let list = self.lock();
        list.live + list.unkeyed.len()
    }
}

/// Gives back the memory of an empty vector that grew large.
fn shrink<T>(v: &mut Vec<T>) {
    if v.is_empty() && v.capacity() > SHRINK_ABOVE {
        *v = Vec::new();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;
    use std::task::Wake;

    /// Counts its wakes; `live` counts the wakers (clones included) still in existence.
    struct Probe {
        woken: AtomicUsize,
    }

    impl Wake for Probe {
        fn wake(self: Arc<Self>) {
            self.woken.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    fn probe() -> (Arc<Probe>, Waker) {
        let p = Arc::new(Probe {
            woken: AtomicUsize::new(0),
        });
        (p.clone(), Waker::from(p))
    }

    #[test]
    fn a_removed_waiter_is_gone_and_not_woken() {
        let waiters = Waiters::default();
        let (p, w) = probe();
        let mut key = None;
        waiters.register(&w, Some(&mut key));
        assert_eq!(waiters.len(), 1);
        drop(waiters.remove(key.take().unwrap()));
        assert_eq!(waiters.len(), 0);
        drop(w);
        assert_eq!(
            Arc::strong_count(&p),
            1,
            "the list kept a clone of the waker"
        );
        let mut wake = Vec::new();
        waiters.take_into(&mut wake);
        assert!(wake.is_empty());
    }

    #[test]
    fn a_keyed_waiter_polled_again_keeps_one_entry_with_its_latest_waker() {
        let waiters = Waiters::default();
        let (p1, w1) = probe();
        let (p2, w2) = probe();
        let mut key = None;
        waiters.register(&w1, Some(&mut key));
        waiters.register(&w1, Some(&mut key));
        waiters.register(&w2, Some(&mut key));
        assert_eq!(waiters.len(), 1);
        let mut wake = Vec::new();
        waiters.take_into(&mut wake);
        wake.into_iter().for_each(Waker::wake);
        assert_eq!(p1.woken.load(std::sync::atomic::Ordering::SeqCst), 0);
        assert_eq!(p2.woken.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn a_spent_key_neither_removes_nor_updates_a_newer_entry() {
        let waiters = Waiters::default();
        let (_pa, a) = probe();
        let (pb, b) = probe();
        let mut old = None;
        waiters.register(&a, Some(&mut old));
        let mut wake = Vec::new();
        waiters.take_into(&mut wake);
        assert_eq!(wake.len(), 1);
        // A new waiter takes index 0 of the new epoch.
        let mut new = None;
        waiters.register(&b, Some(&mut new));
        assert!(waiters.remove(old.unwrap()).is_none());
        assert_eq!(waiters.len(), 1);
        wake.clear();
        waiters.take_into(&mut wake);
        wake.into_iter().for_each(Waker::wake);
        assert_eq!(pb.woken.load(std::sync::atomic::Ordering::SeqCst), 1);
        // A spent key registers anew.
        waiters.register(&b, Some(&mut new));
        assert_eq!(waiters.len(), 1);
    }

    #[test]
    fn removal_in_the_middle_reuses_the_slot() {
        let waiters = Waiters::default();
        let wakers: Vec<_> = (0..3).map(|_| probe()).collect();
        let mut keys = [None; 3];
        for (i, (_, w)) in wakers.iter().enumerate() {
            waiters.register(w, Some(&mut keys[i]));
        }
        drop(waiters.remove(keys[1].take().unwrap()));
        let (_p, w) = probe();
        let mut key = None;
        waiters.register(&w, Some(&mut key));
        assert_eq!(key.unwrap().index, 1);
        assert_eq!(waiters.len(), 3);
        let mut wake = Vec::new();
        waiters.take_into(&mut wake);
        assert_eq!(wake.len(), 3);
    }

    #[test]
    fn unkeyed_waiters_are_kept_once_per_task_until_the_event() {
        let waiters = Waiters::default();
        let (_p1, w1) = probe();
        let (_p2, w2) = probe();
        for w in [&w1, &w2, &w1] {
            waiters.register(w, None);
        }
        assert_eq!(waiters.len(), 2);
        let mut wake = Vec::new();
        waiters.take_into(&mut wake);
        assert_eq!(wake.len(), 2);
        assert_eq!(waiters.len(), 0);
    }

    #[test]
    fn a_burst_of_waiters_gives_its_memory_back() {
        let waiters = Waiters::default();
        let (_p, w) = probe();
        let mut keys: Vec<_> = (0..10 * SHRINK_ABOVE).map(|_| None).collect();
        for key in &mut keys {
            waiters.register(&w, Some(key));
        }
        for key in &mut keys {
            drop(waiters.remove(key.take().unwrap()));
        }
        let list = waiters.lock();
        assert_eq!(list.keyed.capacity(), 0);
        assert_eq!(list.free.capacity(), 0);
    }
}

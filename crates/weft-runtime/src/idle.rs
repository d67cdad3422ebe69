//! Idle coordination of the multi-thread workers: who sleeps, who searches, whom to wake.
//!
//! One word packs two counters: workers that are *unparked* (running or searching) and workers
//! that are *searching* (out of local work, stealing). The rules, after tokio's:
//!
//! 1. A wake (new work somewhere) unparks a sleeping worker **only if nobody is searching**: a
//!    searcher will find the work, so a second wake would only stampede. The woken worker starts
//!    out searching.
//! 2. At most one worker turns to searching on its own ([`Idle::transition_worker_to_searching`]).
//! 3. A searcher that finds work stops searching; if it was the last searcher it wakes another
//!    worker (there may be more work), so work spreads one worker at a time.
//! 4. The last searcher to park re-checks every queue after announcing that it parks, so work
//!    pushed while it was giving up is never stranded (the push side reads the word after
//!    publishing its work, the park side writes the word before reading the queues; both SeqCst).

use std::fmt;

use weft_core::loom::sync::atomic::{
    AtomicUsize,
    Ordering::{Relaxed, SeqCst},
};
use weft_core::loom::sync::Mutex;

/// Where the unparked count starts in the state word. The searching count below it gets 16 bits:
/// it never exceeds the number of workers, so it fits for up to 65,535 workers (thousands of
/// times the CPUs a worker pool is sized for); the unparked count gets the rest of the word.
const UNPARK_SHIFT: usize = 16;
/// The searching count's bits.
const SEARCH_MASK: usize = (1 << UNPARK_SHIFT) - 1;
/// One unparked worker, in the state word.
const UNPARK_ONE: usize = 1 << UNPARK_SHIFT;
/// How many workers may turn to searching on their own at once (rule 2). One: a searcher that
/// finds work wakes the next (rule 3), so more searchers would only contend on the same queues
/// to steal the same work.
const MAX_SEARCHING: usize = 1;

/// Sleep/search bookkeeping shared by the workers of one runtime.
pub struct Idle {
    /// `unparked << 16 | searching`.
    state: AtomicUsize,
    num_workers: usize,
    /// Indices of parked workers.
    sleepers: Mutex<Vec<usize>>,
}

impl Idle {
    /// Bookkeeping for `num_workers` workers, all initially unparked and not searching.
    pub fn new(num_workers: usize) -> Self {
        assert!(num_workers > 0 && num_workers < SEARCH_MASK);
        Idle {
            state: AtomicUsize::new(num_workers << UNPARK_SHIFT),
            num_workers,
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
        }
    }

    /// If a worker should be woken for new work, marks it unparked and searching and returns its
    /// index; the caller then unparks it.
    pub fn worker_to_notify(&self) -> Option<usize> {
        if !self.notify_should_wakeup() {
            return None;
        }
        let mut sleepers = self.sleepers.lock();
        if !self.notify_should_wakeup() {
            return None;
        }
        self.state.fetch_add(UNPARK_ONE | 1, SeqCst);
        let worker = sleepers.pop();
        debug_assert!(worker.is_some(), "unparked < workers but no sleeper");
        worker
    }

    /// A first look for [`worker_to_notify`](Self::worker_to_notify) without a read-modify-write:
    /// false if, as far as a plain load tells, every worker is awake or one is searching (then
    /// `worker_to_notify` would return `None`).
    ///
    /// Only for wakes that rule 4 does not need: a worker that queued work on itself runs that
    /// work anyway, the wake only lets an idle worker share it. A stale answer delays such a wake
    /// to the worker's next push or turn of the park hook. Checked at every yield and every wake
    /// between tasks of one worker, it keeps the busy workers from taking the shared word's cache
    /// line from each other at each of them.
    #[inline]
    pub fn may_notify(&self) -> bool {
        let state = self.state.load(Relaxed);
        state & SEARCH_MASK == 0 && (state >> UNPARK_SHIFT) < self.num_workers
    }

    /// Records that `worker` parks. Returns true if it was the last searcher: the caller must then
    /// re-check all queues for work and notify a worker if there is any.
    pub fn transition_worker_to_parked(&self, worker: usize, is_searching: bool) -> bool {
        let mut sleepers = self.sleepers.lock();
        let dec = UNPARK_ONE + usize::from(is_searching);
        let prev = self.state.fetch_sub(dec, SeqCst);
        sleepers.push(worker);
        is_searching && prev & SEARCH_MASK == 1
    }

    /// Tries to turn an unparked worker into a searcher; false if enough workers already search.
    pub fn transition_worker_to_searching(&self) -> bool {
        let mut state = self.state.load(SeqCst);
        loop {
            if state & SEARCH_MASK >= MAX_SEARCHING {
                return false;
            }
            match self
                .state
                .compare_exchange(state, state + 1, SeqCst, SeqCst)
            {
                Ok(_) => return true,
                Err(actual) => state = actual,
            }
        }
    }

    /// A searcher found work. Returns true if it was the last searcher (the caller should then
    /// notify another worker).
    pub fn transition_worker_from_searching(&self) -> bool {
        let prev = self.state.fetch_sub(1, SeqCst);
        debug_assert!(prev & SEARCH_MASK > 0);
        prev & SEARCH_MASK == 1
    }

    /// Marks `worker` unparked if it is parked (it woke up with work of its own). Returns whether
    /// it was parked.
    pub fn unpark_worker_by_id(&self, worker: usize) -> bool {
        let mut sleepers = self.sleepers.lock();
        if let Some(pos) = sleepers.iter().position(|&w| w == worker) {
            sleepers.swap_remove(pos);
            self.state.fetch_add(UNPARK_ONE, SeqCst);
            true
        } else {
            false
        }
    }

    /// Whether `worker` is recorded as parked (a wake that did not pick it was spurious).
    pub fn is_parked(&self, worker: usize) -> bool {
        self.sleepers.lock().contains(&worker)
    }

    /// The number of searching workers.
    pub fn num_searching(&self) -> usize {
        self.state.load(SeqCst) & SEARCH_MASK
    }

    /// The number of unparked workers.
    pub fn num_unparked(&self) -> usize {
        self.state.load(SeqCst) >> UNPARK_SHIFT
    }

    fn notify_should_wakeup(&self) -> bool {
        // An RMW, not a load: it reads the latest value in the modification order (rule 4).
        let state = self.state.fetch_add(0, SeqCst);
        state & SEARCH_MASK == 0 && (state >> UNPARK_SHIFT) < self.num_workers
    }
}

impl fmt::Debug for Idle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Idle")
            .field("workers", &self.num_workers)
            .field("unparked", &self.num_unparked())
            .field("searching", &self.num_searching())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn notify_only_when_nobody_searches() {
        let idle = Idle::new(3);
        assert!(!idle.may_notify());
        assert_eq!(idle.worker_to_notify(), None, "nobody parked");
        assert!(!idle.transition_worker_to_parked(0, false));
        assert!(!idle.transition_worker_to_parked(1, false));
        assert_eq!(idle.num_unparked(), 1);
        let w = idle.worker_to_notify().unwrap();
        assert_eq!(idle.num_searching(), 1);
        // A second wake while one worker searches wakes nobody.
        assert_eq!(idle.worker_to_notify(), None);
        assert!(!idle.may_notify(), "a searcher will find the work");
        assert!(idle.transition_worker_from_searching());
        assert!(!idle.is_parked(w));
        assert!(idle.may_notify(), "one worker parked, nobody searching");
        assert!(idle.worker_to_notify().is_some());
    }

    #[test]
    fn at_most_one_searcher_by_choice() {
        let idle = Idle::new(4);
        assert!(idle.transition_worker_to_searching());
        assert!(!idle.transition_worker_to_searching());
        // Last searcher parking is told to re-check the queues.
        assert!(idle.transition_worker_to_parked(2, true));
        assert!(idle.is_parked(2));
        assert!(idle.unpark_worker_by_id(2));
        assert!(!idle.unpark_worker_by_id(2));
        assert_eq!(idle.num_unparked(), 4);
    }
}

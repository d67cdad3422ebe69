//! The `LocalSet`s attached to a runtime: how its dumps, task counts and shutdown reports see
//! `!Send` tasks that the runtime itself neither queues nor cancels.
//!
//! A set attaches to the runtime in which its `run_until` is polled (and moves if it is later
//! driven in another one); the runtime keeps only a weak reference to it, so a set is never kept
//! alive by a runtime. The set's own lock guards its task list; this list is locked only to
//! attach, detach and read.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Weak};
use std::time::Instant;

use weft_core::loom::sync::Mutex;

use crate::dump::{CoarseClock, TaskInfo};

/// What a runtime reads of a set attached to it.
pub(crate) trait AttachedSet: Send + Sync {
    /// Appends one [`TaskInfo`] per live task of the set (ages on `clock`, the runtime's).
    fn infos(&self, clock: &CoarseClock, now: Instant, out: &mut Vec<TaskInfo>);

    /// The number of live tasks of the set.
    fn live(&self) -> usize;

    /// The tasks the set has counted as spawned on this runtime since it attached.
    fn spawned(&self) -> u64;
}

/// The sets attached to one runtime.
#[derive(Default)]
pub(crate) struct AttachedSets {
    sets: Mutex<Vec<Weak<dyn AttachedSet>>>,
    /// Tasks counted as spawned by sets that have since detached (dropped, or moved to another
    /// runtime), so `spawned_tasks_count` never goes down.
    retired_spawned: AtomicU64,
}

impl AttachedSets {
    /// Lists `set`.
    pub(crate) fn attach(&self, set: Weak<dyn AttachedSet>) {
        let mut sets = self.sets.lock();
        sets.retain(|s| s.strong_count() > 0);
        sets.push(set);
    }

    /// Forgets `set`, keeping the `spawned` tasks it counted.
    pub(crate) fn detach(&self, set: *const (), spawned: u64) {
        self.retired_spawned.fetch_add(spawned, Relaxed);
        let removed: Vec<_> = {
            let mut sets = self.sets.lock();
            let (gone, kept) = std::mem::take(&mut *sets)
                .into_iter()
                .partition(|s| std::ptr::eq(s.as_ptr().cast::<()>(), set));
            *sets = kept;
            gone
        };
        // A weak reference may free the set's allocation: outside the lock.
        drop(removed);
    }

    /// The attached sets that are still alive.
    fn alive(&self) -> Vec<Arc<dyn AttachedSet>> {
        self.sets.lock().iter().filter_map(Weak::upgrade).collect()
    }

    /// A snapshot of every live task of every attached set.
    pub(crate) fn infos(&self, clock: &CoarseClock, now: Instant, out: &mut Vec<TaskInfo>) {
        // The sets are read one by one, after this list's lock is released; a set freed meanwhile
        // is freed by our reference, here, which is harmless: it has no task left.
        for set in self.alive() {
            set.infos(clock, now, out);
        }
    }

    /// Live tasks of the attached sets.
    pub(crate) fn live(&self) -> usize {
        self.alive().iter().map(|s| s.live()).sum()
    }

    /// Tasks spawned by the attached sets while attached (those of detached sets included).
    pub(crate) fn spawned(&self) -> u64 {
        self.retired_spawned.load(Relaxed) + self.alive().iter().map(|s| s.spawned()).sum::<u64>()
    }
}

//! The live-task registry: every task a runtime spawned and that has not ended yet.
//!
//! Shutdown needs it (to abort every task that still waits on something) and diagnostics read it
//! ([`Handle::live_tasks`](crate::Handle::live_tasks)). It is sharded by task address over small
//! mutex-protected slabs so that spawns on different workers rarely meet on the same lock. The
//! task keeps its index in its shard's slab in its own cell ([`TaskRef::registry_slot`]), so
//! neither insert nor remove hashes or searches: insert takes the first free slot (a free list
//! threads through the vacant ones), remove reads the index and frees that slot. The task's
//! `Schedule::release` removes it.
//!
//! # Memory
//!
//! A slot costs 13 bytes: the task reference (8, `None` when vacant) and the spawn stamp in 40
//! bits (milliseconds since the runtime started: 34 years), kept as a `u32` and a `u8` in arrays
//! of their own so that nothing is padding. A vacant slot's `u32` holds the free list's next index instead. The slots
//! live in pages of [`PAGE`] that are never moved or reallocated, so the slab has no growth slack
//! (a `Vec` that doubles holds on average a third more slots than live tasks): at most one page
//! per shard is partly used.

use std::fmt;

use crossbeam_utils::CachePadded;
use weft_core::loom::sync::Mutex;
use weft_core::task::TaskRef;

/// No free slot (the end of the free list).
const NONE: u32 = u32::MAX;

/// Slots per page, as a power of two.
const PAGE_BITS: u32 = 8;
/// Slots per page: 256 slots are 3.25 KiB.
const PAGE: usize = 1 << PAGE_BITS;

/// The stamps kept: 40 bits (34 years of milliseconds).
#[cfg(test)]
const STAMP_MAX: u64 = (1 << 40) - 1;

/// [`PAGE`] slots, one array per field.
struct Page {
    /// The task in each slot, `None` if vacant.
    tasks: [Option<TaskRef>; PAGE],
    /// Taken: the low 32 bits of the task's spawn stamp. Vacant: the next vacant slot (or
    /// [`NONE`]).
    low: [u32; PAGE],
    /// Taken: bits 32..40 of the spawn stamp.
    high: [u8; PAGE],
}

impl Page {
    fn new() -> Box<Page> {
        Box::new(Page {
            tasks: [const { None }; PAGE],
            low: [0; PAGE],
            high: [0; PAGE],
        })
    }

    fn stamp(&self, i: usize) -> u64 {
        (u64::from(self.high[i]) << 32) | u64::from(self.low[i])
    }
}

/// One shard: a slab of slots in pages and the head of its free list.
struct Shard {
    /// Boxed: a page is allocated once and never moved, so growing the slab copies one pointer
    /// per page and leaves no unused slots behind (a `Vec<Page>` would double, and copy).
    #[allow(clippy::vec_box)]
    pages: Vec<Box<Page>>,
    /// Slots handed out so far (taken or on the free list); those past it are vacant and not on
    /// the free list.
    used: u32,
    free: u32,
    live: usize,
    closed: bool,
    /// Tasks ever inserted here (for `spawned_tasks_count`; counted under the lock a spawn takes
    /// anyway).
    spawned: u64,
}

/// The page and the place in it of slot `index`.
#[inline]
fn split(index: u32) -> (usize, usize) {
    ((index >> PAGE_BITS) as usize, index as usize & (PAGE - 1))
}

impl Shard {
    fn new() -> Shard {
        Shard {
            pages: Vec::new(),
            used: 0,
            free: NONE,
            live: 0,
            closed: false,
            spawned: 0,
        }
    }

    /// Every listed task with its spawn stamp.
    fn tasks(&self) -> impl Iterator<Item = (&TaskRef, u64)> {
        self.pages.iter().flat_map(|page| {
            page.tasks
                .iter()
                .enumerate()
                .filter_map(|(i, t)| t.as_ref().map(|t| (t, page.stamp(i))))
        })
    }

    /// Puts the next never-used slot on the free list, adding a page if it is the first of one
    /// (out of line: the free list is empty once per [`PAGE`] spawns at most, when the slab grows).
    #[cold]
    #[inline(never)]
    fn extend(&mut self) {
        let index = self.used;
        assert!(
            index != NONE,
            "more than 2^32 - 1 live tasks in one registry shard"
        );
        let (p, i) = split(index);
        if p == self.pages.len() {
            self.pages.push(Page::new());
        }
        self.pages[p].low[i] = NONE;
        self.free = index;
        self.used += 1;
    }
}

/// The set of live tasks of one runtime.
pub(crate) struct Registry {
    shards: Box<[CachePadded<Mutex<Shard>>]>,
    mask: usize,
}

impl Registry {
    /// A registry with about `shards` shards (rounded up to a power of two).
    pub(crate) fn new(shards: usize) -> Self {
        let n = shards.next_power_of_two().clamp(1, 1024);
        Registry {
            shards: (0..n)
                .map(|_| CachePadded::new(Mutex::new(Shard::new())))
                .collect(),
            mask: n - 1,
        }
    }

    /// The shard of a task: a multiplicative hash of its address (cells are spread by the
    /// allocator; the high bits of the product mix all of the address).
    #[inline]
    fn shard(&self, task: &TaskRef) -> &Mutex<Shard> {
        let h = (task.as_ptr().as_ptr() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        &self.shards[(h >> 40) as usize & self.mask]
    }

    /// Registers `task`, spawned at `stamp` (the coarse clock's milliseconds, kept in 40 bits: a
    /// stamp wraps after 34 years of the runtime's life), or hands it back if the registry is
    /// closed (the runtime shut down).
    #[inline]
    pub(crate) fn insert(&self, task: TaskRef, stamp: u64) -> Result<(), TaskRef> {
        let mut guard = self.shard(&task).lock();
        let shard = &mut *guard;
        if shard.closed {
            return Err(task);
        }
        if shard.free == NONE {
            shard.extend();
        }
        let index = shard.free;
        task.set_registry_slot(index);
        let (p, i) = split(index);
        let page = &mut *shard.pages[p];
        shard.free = page.low[i];
        page.low[i] = stamp as u32;
        page.high[i] = (stamp >> 32) as u8;
        let old = page.tasks[i].replace(task);
        debug_assert!(old.is_none(), "the registry's free list names a live slot");
        // Always `None` (a vacant slot): forgetting it spares the drop check.
        std::mem::forget(old);
        shard.live += 1;
        shard.spawned += 1;
        Ok(())
    }

    /// Forgets `task` (it ended) and returns the registry's reference to it, for the caller to
    /// drop (after the lock is released); `None` if it is not listed (a shutdown took every
    /// entry).
    #[inline]
    pub(crate) fn remove(&self, task: &TaskRef) -> Option<TaskRef> {
        let index = task.registry_slot();
        let (p, i) = split(index);
        let mut guard = self.shard(task).lock();
        let shard = &mut *guard;
        match shard.pages.get_mut(p) {
            Some(page) if page.tasks[i].as_ref() == Some(task) => {
                page.low[i] = shard.free;
                shard.free = index;
                shard.live -= 1;
                page.tasks[i].take()
            }
            _ => None,
        }
    }

    /// Whether [`close`](Registry::close) was called.
    pub(crate) fn is_closed(&self) -> bool {
        self.shards[0].lock().closed
    }

    /// Refuses every later insert.
    pub(crate) fn close(&self) {
        for shard in self.shards.iter() {
            shard.lock().closed = true;
        }
    }

    /// References to every live task.
    pub(crate) fn snapshot(&self) -> Vec<TaskRef> {
        let mut out = Vec::new();
        for shard in self.shards.iter() {
            out.extend(shard.lock().tasks().map(|(t, _)| t.clone()));
        }
        out
    }

    /// Removes and returns every entry. The pages are kept (as a `Vec` keeps its capacity), all
    /// of their slots unused again.
    pub(crate) fn take_all(&self) -> Vec<TaskRef> {
        let mut out = Vec::new();
        for shard in self.shards.iter() {
            let mut shard = shard.lock();
            for page in shard.pages.iter_mut() {
                out.extend(page.tasks.iter_mut().filter_map(Option::take));
            }
            shard.free = NONE;
            shard.used = 0;
            shard.live = 0;
        }
        out
    }

    /// The number of live tasks.
    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().live).sum()
    }

    /// The number of tasks ever inserted.
    pub(crate) fn spawned(&self) -> u64 {
        self.shards.iter().map(|s| s.lock().spawned).sum()
    }

    /// Every live task with its spawn stamp, one shard at a time: a shard's lock is held only to
    /// copy its references out (a reference count increment per task), so spawns elsewhere go
    /// on and no lock is held while the tasks are looked at.
    pub(crate) fn entries(&self, out: &mut Vec<(TaskRef, u64)>) {
        for shard in self.shards.iter() {
            let shard = shard.lock();
            out.extend(shard.tasks().map(|(t, s)| (t.clone(), s)));
        }
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("shards", &self.shards.len())
            .field("live", &self.len())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use proptest::prelude::*;
    use weft_core::task::{self, Runnable, Schedule, ScheduleInfo, SpawnOptions, TaskId};

    use super::*;

    /// Tasks that are never scheduled: only their cells are needed.
    struct Never;

    impl Schedule for Never {
        fn schedule(&self, _task: Runnable, _info: ScheduleInfo) {
            unreachable!("registry tests never wake a task")
        }
    }

    fn new_task() -> (Runnable, TaskRef) {
        let (runnable, join) = task::spawn(async {}, Arc::new(Never), SpawnOptions::new());
        drop(join);
        let task = runnable.task();
        (runnable, task)
    }

    #[derive(Debug, Clone)]
    enum Op {
        /// Insert a new task with this stamp.
        Insert(u64),
        /// Remove the live task at this position (modulo), if any.
        Remove(usize),
        /// Remove a task that was listed before (modulo) and was removed since.
        RemoveAgain(usize),
        /// Take every entry.
        TakeAll,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => any::<u64>().prop_map(Op::Insert),
            3 => any::<usize>().prop_map(Op::Remove),
            1 => any::<usize>().prop_map(Op::RemoveAgain),
            1 => Just(Op::TakeAll),
        ]
    }

    fn check(registry: &Registry, model: &HashMap<TaskId, u64>, spawned: u64) {
        assert_eq!(registry.len(), model.len());
        assert_eq!(registry.spawned(), spawned);
        let mut entries = Vec::new();
        registry.entries(&mut entries);
        let listed: HashMap<TaskId, u64> = entries.iter().map(|(t, s)| (t.id(), *s)).collect();
        assert_eq!(listed.len(), entries.len(), "a task listed twice");
        assert_eq!(&listed, model);
        let mut snapshot: Vec<TaskId> = registry.snapshot().iter().map(TaskRef::id).collect();
        let mut expected: Vec<TaskId> = model.keys().copied().collect();
        snapshot.sort();
        expected.sort();
        assert_eq!(snapshot, expected);
    }

    proptest! {
        /// The slab registry against a map: inserts (stamps of any size: 40 bits are kept),
        /// removes (also of tasks no longer listed, whose slot another task may
        /// hold by now) and take_all, over 1, 2 and 4 shards.
        #[test]
        fn registry_matches_a_map(
            ops in prop::collection::vec(op(), 1..200),
            shards in prop::sample::select(vec![1usize, 2, 4]),
        ) {
            let registry = Registry::new(shards);
            let mut model: HashMap<TaskId, u64> = HashMap::new();
            let mut live: Vec<TaskRef> = Vec::new();
            let mut gone: Vec<TaskRef> = Vec::new();
            let mut runnables = Vec::new();
            let mut spawned = 0;
            for op in ops {
                match op {
                    Op::Insert(stamp) => {
                        let (runnable, task) = new_task();
                        runnables.push(runnable);
                        registry.insert(task.clone(), stamp).expect("open");
                        model.insert(task.id(), stamp & STAMP_MAX);
                        live.push(task);
                        spawned += 1;
                    }
                    Op::Remove(i) if !live.is_empty() => {
                        let task = live.swap_remove(i % live.len());
                        registry.remove(&task);
                        model.remove(&task.id());
                        gone.push(task);
                    }
                    Op::RemoveAgain(i) if !gone.is_empty() => {
                        registry.remove(&gone[i % gone.len()]);
                    }
                    Op::TakeAll => {
                        let taken = registry.take_all();
                        prop_assert_eq!(taken.len(), live.len());
                        model.clear();
                        gone.append(&mut live);
                    }
                    _ => {}
                }
                check(&registry, &model, spawned);
            }
            registry.close();
            let (_runnable, task) = new_task();
            prop_assert!(registry.insert(task, 0).is_err(), "a closed registry refuses");
        }
    }

    /// Several pages: slots past the first page are found, freed and reused; `take_all` leaves
    /// the pages to be reused from slot 0; stamps keep all 40 bits.
    #[test]
    fn slots_span_pages_and_take_all_reuses_them() {
        let registry = Registry::new(1);
        let n = 2 * PAGE + PAGE / 2;
        let mut runnables = Vec::new();
        let mut tasks = Vec::new();
        for k in 0..n {
            let (r, t) = new_task();
            runnables.push(r);
            let stamp = (k as u64) << 29 | 7;
            registry.insert(t.clone(), stamp).unwrap();
            assert_eq!(t.registry_slot(), k as u32);
            tasks.push((t, stamp));
        }
        assert_eq!(registry.shards[0].lock().pages.len(), 3);
        // Free every third slot, across all three pages, then take them again.
        for (t, _) in tasks.iter().step_by(3) {
            registry.remove(t);
        }
        assert_eq!(registry.len(), n - n.div_ceil(3));
        let mut again = Vec::new();
        for _ in 0..n.div_ceil(3) {
            let (r, t) = new_task();
            runnables.push(r);
            registry.insert(t.clone(), STAMP_MAX).unwrap();
            assert!(t.registry_slot() % 3 == 0, "a freed slot is reused first");
            again.push(t);
        }
        assert_eq!(registry.len(), n);
        assert_eq!(registry.shards[0].lock().pages.len(), 3, "no page added");
        let mut entries = Vec::new();
        registry.entries(&mut entries);
        let got: HashMap<TaskId, u64> = entries.iter().map(|(t, s)| (t.id(), *s)).collect();
        for (k, (t, stamp)) in tasks.iter().enumerate() {
            assert_eq!(got.get(&t.id()).copied(), (k % 3 != 0).then_some(*stamp));
        }
        for t in &again {
            assert_eq!(got[&t.id()], STAMP_MAX);
        }
        assert_eq!(registry.take_all().len(), n);
        assert_eq!(registry.len(), 0);
        let (_r, t) = new_task();
        registry.insert(t.clone(), 1).unwrap();
        assert_eq!(
            t.registry_slot(),
            0,
            "after take_all the slots are used from the start"
        );
        assert_eq!(registry.shards[0].lock().pages.len(), 3);
        // A task removed long ago whose slot is in use again: removing it changes nothing.
        registry.remove(&tasks[0].0);
        assert_eq!(registry.len(), 1);
    }

    #[test]
    fn the_slot_is_reused_and_stamps_stay_with_their_task() {
        let registry = Registry::new(1);
        let (_ra, a) = new_task();
        let (_rb, b) = new_task();
        let (_rc, c) = new_task();
        registry.insert(a.clone(), 1).unwrap();
        registry.insert(b.clone(), 2).unwrap();
        assert_eq!((a.registry_slot(), b.registry_slot()), (0, 1));
        registry.remove(&a);
        registry.insert(c.clone(), 3).unwrap();
        assert_eq!(c.registry_slot(), 0, "the freed slot is taken first");
        // `a` still says slot 0, which `c` holds now: removing `a` again must leave `c` alone.
        registry.remove(&a);
        let mut entries = Vec::new();
        registry.entries(&mut entries);
        let mut got: Vec<(TaskId, u64)> = entries.iter().map(|(t, s)| (t.id(), *s)).collect();
        got.sort();
        let mut want = vec![(b.id(), 2), (c.id(), 3)];
        want.sort();
        assert_eq!(got, want);
    }
}

//! The live-task registry: every task a runtime spawned and that has not ended yet.
//!
//! Shutdown needs it (to abort every task that still waits on something) and diagnostics read it
//! ([`Handle::live_tasks`](crate::Handle::live_tasks)). It is sharded by task address over small
//! mutex-protected slabs so that spawns on different workers rarely meet on the same lock. An
//! entry is one [`TaskRef`] with its spawn stamp; the task keeps its index in the slab in its own
//! cell ([`TaskRef::registry_slot`]), so neither insert nor remove hashes or searches: insert takes
//! the first free slot (a free list threads through the vacant ones), remove reads the index and
//! frees that slot. The task's `Schedule::release` removes it.

use std::fmt;

use crossbeam_utils::CachePadded;
use weft_core::loom::sync::Mutex;
use weft_core::task::TaskRef;

/// No free slot (the end of the free list).
const NONE: u32 = u32::MAX;

/// One place in a shard's slab.
enum Slot {
    /// A live task and its spawn time on the runtime's coarse clock.
    Taken(TaskRef, u64),
    /// Vacant; the next vacant slot (or [`NONE`]).
    Free(u32),
}

/// One shard: a slab of slots and the head of its free list.
struct Shard {
    slots: Vec<Slot>,
    free: u32,
    live: usize,
    closed: bool,
    /// Tasks ever inserted here (for `spawned_tasks_count`; counted under the lock a spawn takes
    /// anyway).
    spawned: u64,
}

impl Shard {
    fn tasks(&self) -> impl Iterator<Item = (&TaskRef, u64)> {
        self.slots.iter().filter_map(|s| match s {
            Slot::Taken(t, stamp) => Some((t, *stamp)),
            Slot::Free(_) => None,
        })
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
                .map(|_| {
                    CachePadded::new(Mutex::new(Shard {
                        slots: Vec::new(),
                        free: NONE,
                        live: 0,
                        closed: false,
                        spawned: 0,
                    }))
                })
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

    /// Registers `task`, spawned at `stamp` (the coarse clock), or hands it back if the registry
    /// is closed (the runtime shut down).
    pub(crate) fn insert(&self, task: TaskRef, stamp: u64) -> Result<(), TaskRef> {
        let mut guard = self.shard(&task).lock();
        let shard = &mut *guard;
        if shard.closed {
            return Err(task);
        }
        if shard.free != NONE {
            let index = shard.free;
            let slot = &mut shard.slots[index as usize];
            match *slot {
                Slot::Free(next) => shard.free = next,
                Slot::Taken(..) => unreachable!("the registry's free list names a live slot"),
            }
            task.set_registry_slot(index);
            *slot = Slot::Taken(task, stamp);
        } else {
            let index = u32::try_from(shard.slots.len())
                .ok()
                .filter(|&i| i != NONE)
                .expect("more than 2^32 - 1 live tasks in one registry shard");
            task.set_registry_slot(index);
            shard.slots.push(Slot::Taken(task, stamp));
        }
        shard.live += 1;
        shard.spawned += 1;
        Ok(())
    }

    /// Forgets `task` (it ended); nothing if it is not listed (a shutdown took every entry).
    /// Our reference is dropped after the lock is released.
    pub(crate) fn remove(&self, task: &TaskRef) {
        let index = task.registry_slot();
        let removed = {
            let mut guard = self.shard(task).lock();
            let shard = &mut *guard;
            let listed = matches!(
                shard.slots.get(index as usize),
                Some(Slot::Taken(t, _)) if t == task
            );
            if listed {
                let free = std::mem::replace(&mut shard.free, index);
                shard.live -= 1;
                Some(std::mem::replace(
                    &mut shard.slots[index as usize],
                    Slot::Free(free),
                ))
            } else {
                None
            }
        };
        drop(removed);
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

    /// Removes and returns every entry.
    pub(crate) fn take_all(&self) -> Vec<TaskRef> {
        let mut out = Vec::new();
        for shard in self.shards.iter() {
            let mut shard = shard.lock();
            shard.free = NONE;
            shard.live = 0;
            out.extend(shard.slots.drain(..).filter_map(|s| match s {
                Slot::Taken(t, _) => Some(t),
                Slot::Free(_) => None,
            }));
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
        /// The slab registry against a map: inserts, removes (also of tasks no longer listed,
        /// whose slot another task may hold by now) and take_all, over 1, 2 and 4 shards.
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
                        model.insert(task.id(), stamp);
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

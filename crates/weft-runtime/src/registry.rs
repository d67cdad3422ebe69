//! The live-task registry: every task a runtime spawned and that has not ended yet.
//!
//! Shutdown needs it (to abort every task that still waits on something) and diagnostics read it
//! ([`Handle::live_tasks`](crate::Handle::live_tasks)). It is sharded by task address over small
//! mutex-protected sets so that spawns on different workers rarely meet on the same lock. An entry
//! is one [`TaskRef`] (8 bytes, hashed by address); the task's `Schedule::release` removes it.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

use crossbeam_utils::CachePadded;
use weft_core::loom::sync::Mutex;
use weft_core::task::TaskRef;

/// A multiplicative hasher for task addresses.
#[derive(Default, Clone, Copy)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }
}

/// Each live task with its spawn time on the runtime's coarse clock.
type TaskSet = HashMap<TaskRef, u64, BuildHasherDefault<IdHasher>>;

struct Shard {
    tasks: TaskSet,
    closed: bool,
    /// Tasks ever inserted here (for `spawned_tasks_count`; counted under the lock a spawn takes
    /// anyway).
    spawned: u64,
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
                        tasks: TaskSet::default(),
                        closed: false,
                        spawned: 0,
                    }))
                })
                .collect(),
            mask: n - 1,
        }
    }

    fn shard(&self, task: &TaskRef) -> &Mutex<Shard> {
        let h = BuildHasherDefault::<IdHasher>::default().hash_one(task);
        &self.shards[(h >> 40) as usize & self.mask]
    }

    /// Registers `task`, spawned at `stamp` (the coarse clock), or hands it back if the registry
    /// is closed (the runtime shut down).
    pub(crate) fn insert(&self, task: TaskRef, stamp: u64) -> Result<(), TaskRef> {
        let mut shard = self.shard(&task).lock();
        if shard.closed {
            return Err(task);
        }
        shard.tasks.insert(task, stamp);
        shard.spawned += 1;
        Ok(())
    }

    /// Forgets `task` (it ended). Our reference is dropped after the lock is released.
    pub(crate) fn remove(&self, task: &TaskRef) {
        let removed = self.shard(task).lock().tasks.remove_entry(task);
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
            out.extend(shard.lock().tasks.keys().cloned());
        }
        out
    }

    /// Removes and returns every entry.
    pub(crate) fn take_all(&self) -> Vec<TaskRef> {
        let mut out = Vec::new();
        for shard in self.shards.iter() {
            out.extend(shard.lock().tasks.drain().map(|(t, _)| t));
        }
        out
    }

    /// The number of live tasks.
    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().tasks.len()).sum()
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
            out.extend(shard.tasks.iter().map(|(t, s)| (t.clone(), *s)));
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

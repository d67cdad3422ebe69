//! [`RuntimeMetrics`]: counters a running runtime keeps about itself, cheap enough to stay on.
//!
//! Each worker's counters sit in its own cache line (`WorkerMetrics`) and only that worker
//! writes them, with a relaxed load and store (no read-modify-write instruction, no line shared
//! with another writer); readers load them racily, so a reading may be a few events behind. The
//! task counts come from the live-task registry (whose shard lock a spawn takes anyway), the queue
//! depths from the queues, the blocking counts from the pool, the I/O and timer counts from the
//! park hook ([`Park::metrics`](crate::Park::metrics)).

use std::fmt;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

pub use crate::park::ParkMetrics;
use crate::scheduler;
use crate::worker_metrics::WorkerMetrics;

/// A runtime's counters, from [`Handle::metrics`](crate::Handle::metrics).
///
/// Counters (`*_count`, busy duration) only grow from the runtime's start; depths and numbers of
/// threads or tasks are what they are at the moment of reading. Readings are racy (relaxed loads
/// of counters that workers keep moving), never torn. Workers are numbered `0..num_workers()`;
/// the current-thread runtime has one worker, the thread inside `block_on`.
///
/// The tasks of a [`LocalSet`](crate::task::LocalSet) driven in the runtime are in the task
/// counts ([`num_alive_tasks`](Self::num_alive_tasks),
/// [`spawned_tasks_count`](Self::spawned_tasks_count)) but not in the worker counters or queue
/// depths: the set's `run_until` runs them from its own queue, inside the poll of the future that
/// drives the set. So their polls are not worker polls, and their time is busy time of the
/// current-thread worker (the thread inside `block_on`) and of no multi-thread worker (there
/// `block_on` runs on the caller's thread).
///
/// # Examples
///
/// ```
/// let rt = weft_runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// rt.block_on(async {
///     for i in 0..10 {
///         weft_runtime::spawn(async move { i }).await.unwrap();
///     }
/// });
/// let m = rt.handle().metrics();
/// assert_eq!(m.num_workers(), 2);
/// assert_eq!(m.spawned_tasks_count(), 10);
/// // Workers publish their poll counts in batches (at parks and turns of the park hook).
/// let polls: u64 = (0..m.num_workers()).map(|i| m.worker_poll_count(i)).sum();
/// println!("{polls} polls so far");
/// ```
#[derive(Clone)]
pub struct RuntimeMetrics {
    handle: scheduler::Handle,
}

impl RuntimeMetrics {
    pub(crate) fn new(handle: scheduler::Handle) -> RuntimeMetrics {
        RuntimeMetrics { handle }
    }

    /// The number of workers (1 for a current-thread runtime).
    pub fn num_workers(&self) -> usize {
        self.handle.common().workers.len()
    }

    /// The number of tasks spawned and not ended yet (blocking jobs excluded; the tasks of a
    /// [`LocalSet`](crate::task::LocalSet) driven in this runtime included).
    pub fn num_alive_tasks(&self) -> usize {
        self.handle.num_live_tasks()
    }

    /// The number of tasks spawned since the runtime started (blocking jobs excluded). A
    /// [`LocalSet`](crate::task::LocalSet)'s tasks count from when the set is first driven in
    /// this runtime: those alive then, and every one spawned after.
    pub fn spawned_tasks_count(&self) -> u64 {
        self.handle.spawned_tasks_count()
    }

    /// The number of tasks waiting in the global queue (spawned or woken from outside a worker,
    /// or overflowing a full local queue).
    pub fn global_queue_depth(&self) -> usize {
        self.handle.global_queue_depth()
    }

    /// The number of blocking-pool threads (busy and idle).
    pub fn num_blocking_threads(&self) -> usize {
        self.handle.common().blocking.counts().threads
    }

    /// The number of blocking-pool threads waiting for a job.
    pub fn num_idle_blocking_threads(&self) -> usize {
        self.handle.common().blocking.counts().idle
    }

    /// The number of blocking jobs waiting for a thread.
    pub fn blocking_queue_depth(&self) -> usize {
        self.handle.common().blocking.counts().queued
    }

    /// How many task polls worker `i` has run, as of its last park or turn of the park hook (the
    /// workers count polls in batches of at most `event_interval`, so a busy worker's count is at
    /// most that many polls behind).
    ///
    /// # Panics
    /// If `i >= num_workers()`.
    #[track_caller]
    pub fn worker_poll_count(&self, i: usize) -> u64 {
        self.worker(i).poll_count.load(Relaxed)
    }

    /// How many tasks worker `i` has stolen from other workers (0 on a current-thread runtime).
    ///
    /// # Panics
    /// If `i >= num_workers()`.
    #[track_caller]
    pub fn worker_steal_count(&self, i: usize) -> u64 {
        self.worker(i).steal_count.load(Relaxed)
    }

    /// How many times worker `i` ran out of work and parked.
    ///
    /// # Panics
    /// If `i >= num_workers()`.
    #[track_caller]
    pub fn worker_park_count(&self, i: usize) -> u64 {
        self.worker(i).park_count.load(Relaxed)
    }

    /// How long worker `i` has been busy (not parked), up to its last park or a recent turn of
    /// the park hook (every fourth turn, that is every `4 * event_interval` polls, while busy).
    ///
    /// # Panics
    /// If `i >= num_workers()`.
    #[track_caller]
    pub fn worker_busy_duration(&self, i: usize) -> Duration {
        Duration::from_nanos(self.worker(i).busy_nanos.load(Relaxed))
    }

    /// The number of tasks in worker `i`'s own queue. On a current-thread runtime: as of its
    /// last park or last turn of the park hook (every `event_interval` polls while busy).
    ///
    /// # Panics
    /// If `i >= num_workers()`.
    #[track_caller]
    pub fn worker_local_queue_depth(&self, i: usize) -> usize {
        let w = self.worker(i);
        match &self.handle {
            scheduler::Handle::MultiThread(s) => s.local_queue_depth(i),
            scheduler::Handle::CurrentThread(_) => w.local_queue_depth.load(Relaxed),
        }
    }

    /// The number of I/O readiness events the reactor has dispatched (0 without a reactor).
    pub fn io_driver_ready_count(&self) -> u64 {
        self.park_metrics().io_driver_ready_count
    }

    /// The number of timers that have fired (0 without timers).
    pub fn timers_fired_count(&self) -> u64 {
        self.park_metrics().timers_fired_count
    }

    fn park_metrics(&self) -> ParkMetrics {
        self.handle
            .common()
            .park_hook
            .hook()
            .map(|h| h.metrics())
            .unwrap_or_default()
    }

    #[track_caller]
    fn worker(&self, i: usize) -> &WorkerMetrics {
        let workers = &self.handle.common().workers;
        assert!(
            i < workers.len(),
            "RuntimeMetrics: worker index {i} out of range: this runtime has {} worker(s), \
             numbered from 0 (see num_workers)",
            workers.len()
        );
        workers.get(i)
    }
}

impl fmt::Debug for RuntimeMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.num_workers();
        f.debug_struct("RuntimeMetrics")
            .field("num_workers", &n)
            .field("num_alive_tasks", &self.num_alive_tasks())
            .field("spawned_tasks_count", &self.spawned_tasks_count())
            .field("global_queue_depth", &self.global_queue_depth())
            .field(
                "worker_poll_count",
                &(0..n)
                    .map(|i| self.worker_poll_count(i))
                    .collect::<Vec<_>>(),
            )
            .field(
                "worker_park_count",
                &(0..n)
                    .map(|i| self.worker_park_count(i))
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

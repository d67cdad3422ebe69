//! `LocalSet`: `!Send` tasks run by the thread that drives the set, on either runtime flavour.
//!
//! # Thread discipline
//!
//! A `LocalSet` is `!Send` and `!Sync`, so it is created, driven (`run_until`) and dropped on
//! one thread, its *owner*. Its tasks' futures are only ever polled and dropped there (the safety
//! condition of `weft_core::task::spawn_unchecked`):
//! - the scheduling hook of a local task, which any thread may call through a waker, only pushes
//!   the `Runnable` onto the set's queue and wakes the future that drives the set; it never runs
//!   or drops it;
//! - only the owner pops the queue: `run_until` runs what it pops, `Drop` drops it (cancelling
//!   the task there);
//! - `Drop` cancels every task still alive on the owner thread: it aborts them (an idle task is
//!   then queued), and drops every queued `Runnable` until no task of the set is left. A wake
//!   from another thread may have made a task's `Runnable` just before and not queued it yet:
//!   `Drop` waits for it (the waker is between two statements) rather than return while a
//!   `Runnable` can still arrive. Afterwards every task is finished, so none can be woken into a
//!   new `Runnable`, and the set's state holds no task (no cycle through the tasks' hooks);
//! - if the set was leaked (`mem::forget`) and its shared state is freed later on another thread
//!   (by the last task reference), the tasks left in it are leaked, with a message on stderr,
//!   rather than dropped there.
//!
//! # The runtime around it
//!
//! A set *attaches* to the runtime in which its `run_until` is polled (the runtime current on
//! that thread: inside its `block_on` or one of its tasks), and moves to another runtime if it is
//! later driven there. Its tasks then follow that runtime's panic policy
//! (`Builder::unhandled_panic`, `report_unhandled_panics`), appear in its dumps, task counts and
//! shutdown reports (see [`crate::attached`]), and are dated on its coarse clock. A set that has
//! never been driven inside a runtime (polled by another executor) reports a panic nobody sees on
//! stderr and carries on, as `UnhandledPanic::Ignore` does.

use std::any::Any;
use std::cell::Cell;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll};
use std::thread::{self, ThreadId};
use std::time::Instant;

use weft_core::coop::{self, Budget};
use weft_core::loom::sync::Mutex;
use weft_core::task::{
    self, AtomicWaker, JoinHandle, Runnable, Schedule, ScheduleInfo, SpawnOptions, TaskId, TaskRef,
};

use crate::attached::AttachedSet;
use crate::context;
use crate::dump::{CoarseClock, TaskInfo};
use crate::runtime::Runtime;
use crate::scheduler;

/// How many local tasks one poll of `run_until` runs before it yields to the runtime.
const TASKS_PER_POLL: usize = 61;

/// A set of `!Send` tasks, run on the thread that drives it: tokio's `LocalSet`, on either
/// runtime flavour.
///
/// [`spawn_local`](LocalSet::spawn_local) (or [`crate::spawn_local`] inside
/// [`run_until`](LocalSet::run_until)) adds a task; the tasks run while `run_until`'s future is
/// polled, on that thread, interleaved with its future. A task woken from another thread is
/// queued and run by the owner thread. Dropping the set cancels the tasks still in it, on its own
/// thread.
///
/// Driven inside a runtime, the set's tasks are that runtime's for diagnostics and panics: they
/// follow its [`UnhandledPanic`](crate::UnhandledPanic) policy and appear in
/// [`Handle::dump`](crate::Handle::dump), [`Handle::live_tasks`](crate::Handle::live_tasks), its
/// task counts and its shutdown reports. A set driven by another executor reports a panic nobody
/// sees on stderr and carries on.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
///
/// let rt = weft_runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// let local = weft_runtime::task::LocalSet::new();
/// let out = local.block_on(&rt, async {
///     let shared = Rc::new(21); // !Send
///     let s = shared.clone();
///     let task = weft_runtime::spawn_local(async move { *s * 2 });
///     task.await.unwrap()
/// });
/// assert_eq!(out, 42);
/// ```
///
/// A set stays on the thread that made it, so it is always dropped (and its tasks cancelled)
/// there:
///
/// ```compile_fail
/// let local = weft_runtime::task::LocalSet::new();
/// std::thread::spawn(move || drop(local)); // LocalSet is !Send
/// ```
pub struct LocalSet {
    shared: Arc<Shared>,
    /// The common state of the runtime the set is attached to (null: none), to notice cheaply
    /// when `run_until` is polled in another one. Only compared, never dereferenced; the runtime
    /// cannot be freed (and the address reused) while `State::runtime` holds its handle.
    attached_to: Cell<*const scheduler::common::Common>,
    /// `!Send` and `!Sync`: the set stays on its owner thread.
    _not_send: PhantomData<*const ()>,
}

pub(crate) struct Shared {
    owner: ThreadId,
    state: Mutex<State>,
    /// The waker of the future driving the set (`run_until`).
    driver: AtomicWaker,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Runnable>,
    /// Every task not finished yet, with its spawn stamp on the attached runtime's coarse clock,
    /// so `Drop` can cancel them and the runtime can list them.
    live: HashMap<TaskId, (TaskRef, u64)>,
    /// Dropped: a spawn is cancelled at once.
    closed: bool,
    /// The runtime the set is attached to.
    runtime: Option<scheduler::Handle>,
    /// Tasks counted as spawned on that runtime (the live ones when it attached, and every spawn
    /// since).
    spawned: u64,
}

/// The scheduling hook of a local task.
struct LocalHook(Arc<Shared>);

impl Schedule for LocalHook {
    fn schedule(&self, task: Runnable, _info: ScheduleInfo) {
        // Any thread: only queue it (see the module docs), for the owner to run or drop.
        self.0.state.lock().queue.push_back(task);
        self.0.driver.wake();
    }

    fn release(&self, task: &TaskRef) {
        let entry = self.0.state.lock().live.remove(&task.id());
        drop(entry); // after the lock: the runner still holds a reference, nothing is freed
    }

    fn unhandled_panic(&self, task: &TaskRef, payload: &(dyn Any + Send)) {
        // Called where the task completes (the owner thread) or where its JoinHandle is dropped
        // (any thread): never under the set's lock.
        let runtime = self.0.state.lock().runtime.clone();
        match runtime {
            Some(rt) => rt.common().unhandled_panic(task, payload),
            None => task::report_unhandled_panic(task, payload),
        }
    }
}

impl AttachedSet for Shared {
    fn infos(&self, clock: &CoarseClock, now: Instant, out: &mut Vec<TaskInfo>) {
        let tasks: Vec<(TaskRef, u64)> = self.state.lock().live.values().cloned().collect();
        out.extend(
            tasks
                .iter()
                .map(|(task, stamp)| TaskInfo::new(task, *stamp, clock, now)),
        );
        // Our references go after the lock. Every task listed is finished or alive in the set,
        // whose Drop cancels it on the owner thread, so a last reference dropped here only frees
        // memory.
        drop(tasks);
    }

    fn live(&self) -> usize {
        self.state.lock().live.len()
    }

    fn spawned(&self) -> u64 {
        self.state.lock().spawned
    }
}

thread_local! {
    /// The set whose `run_until` is being polled on this thread (for [`crate::spawn_local`]).
    static CURRENT: Cell<*const Shared> = const { Cell::new(std::ptr::null()) };
}

/// Spawns `future` on the `LocalSet` being driven on this thread, if any; gives the future back
/// otherwise.
pub(crate) fn try_spawn_current<F>(
    future: F,
    opts: SpawnOptions,
) -> Result<JoinHandle<F::Output>, F>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let ptr = CURRENT.try_with(Cell::get).unwrap_or(std::ptr::null());
    if ptr.is_null() {
        return Err(future);
    }
    // SAFETY: CURRENT is set only while `RunUntil::poll` runs on this thread, which borrows the
    // `LocalSet` and so keeps its `Arc<Shared>` alive; the increment makes our own reference.
    let shared = unsafe {
        Arc::increment_strong_count(ptr);
        Arc::from_raw(ptr)
    };
    Ok(spawn_on(&shared, future, opts))
}

/// Spawns a local task of `shared`'s set. The caller is on the owner thread.
fn spawn_on<F>(shared: &Arc<Shared>, future: F, opts: SpawnOptions) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    debug_assert_eq!(shared.owner, thread::current().id());
    // SAFETY: the Runnables of this task are run and dropped only on the owner thread, which is
    // this one (module docs: the hook only queues, only the owner pops); the JoinHandle of a
    // `!Send` output is `!Send` and stays here.
    let (runnable, handle) =
        unsafe { task::spawn_unchecked(future, LocalHook(shared.clone()), opts) };
    let refused = {
        let mut state = shared.state.lock();
        if state.closed {
            Some(runnable)
        } else {
            let stamp = state
                .runtime
                .as_ref()
                .map_or(0, |rt| rt.common().clock.stamp());
            state.spawned += 1;
            state.live.insert(runnable.id(), (runnable.task(), stamp));
            state.queue.push_back(runnable);
            None
        }
    };
    match refused {
        // On the owner thread: dropping the Runnable cancels the task here.
        Some(runnable) => drop(runnable),
        None => shared.driver.wake(),
    }
    handle
}

impl LocalSet {
    /// An empty set, owned by this thread.
    pub fn new() -> LocalSet {
        LocalSet {
            shared: Arc::new(Shared {
                owner: thread::current().id(),
                state: Mutex::new(State::default()),
                driver: AtomicWaker::new(),
            }),
            attached_to: Cell::new(std::ptr::null()),
            _not_send: PhantomData,
        }
    }

    /// Attaches the set to the runtime current on this thread, if it is not attached to it
    /// already (see the module docs).
    fn attach_to_current(&self) {
        let current = context::with_current(|h| {
            h.filter(|h| !std::ptr::eq(h.common(), self.attached_to.get()))
                .cloned()
        });
        let Some(rt) = current else { return };
        let old = {
            let mut state = self.shared.state.lock();
            // Tasks alive now are new to this runtime: dated and counted from here.
            let stamp = rt.common().clock.stamp();
            for entry in state.live.values_mut() {
                entry.1 = stamp;
            }
            let alive = state.live.len() as u64;
            let old_spawned = std::mem::replace(&mut state.spawned, alive);
            state
                .runtime
                .replace(rt.clone())
                .map(|old| (old, old_spawned))
        };
        self.attached_to.set(rt.common());
        let me: Weak<dyn AttachedSet> = Arc::downgrade(&self.shared) as Weak<dyn AttachedSet>;
        rt.common().local_sets.attach(me);
        if let Some((old, spawned)) = old {
            old.common()
                .local_sets
                .detach(Arc::as_ptr(&self.shared).cast(), spawned);
        }
    }

    /// Adds a `!Send` task to the set. It starts when the set is next driven
    /// ([`run_until`](Self::run_until)), on this thread.
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        spawn_on(&self.shared, future, SpawnOptions::new())
    }

    /// Runs `future` and, while it runs, the set's tasks, on this thread; returns `future`'s
    /// output (the tasks still running stay in the set, to be run by the next `run_until`).
    ///
    /// Inside, [`crate::spawn_local`] adds tasks to this set, on either runtime flavour.
    ///
    /// # Cancel safety
    ///
    /// Dropping the returned future drops `future`; the set's tasks stay in the set.
    pub fn run_until<F: Future>(&self, future: F) -> RunUntil<'_, F> {
        RunUntil {
            set: self,
            future,
            attached: false,
        }
    }

    /// `rt.block_on(self.run_until(future))`.
    ///
    /// # Panics
    ///
    /// As [`Runtime::block_on`].
    #[track_caller]
    pub fn block_on<P, F: Future>(&self, rt: &Runtime<P>, future: F) -> F::Output {
        rt.block_on(self.run_until(future))
    }
}

impl Default for LocalSet {
    fn default() -> Self {
        LocalSet::new()
    }
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.state.lock();
        f.debug_struct("LocalSet")
            .field("tasks", &state.live.len())
            .field("queued", &state.queue.len())
            .finish()
    }
}

impl Drop for LocalSet {
    fn drop(&mut self) {
        // Cancel every task on this (the owner) thread: abort them all (an idle one is queued by
        // its hook), then drop every queued Runnable, which cancels its task here, until every
        // task has left `live` (its `release`).
        let live: Vec<TaskRef> = {
            let mut state = self.shared.state.lock();
            state.closed = true;
            state.live.values().map(|(task, _)| task.clone()).collect()
        };
        for task in &live {
            task.abort();
        }
        drop(live);
        loop {
            let next = {
                let mut state = self.shared.state.lock();
                match state.queue.pop_front() {
                    Some(runnable) => Some(runnable),
                    None if state.live.is_empty() => break,
                    None => None,
                }
            };
            match next {
                Some(runnable) => drop(runnable),
                // A task is alive and not queued: it is not running (only this thread runs
                // them, and it is here), so its Runnable is in flight, made by a wake on another
                // thread that has not pushed it yet. Wait for it: it must be dropped here.
                None => weft_core::loom::thread::yield_now(),
            }
        }
        let (runtime, spawned) = {
            let mut state = self.shared.state.lock();
            (state.runtime.take(), state.spawned)
        };
        if let Some(rt) = runtime {
            rt.common()
                .local_sets
                .detach(Arc::as_ptr(&self.shared).cast(), spawned);
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        let mut state = std::mem::take(self.state.get_mut());
        let _runtime = state.runtime.take();
        if state.queue.is_empty() && state.live.is_empty() {
            return;
        }
        if thread::current().id() == self.owner {
            drop(state);
            return;
        }
        // Only a leaked (forgotten) LocalSet gets here: its tasks' futures may not be dropped on
        // this thread, so they are leaked, loudly.
        eprintln!(
            "weft: a LocalSet was leaked without being dropped, and {} of its !Send tasks outlived \
             it; they belong to thread {:?} and are leaked rather than dropped on thread {:?}",
            state.live.len().max(state.queue.len()),
            self.owner,
            thread::current().id()
        );
        std::mem::forget(state);
    }
}

/// The future of [`LocalSet::run_until`].
pub struct RunUntil<'a, F> {
    set: &'a LocalSet,
    future: F,
    /// The set was attached to the runtime around the first poll (a `RunUntil` is `!Send`, so
    /// its later polls come from the same `block_on`, or at worst from another executor on the
    /// same thread, which the next `run_until` sorts out).
    attached: bool,
}

impl<F: Future> Future for RunUntil<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned (never moved out of the pinned RunUntil);
        // `set` is a shared reference, not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        if !this.attached {
            this.attached = true;
            this.set.attach_to_current();
        }
        let shared = &this.set.shared;
        shared.driver.register(cx.waker());
        let _current = EnterSet::new(Arc::as_ptr(shared));
        // SAFETY: as above.
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        if let Poll::Ready(output) = future.poll(cx) {
            return Poll::Ready(output);
        }
        for _ in 0..TASKS_PER_POLL {
            let next = shared.state.lock().queue.pop_front();
            match next {
                // Each task gets its own budget, as a runtime's task does.
                Some(runnable) => {
                    coop::with_budget(Budget::initial(), || runnable.run());
                }
                None => return Poll::Pending,
            }
        }
        // More tasks are queued: let the runtime run others, then come back.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl<F> fmt::Debug for RunUntil<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunUntil").finish_non_exhaustive()
    }
}

/// Makes a set current on this thread until dropped.
struct EnterSet {
    prev: *const Shared,
}

impl EnterSet {
    fn new(shared: *const Shared) -> EnterSet {
        let prev = CURRENT
            .try_with(|c| c.replace(shared))
            .unwrap_or(std::ptr::null());
        EnterSet { prev }
    }
}

impl Drop for EnterSet {
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|c| c.set(self.prev));
    }
}

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
//!   then queued), and drops every queued `Runnable`; afterwards no task of the set can be woken
//!   into a new `Runnable`;
//! - if the set was leaked (`mem::forget`) and its shared state is freed later on another thread
//!   (by the last task reference), the tasks left in it are leaked, with a message on stderr,
//!   rather than dropped there.

use std::cell::Cell;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::thread::{self, ThreadId};

use weft_core::coop::{self, Budget};
use weft_core::loom::sync::Mutex;
use weft_core::task::{
    self, AtomicWaker, JoinHandle, Runnable, Schedule, ScheduleInfo, SpawnOptions, TaskId, TaskRef,
};

use crate::runtime::Runtime;

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
pub struct LocalSet {
    shared: Arc<Shared>,
    /// `!Send` and `!Sync`: the set stays on its owner thread.
    _not_send: PhantomData<*const ()>,
}

struct Shared {
    owner: ThreadId,
    state: Mutex<State>,
    /// The waker of the future driving the set (`run_until`).
    driver: AtomicWaker,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Runnable>,
    /// Every task not finished yet, so `Drop` can cancel them.
    live: HashMap<TaskId, TaskRef>,
    /// Dropped: a spawn is cancelled at once.
    closed: bool,
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
            state.live.insert(runnable.id(), runnable.task());
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
            _not_send: PhantomData,
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
        RunUntil { set: self, future }
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
        // its hook), then drop every queued Runnable, which cancels its task here.
        let live: Vec<TaskRef> = {
            let mut state = self.shared.state.lock();
            state.closed = true;
            state.live.drain().map(|(_, task)| task).collect()
        };
        for task in &live {
            task.abort();
        }
        loop {
            let next = self.shared.state.lock().queue.pop_front();
            match next {
                Some(runnable) => drop(runnable),
                None => break,
            }
        }
        drop(live);
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        let state = std::mem::take(self.state.get_mut());
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
}

impl<F: Future> Future for RunUntil<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned (never moved out of the pinned RunUntil);
        // `set` is a shared reference, not pinned.
        let this = unsafe { self.get_unchecked_mut() };
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

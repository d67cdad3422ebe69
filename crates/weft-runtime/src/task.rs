//! Spawning tasks: the free functions and [`Builder`] for named tasks.
//!
//! The task vocabulary ([`JoinHandle`], [`JoinError`], [`TaskId`]) is weft-core's, re-exported.

use std::fmt;
use std::future::Future;

pub use weft_core::task::{AbortHandle, JoinError, JoinHandle, TaskId};

pub use crate::dump::TaskInfo;
pub use crate::local_set::{LocalSet, RunUntil};

use weft_core::task::SpawnOptions;

use crate::blocking_task;
use crate::context;
use crate::handle::{Handle, NO_RUNTIME};
use crate::scheduler::{self, current_thread};

/// Spawns `future` onto the current runtime, returning a handle to its output.
///
/// The future must be `Send`: on a multi-thread runtime it may move between workers. Dropping
/// the returned [`JoinHandle`] detaches the task (it keeps running).
///
/// # Panics
/// Outside a runtime. Call it inside `Runtime::block_on` or a spawned task, or use
/// [`Handle::spawn`] from other threads.
///
/// # Examples
///
/// ```
/// let rt = weft_runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// let total = rt.block_on(async {
///     let tasks: Vec<_> = (0..4u32).map(|i| weft_runtime::spawn(async move { i * 10 })).collect();
///     let mut total = 0;
///     for t in tasks {
///         total += t.await.unwrap();
///     }
///     total
/// });
/// assert_eq!(total, 60);
/// ```
///
/// A `!Send` future does not compile (use [`spawn_local`] on a current-thread runtime):
///
/// ```compile_fail
/// let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let rc = std::rc::Rc::new(1);
///     weft_runtime::spawn(async move { *rc }).await.unwrap();
/// });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    spawn_with(future, SpawnOptions::new())
}

#[track_caller]
fn spawn_with<F>(future: F, opts: SpawnOptions) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let mut future = Some(future);
    let mut opts = Some(opts);
    let spawned = context::with_current(|h| {
        h.map(|h| {
            h.spawn(
                future.take().expect("spawned once"),
                opts.take().expect("spawned once"),
            )
        })
    });
    match spawned {
        Some(join) => join,
        None => panic!("spawn: {NO_RUNTIME}"),
    }
}

/// Spawns a `!Send` future onto the [`LocalSet`] being driven on this thread (inside its
/// `run_until`, on either flavour), or else onto the current-thread runtime running on this
/// thread.
///
/// The task runs only on this thread: while the set's `run_until` is polled, or while this
/// thread runs the runtime's tasks (inside `block_on`).
///
/// # Panics
/// Outside a runtime, on a multi-thread runtime outside a `LocalSet` (use
/// [`LocalSet::run_until`], [`spawn`] with a `Send` future, or a current-thread runtime), or if
/// another thread already owns this runtime's local tasks.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
///
/// let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
/// let out = rt.block_on(async {
///     let shared = Rc::new(5);
///     let s = shared.clone();
///     weft_runtime::spawn_local(async move { *s * 2 }).await.unwrap()
/// });
/// assert_eq!(out, 10);
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    spawn_local_with(future, SpawnOptions::new())
}

#[track_caller]
fn spawn_local_with<F>(future: F, opts: SpawnOptions) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    // Inside `LocalSet::run_until`: the set's task, on either flavour.
    let future = match crate::local_set::try_spawn_current(future, opts.clone()) {
        Ok(handle) => return handle,
        Err(future) => future,
    };
    let Some(handle) = context::current() else {
        panic!("spawn_local: {NO_RUNTIME}");
    };
    match &handle {
        scheduler::Handle::CurrentThread(shared) => {
            current_thread::Shared::spawn_local(shared, future, opts)
        }
        scheduler::Handle::MultiThread(_) => panic!(
            "spawn_local needs a current-thread runtime or a LocalSet, but this is a multi-thread \
             runtime outside any LocalSet: run the !Send code inside LocalSet::run_until, use \
             spawn with a Send future, or use a current-thread runtime (Builder::new_current_thread, \
             weft::block_on)"
        ),
    }
}

/// Runs the blocking function `f` on the current runtime's blocking pool; see
/// [`Handle::spawn_blocking`].
///
/// # Panics
/// Outside a runtime.
///
/// # Examples
///
/// ```
/// let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
/// let n = rt.block_on(async {
///     weft_runtime::spawn_blocking(|| std::thread::sleep(std::time::Duration::from_millis(1)))
///         .await
///         .unwrap();
///     7
/// });
/// assert_eq!(n, 7);
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let opts = SpawnOptions::new();
    match context::current() {
        Some(h) => blocking_task::spawn(&h, f, opts),
        None => panic!("spawn_blocking: {NO_RUNTIME}"),
    }
}

/// The id of the task this is called from: asyncio's `current_task()`.
///
/// # Panics
///
/// Outside a task (on a plain thread, or in the future `block_on` drives directly, which is not a
/// task): use [`try_id`] there.
///
/// # Examples
///
/// ```
/// let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let task = weft_runtime::spawn(async { weft_runtime::task::id() });
///     let id = task.id();
///     assert_eq!(task.await.unwrap(), id);
/// });
/// ```
#[track_caller]
pub fn id() -> TaskId {
    match try_id() {
        Some(id) => id,
        None => panic!(
            "task::id called outside a task (block_on's own future is not a task): spawn the              code as a task, or use task::try_id, which returns None here"
        ),
    }
}

/// The id of the task this is called from, or `None` outside a task (including the future that
/// `block_on` drives directly).
///
/// # Examples
///
/// ```
/// let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     assert_eq!(weft_runtime::task::try_id(), None); // block_on's future is not a task
///     let id = weft_runtime::spawn(async { weft_runtime::task::try_id() }).await.unwrap();
///     assert!(id.is_some());
/// });
/// ```
pub fn try_id() -> Option<TaskId> {
    weft_core::task::try_current_id()
}

/// Spawns tasks with a name (shown in panic reports, `JoinError` and
/// [`Handle::live_tasks`]).
///
/// # Examples
///
/// ```
/// let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let task = weft_runtime::task::Builder::new().name("worker-7").spawn(async { 7 });
///     assert_eq!(task.await.unwrap(), 7);
/// });
/// ```
#[derive(Default)]
pub struct Builder {
    name: Option<String>,
}

impl Builder {
    /// A builder with no name set.
    pub fn new() -> Builder {
        Builder { name: None }
    }

    /// Names the task.
    pub fn name(mut self, name: impl Into<String>) -> Builder {
        self.name = Some(name.into());
        self
    }

    #[track_caller]
    fn options(self) -> SpawnOptions {
        let opts = SpawnOptions::new();
        match self.name {
            Some(name) => opts.name(name),
            None => opts,
        }
    }

    /// Spawns `future` onto the current runtime; see [`spawn`].
    ///
    /// # Panics
    /// Outside a runtime.
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        spawn_with(future, self.options())
    }

    /// Spawns `future` onto `handle`'s runtime.
    #[track_caller]
    pub fn spawn_on<F>(self, future: F, handle: &Handle) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        handle.inner.spawn(future, self.options())
    }

    /// Spawns a `!Send` future onto the current-thread runtime of this thread; see
    /// [`spawn_local`].
    ///
    /// # Panics
    /// As [`spawn_local`].
    #[track_caller]
    pub fn spawn_local<F>(self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        spawn_local_with(future, self.options())
    }

    /// Runs `f` on the current runtime's blocking pool; see
    /// [`spawn_blocking`].
    ///
    /// # Panics
    /// Outside a runtime.
    #[track_caller]
    pub fn spawn_blocking<F, R>(self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let opts = self.options();
        match context::current() {
            Some(h) => blocking_task::spawn(&h, f, opts),
            None => panic!("spawn_blocking: {NO_RUNTIME}"),
        }
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder").field("name", &self.name).finish()
    }
}

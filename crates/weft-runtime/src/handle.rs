//! [`Handle`]: a cloneable reference to a runtime, usable from any thread.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use weft_core::task::{JoinHandle, SpawnOptions};

use crate::blocking_task;
use crate::config::RuntimeFlavor;
use crate::context;
use crate::dump::{TaskDump, TaskInfo};
use crate::metrics::RuntimeMetrics;
use crate::park::Park;
use crate::park_thread;
use crate::scheduler;

/// A handle to a runtime: spawn onto it, block on it, or enter it from any thread.
///
/// Cloning is cheap (a reference count). A handle does not keep the runtime's threads alive:
/// once the [`Runtime`](crate::Runtime) is dropped, tasks spawned through the handle are
/// cancelled at once (their `JoinHandle` resolves to a cancellation error).
///
/// # Examples
///
/// ```
/// use weft_runtime::{Builder, Handle};
///
/// let rt = Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// let handle: Handle = rt.handle().clone();
/// let out = std::thread::spawn(move || handle.block_on(async { 6 * 7 }))
///     .join()
///     .unwrap();
/// assert_eq!(out, 42);
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: scheduler::Handle,
}

/// The error of [`Handle::try_current`]: no runtime is running on this thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TryCurrentError {
    _private: (),
}

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no weft runtime is running on this thread")
    }
}

impl std::error::Error for TryCurrentError {}

/// Makes a runtime current on this thread until dropped (see [`Handle::enter`]).
#[must_use = "the runtime is current only until the guard is dropped"]
pub struct EnterGuard<'a> {
    _guard: context::SetCurrentGuard,
    _handle: PhantomData<&'a Handle>,
}

impl fmt::Debug for EnterGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

pub(crate) const NO_RUNTIME: &str = "no weft runtime is running on this thread: call this inside \
     weft::run, Runtime::block_on or a spawned task, or use Handle::spawn";

impl Handle {
    /// The handle of the runtime running on this thread.
    ///
    /// # Panics
    /// Outside a runtime (not on a worker, not inside `block_on`, a spawned task, a blocking-pool
    /// thread or [`Handle::enter`]). Use [`Handle::try_current`] to check instead.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let handle = weft_runtime::Handle::current();
    ///     assert_eq!(handle.spawn(async { 1 }).await.unwrap(), 1);
    /// });
    /// ```
    #[track_caller]
    pub fn current() -> Handle {
        match context::current() {
            Some(inner) => Handle { inner },
            None => panic!("Handle::current: {NO_RUNTIME}"),
        }
    }

    /// The handle of the runtime running on this thread, or an error outside one.
    ///
    /// # Errors
    /// [`TryCurrentError`] if no runtime is current on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(weft_runtime::Handle::try_current().is_err());
    /// ```
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        context::current()
            .map(|inner| Handle { inner })
            .ok_or(TryCurrentError { _private: () })
    }

    /// Spawns `future` onto this runtime, returning a handle to its output.
    ///
    /// Works from any thread. The task starts running on the runtime's threads (for a
    /// current-thread runtime: when some thread is inside its `block_on`). After the runtime shut
    /// down the future is dropped at once and the handle resolves to a cancellation error.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = weft_runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// let task = rt.handle().spawn(async { "hi" });
    /// assert_eq!(rt.block_on(task).unwrap(), "hi");
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.inner.spawn(future, SpawnOptions::new())
    }

    /// Runs the blocking function `f` on the runtime's blocking pool, returning a handle to its
    /// result.
    ///
    /// The pool grows up to `max_blocking_threads` threads (default 512); beyond that jobs wait
    /// in a queue. Aborting the handle cancels a job that has not started yet; a running job
    /// always runs to its end. A panic in `f` reaches the handle as a [`JoinError`](weft_core::task::JoinError).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
    /// let sum = rt.block_on(rt.handle().spawn_blocking(|| (1..=10).sum::<u32>())).unwrap();
    /// assert_eq!(sum, 55);
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        blocking_task::spawn(&self.inner, f, SpawnOptions::new())
    }

    /// Runs `future` to completion on the calling thread, with this runtime current, and returns
    /// its output.
    ///
    /// On a multi-thread runtime the future runs on the calling thread while the workers run the
    /// spawned tasks. On a current-thread runtime the calling thread also runs the spawned tasks
    /// (if another thread is already doing so, this one only polls its own future).
    ///
    /// # Panics
    /// If called from inside a runtime (a worker thread, a task, or another `block_on`): blocking
    /// there would stall the runtime. `.await` the future instead, or move blocking code to
    /// [`spawn_blocking`](Handle::spawn_blocking).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.handle().block_on(async { 1 + 1 }), 2);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _enter = context::enter_runtime(&self.inner);
        let common = self.inner.common();
        if common.config.unhandled_panic != crate::panic_policy::UnhandledPanic::ShutdownRuntime {
            return self.block_on_inner(future);
        }
        let future = std::pin::pin!(future);
        let watched = crate::panic_policy::PanicWatch {
            slot: &common.panic_slot,
            future,
        };
        match self.block_on_inner(watched) {
            Ok(output) => output,
            Err(message) => {
                // Cancel every task now (not when the Runtime is dropped), then fail loudly.
                self.inner.shutdown(None);
                panic!("{message}")
            }
        }
    }

    fn block_on_inner<F: Future>(&self, future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        // A thread that owns local tasks of a current-thread runtime cancels, here, those handed
        // back to it by a shutdown on another thread (see `local_inbox`).
        let future = std::future::poll_fn(move |cx| {
            scheduler::local_inbox::on_block_on_poll(cx.waker());
            future.as_mut().poll(cx)
        });
        match &self.inner {
            scheduler::Handle::CurrentThread(s) => {
                scheduler::current_thread::Shared::block_on(s, future)
            }
            scheduler::Handle::MultiThread(_) => park_thread::block_on(future),
        }
    }

    /// Makes this runtime the current one on this thread until the guard is dropped, so that
    /// [`spawn`](crate::spawn) and [`Handle::current`] find it.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = weft_runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// let _guard = rt.handle().enter();
    /// let task = weft_runtime::spawn(async { 5 });
    /// assert_eq!(rt.block_on(task).unwrap(), 5);
    /// ```
    pub fn enter(&self) -> EnterGuard<'_> {
        EnterGuard {
            _guard: context::set_current(&self.inner),
            _handle: PhantomData,
        }
    }

    /// Which scheduler this runtime runs.
    pub fn runtime_flavor(&self) -> RuntimeFlavor {
        self.inner.flavor()
    }

    /// A snapshot of the tasks spawned on this runtime that have not ended yet (blocking-pool
    /// jobs excluded). For diagnostics: the list may be stale as soon as it is returned.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
    /// let _task = weft_runtime::task::Builder::new()
    ///     .name("sleeper")
    ///     .spawn_on(std::future::pending::<()>(), rt.handle());
    /// let live = rt.handle().live_tasks();
    /// assert_eq!(live.len(), 1);
    /// assert_eq!(live[0].name.as_deref(), Some("sleeper"));
    /// ```
    pub fn live_tasks(&self) -> Vec<TaskInfo> {
        self.dump().into_tasks()
    }

    /// Every task spawned on this runtime that has not ended yet, with its id, name, spawn site,
    /// state (idle / scheduled / running), age, polls, and what its last poll waited on (the weft
    /// resource and the line that awaits it): asyncio's `all_tasks()` and
    /// `python -m asyncio pstree`. `Display` prints a table.
    ///
    /// Nothing stops: the registry is copied shard by shard (a lock held for one reference-count
    /// increment per task of the shard) and the tasks are read without locks, so the snapshot may
    /// be stale as soon as it is returned. Blocking-pool jobs are not listed; the tasks of a
    /// [`LocalSet`](crate::task::LocalSet) driven in this runtime are (a task alive when its set
    /// is first driven here is dated from then).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let (tx, rx) = std::sync::mpsc::channel::<()>();
    ///     let _idle = weft_runtime::task::Builder::new()
    ///         .name("idle")
    ///         .spawn(std::future::pending::<()>());
    ///     weft_runtime::spawn(async {}).await.unwrap();
    ///     let dump = weft_runtime::Handle::current().dump();
    ///     let idle = &dump.tasks()[0];
    ///     assert_eq!(idle.name.as_deref(), Some("idle"));
    ///     assert_eq!(idle.polls, 1);
    ///     println!("{dump}");
    ///     drop((tx, rx));
    /// });
    /// ```
    pub fn dump(&self) -> TaskDump {
        let mut entries = Vec::new();
        let common = self.inner.common();
        common.registry.entries(&mut entries);
        if let scheduler::Handle::CurrentThread(s) = &self.inner {
            s.local_registry.entries(&mut entries);
        }
        let now = std::time::Instant::now();
        let mut tasks: Vec<TaskInfo> = entries
            .iter()
            .map(|(task, stamp)| TaskInfo::new(task, *stamp, &common.clock, now))
            .collect();
        // The references go after the snapshot: dropping the last one frees a task.
        drop(entries);
        common.local_sets.infos(&common.clock, now, &mut tasks);
        TaskDump::new(tasks)
    }

    /// Whether the runtime shut down (or is shutting down): it takes no new task, and a task
    /// spawned on it is cancelled at once. asyncio's `loop.is_closed()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
    /// let handle = rt.handle().clone();
    /// assert!(!handle.is_shut_down());
    /// drop(rt);
    /// assert!(handle.is_shut_down());
    /// // A task spawned now is cancelled at once.
    /// let late = handle.spawn(async { 1 });
    /// let other = weft_runtime::Builder::new_current_thread().build().unwrap();
    /// assert!(other.block_on(late).unwrap_err().is_cancelled());
    /// ```
    pub fn is_shut_down(&self) -> bool {
        self.inner.common().registry.is_closed()
    }

    /// The number of tasks spawned on this runtime that have not ended yet.
    pub fn num_live_tasks(&self) -> usize {
        self.inner.num_live_tasks()
    }

    /// The runtime's counters: tasks, queues, per-worker polls, steals, parks and busy time,
    /// blocking pool, I/O events and timers. Always on (they cost a few relaxed stores).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     weft_runtime::spawn(async {}).await.unwrap();
    /// });
    /// let m = rt.handle().metrics();
    /// assert_eq!(m.num_workers(), 1);
    /// assert_eq!(m.spawned_tasks_count(), 1);
    /// assert_eq!(m.num_alive_tasks(), 0);
    /// ```
    pub fn metrics(&self) -> RuntimeMetrics {
        RuntimeMetrics::new(self.inner.clone())
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("flavor", &self.runtime_flavor())
            .field("live_tasks", &self.num_live_tasks())
            .finish()
    }
}

/// Runs `f` with the park hook of the runtime current on this thread (as [`park_hook`] gives it
/// for that runtime's handle), or with `None` outside a runtime or when it has no hook. Unlike
/// `park_hook(&Handle::try_current()?)` it clones no handle (two atomic updates of a count that
/// every worker shares): weft-io looks its driver up this way for every timer and socket.
///
/// # Examples
///
/// ```
/// let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
/// assert!(weft_runtime::with_current_park_hook(|hook| hook.is_none())); // outside
/// rt.block_on(async {
///     // Inside the runtime; built without a hook.
///     assert!(weft_runtime::with_current_park_hook(|hook| hook.is_none()));
/// });
/// ```
pub fn with_current_park_hook<R>(f: impl FnOnce(Option<&Arc<dyn Park>>) -> R) -> R {
    context::with_current(|h| f(h.and_then(|h| h.common().park_hook.hook())))
}

/// The park hook of `handle`'s runtime, for the layer that installed it to find it again
/// (downcast through [`Park::as_any`]): how weft-io's `Handle::current()` reaches its reactor.
/// A free function rather than a method, so the facade's `Handle` does not show it.
pub fn park_hook(handle: &Handle) -> Option<&Arc<dyn Park>> {
    handle.inner.common().park_hook.hook()
}

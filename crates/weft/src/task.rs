//! Tasks: asyncio's `Task`. Spawn them, await their [`JoinHandle`]s, cancel them with
//! [`JoinHandle::abort`], or manage a group of them with [`JoinSet`] and [`TaskGroup`].
//!
//! | weft | asyncio |
//! |---|---|
//! | [`spawn`] | `asyncio.create_task` |
//! | [`JoinHandle`] | `asyncio.Task` |
//! | [`JoinHandle::abort`], [`AbortHandle`], [`JoinError::is_cancelled`] | `Task.cancel()`, `CancelledError` |
//! | [`id`], [`try_id`] | `asyncio.current_task()` |
//! | [`task_local!`](crate::task_local), [`LocalKey::scope`] | `contextvars.ContextVar`, `Context.run` |
//! | [`Builder::name`] | `create_task(name=...)` |
//! | [`yield_now`] | `await asyncio.sleep(0)` |
//! | [`spawn_blocking`] | `loop.run_in_executor(None, f)` |
//! | [`JoinSet`] | `asyncio.wait(..., FIRST_COMPLETED)`, `as_completed` |
//! | [`TaskGroup`] | `asyncio.TaskGroup` |
//! | [`LocalSet`], [`spawn_local`] | a loop's tasks that never leave its thread |
//! | [`TaskInfo`] (from `Handle::live_tasks`) | `asyncio.all_tasks()` |
//!
//! A task runs on its own: its `JoinHandle` is only for its result, and dropping the handle
//! detaches the task rather than stopping it. A panic inside a task is caught and reaches whoever
//! awaits its handle, as a [`JoinError`].
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//!
//! #[weft::main]
//! async fn main() {
//!     let named = weft::task::Builder::new().name("worker").spawn(async { "done" });
//!     assert_eq!(named.await.unwrap(), "done");
//!
//!     let failing = weft::spawn(async { panic!("out of cheese") });
//!     let err = failing.await.unwrap_err();
//!     assert!(err.is_panic());
//!
//!     let sleeper = weft::spawn(weft::time::sleep(Duration::from_secs(3600)));
//!     sleeper.abort();
//!     assert!(sleeper.await.unwrap_err().is_cancelled());
//! }
//! ```

pub use crate::join_set::JoinSet;
pub use crate::task_group::{GroupError, Spawner, TaskGroup};
pub use weft_core::task::TaskId;

/// Spawns a task on the current runtime: asyncio's `create_task`.
///
/// ```
/// #[weft::main]
/// async fn main() {
///     let tasks: Vec<_> = (0..4u32).map(|i| weft::spawn(async move { i * 10 })).collect();
///     let mut total = 0;
///     for task in tasks {
///         total += task.await.unwrap(); // Err only if the task panicked or was aborted
///     }
///     assert_eq!(total, 60);
/// }
/// ```
///
/// *From weft-runtime's documentation, where this is `weft_runtime::spawn`:*
///
#[doc(inline)]
pub use weft_runtime::spawn;

/// Runs a blocking closure on the blocking pool, so the runtime's workers stay free: asyncio's
/// `run_in_executor`.
///
/// ```
/// #[weft::main]
/// async fn main() {
///     // A synchronous library call, say; it may take its time without stalling other tasks.
///     let sum = weft::spawn_blocking(|| (1..=1_000u64).sum::<u64>()).await.unwrap();
///     assert_eq!(sum, 500_500);
/// }
/// ```
///
/// *From weft-runtime's documentation, where this is `weft_runtime::spawn_blocking`:*
///
#[doc(inline)]
pub use weft_runtime::spawn_blocking;

/// Spawns a `!Send` task on this thread: into the [`LocalSet`] being driven here (on either
/// flavour), or else on the current-thread runtime (as [`weft::block_on`](crate::block_on)
/// runs).
///
/// ```
/// use std::rc::Rc;
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let shared = Rc::new(5); // not Send: it can never leave this thread
///     let task = weft::spawn_local({
///         let shared = shared.clone();
///         async move { *shared * 2 }
///     });
///     assert_eq!(task.await.unwrap(), 10);
/// }
/// ```
///
/// *From weft-runtime's documentation, where this is `weft_runtime::spawn_local`:*
///
#[doc(inline)]
pub use weft_runtime::spawn_local;

/// Yields once to the scheduler, so other tasks run: asyncio's `await asyncio.sleep(0)`.
///
/// ```
/// #[weft::main]
/// async fn main() {
///     let mut sum = 0u64;
///     for i in 0..10_000u64 {
///         sum += i;
///         if i % 1_000 == 0 {
///             weft::task::yield_now().await; // a long loop lets the rest of the program run
///         }
///     }
///     assert_eq!(sum, 49_995_000);
/// }
/// ```
///
/// *From weft-core's documentation, where this is `weft_core::future::yield_now`:*
///
#[doc(inline)]
pub use weft_core::future::yield_now;

/// The id of the task this is called from: asyncio's `asyncio.current_task()`.
///
/// ```
/// #[weft::main]
/// async fn main() {
///     let task = weft::spawn(async { weft::task::id() });
///     let expected = task.id();
///     assert_eq!(task.await.unwrap(), expected);
/// }
/// ```
///
/// *From weft-runtime's documentation, where this is `weft_runtime::task::id`:*
///
#[doc(inline)]
pub use weft_runtime::task::id;

/// The id of the task this is called from, or `None` outside a task.
///
/// ```
/// #[weft::main]
/// async fn main() {
///     // The future `main` runs is driven by `block_on` directly: it is not a task.
///     assert_eq!(weft::task::try_id(), None);
///     let inside = weft::spawn(async { weft::task::try_id() }).await.unwrap();
///     assert!(inside.is_some());
/// }
/// ```
///
/// *From weft-runtime's documentation, where this is `weft_runtime::task::try_id`:*
///
#[doc(inline)]
pub use weft_runtime::task::try_id;

/// Cancels a task without owning its output: asyncio's `Task.cancel()`, from anywhere.
///
/// ```
/// #[weft::main]
/// async fn main() {
///     let task = weft::spawn(std::future::pending::<()>());
///     let cancel = task.abort_handle(); // Clone + Send + Sync
///     let remote = cancel.clone();
///     std::thread::spawn(move || remote.abort()).join().unwrap();
///     assert!(task.await.unwrap_err().is_cancelled());
///     assert!(cancel.is_finished());
/// }
/// ```
///
/// *From weft-core's documentation, where this is `weft_core::task::AbortHandle`:*
///
#[doc(inline)]
pub use weft_core::task::AbortHandle;

/// A task-local key, declared with [`weft::task_local!`](crate::task_local): asyncio's
/// `ContextVar`, inherited by every task spawned inside its scope.
///
/// ```
/// weft::task_local! {
///     static DEADLINE_MS: u64;
/// }
///
/// #[weft::main]
/// async fn main() {
///     DEADLINE_MS
///         .scope(500, async {
///             let inner = DEADLINE_MS.scope(100, async { DEADLINE_MS.get() }).await;
///             assert_eq!(inner, 100); // the innermost scope wins
///             assert_eq!(DEADLINE_MS.get(), 500); // and never changes the outer one
///             let blocking = weft::spawn_blocking(|| DEADLINE_MS.with(|ms| *ms));
///             assert_eq!(blocking.await.unwrap(), 500); // blocking closures inherit too
///         })
///         .await;
/// }
/// ```
///
/// *From weft-core's documentation, where this is `weft_core::task::LocalKey`:*
///
#[doc(inline)]
pub use weft_core::task::LocalKey;

/// The future of [`LocalKey::scope`]: runs its future with the value in scope.
///
/// ```
/// weft::task_local! {
///     static USER: &'static str;
/// }
///
/// #[weft::main]
/// async fn main() {
///     let scoped: weft::task::TaskLocalFuture<&'static str, _> =
///         USER.scope("ada", async { USER.get() });
///     assert_eq!(scoped.await, "ada");
/// }
/// ```
///
/// *From weft-core's documentation, where this is `weft_core::task::TaskLocalFuture`:*
///
#[doc(inline)]
pub use weft_core::task::TaskLocalFuture;

/// Reading a task-local outside every scope of its key, from
/// [`LocalKey::try_with`].
///
/// ```
/// weft::task_local! {
///     static TRACE: u128;
/// }
///
/// #[weft::main]
/// async fn main() {
///     let err: weft::task::AccessError = TRACE.try_with(|t| *t).unwrap_err();
///     assert!(err.to_string().contains("not set"));
/// }
/// ```
///
/// *From weft-core's documentation, where this is `weft_core::task::AccessError`:*
///
#[doc(inline)]
pub use weft_core::task::AccessError;

/// A set of `!Send` tasks run by the thread that drives it, on either runtime flavour.
///
/// ```
/// use std::rc::Rc;
/// use weft::task::LocalSet;
///
/// #[weft::main] // a multi-thread runtime
/// async fn main() {
///     let local = LocalSet::new();
///     let total = local
///         .run_until(async {
///             let shared = Rc::new(20); // !Send: it stays on this thread
///             let s = shared.clone();
///             let task = weft::spawn_local(async move { *s + 1 });
///             task.await.unwrap() + *shared
///         })
///         .await;
///     assert_eq!(total, 41);
/// }
/// ```
///
/// *From weft-runtime's documentation, where this is `weft_runtime::task::LocalSet`:*
///
#[doc(inline)]
pub use weft_runtime::task::LocalSet;

/// The future of [`LocalSet::run_until`].
///
/// ```
/// use weft::task::{LocalSet, RunUntil};
///
/// #[weft::main]
/// async fn main() {
///     let local = LocalSet::new();
///     let run: RunUntil<'_, _> = local.run_until(async { weft::spawn_local(async { 3 }).await });
///     assert_eq!(run.await.unwrap(), 3);
/// }
/// ```
///
/// *From weft-runtime's documentation, where this is `weft_runtime::task::RunUntil`:*
///
#[doc(inline)]
pub use weft_runtime::task::RunUntil;

/// Spawns a task with options: a name that appears in panic reports and task listings.
///
/// ```
/// #[weft::main]
/// async fn main() {
///     let task = weft::task::Builder::new()
///         .name("fetch-user-7")
///         .spawn(async { panic!("timed out") });
///     let err = task.await.unwrap_err();
///     assert_eq!(err.name(), Some("fetch-user-7"));
/// }
/// ```
///
/// *From weft-runtime's documentation, where this is `weft_runtime::task::Builder`:*
///
#[doc(inline)]
pub use weft_runtime::task::Builder;

/// Why a task has no output: it panicked, or it was cancelled.
///
/// ```
/// #[weft::main]
/// async fn main() {
///     let failing = weft::spawn(async { panic!("boom") });
///     let err = failing.await.unwrap_err();
///     assert!(err.is_panic());
///     // The panic's payload, e.g. to resume it with `std::panic::resume_unwind`.
///     let payload = err.into_panic();
///     assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
///
///     let idle = weft::spawn(std::future::pending::<()>());
///     idle.abort();
///     assert!(idle.await.unwrap_err().is_cancelled());
/// }
/// ```
///
/// *From weft-core's documentation, where this is `weft_core::task::JoinError`:*
///
#[doc(inline)]
pub use weft_core::task::JoinError;

/// The handle of a spawned task: await it for the task's output, or abort the task.
///
/// ```
/// use std::time::Duration;
///
/// #[weft::main]
/// async fn main() {
///     let task = weft::spawn(async {
///         weft::time::sleep(Duration::from_millis(10)).await;
///         "result"
///     });
///     assert!(!task.is_finished());
///     assert_eq!(task.await.unwrap(), "result");
///
///     // Dropping a handle detaches its task; it keeps running.
///     let (tx, rx) = weft::sync::oneshot::channel();
///     drop(weft::spawn(async move { tx.send("still ran").unwrap() }));
///     assert_eq!(rx.await.unwrap(), "still ran");
/// }
/// ```
///
/// *From weft-core's documentation, where this is `weft_core::task::JoinHandle`:*
///
#[doc(inline)]
pub use weft_core::task::JoinHandle;

/// A snapshot of one live task, as [`Handle::live_tasks`](crate::runtime::Handle::live_tasks)
/// lists them: its id, name and spawn location.
///
/// ```
/// #[weft::main]
/// async fn main() {
///     let _sleeper = weft::task::Builder::new()
///         .name("sleeper")
///         .spawn(std::future::pending::<()>());
///     let live = weft::runtime::Handle::current().live_tasks();
///     let info: &weft::task::TaskInfo = live
///         .iter()
///         .find(|t| t.name.as_deref() == Some("sleeper"))
///         .expect("the sleeper is live");
///     assert!(info.spawned_at.file().ends_with(".rs"));
/// }
/// ```
///
/// *From weft-runtime's documentation, where this is `weft_runtime::task::TaskInfo`:*
///
#[doc(inline)]
pub use weft_runtime::task::TaskInfo;

/// Where a task is in its life, as a [`TaskInfo`] of a dump shows it.
///
/// # Examples
///
/// ```
/// // A current-thread runtime: a task spawned here runs during the main future's yield.
/// weft::block_on(async {
///     let _idle = weft::spawn(std::future::pending::<()>());
///     weft::task::yield_now().await; // let it run once
///     let dump = weft::runtime::Handle::current().dump();
///     assert_eq!(dump.tasks()[0].state, weft::task::TaskState::Idle);
/// });
/// ```
///
/// *From weft-core's documentation, where this is `weft_core::task::TaskState`:*
///
#[doc(inline)]
pub use weft_core::task::TaskState;

/// The kind of weft resource a task waits on, in a dump's [`WaitingOn`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// // A current-thread runtime: a task spawned here runs during the main future's yield.
/// weft::block_on(async {
///     let _sleeper = weft::spawn(weft::time::sleep(Duration::from_secs(60)));
///     weft::task::yield_now().await;
///     let dump = weft::runtime::Handle::current().dump();
///     let waiting = dump.tasks()[0].waiting_on.unwrap();
///     assert_eq!(waiting.resource, Some(weft::task::Resource::Sleep));
/// });
/// ```
///
/// *From weft-core's documentation, where this is `weft_core::task::Resource`:*
///
#[doc(inline)]
pub use weft_core::task::Resource;

/// What a task's last poll waited on: the weft resource and the `file:line` that awaits it
/// (`Display`: `recv at src/main.rs:12:20`), as a dump shows it.
///
/// # Examples
///
/// ```
/// // A current-thread runtime: a task spawned here runs during the main future's yield.
/// weft::block_on(async {
///     let (tx, mut rx) = weft::sync::mpsc::channel::<u32>(1);
///     let _receiver = weft::spawn(async move { rx.recv().await });
///     weft::task::yield_now().await;
///     let dump = weft::runtime::Handle::current().dump();
///     let waiting: weft::task::WaitingOn = dump.tasks()[0].waiting_on.unwrap();
///     assert!(waiting.to_string().starts_with("recv at "));
///     drop(tx);
/// });
/// ```
///
/// *From weft-core's documentation, where this is `weft_core::task::WaitingOn`:*
///
#[doc(inline)]
pub use weft_core::task::WaitingOn;

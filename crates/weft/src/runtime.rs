//! The runtime: the event loop that runs tasks, with the reactor and timers installed.
//!
//! Most programs never name this module: `#[weft::main]`, [`weft::run`](crate::run) and
//! [`weft::block_on`](crate::block_on) build a runtime, run a future on it and shut it down. It is
//! for the rest: [`Builder`] chooses the flavour, the number of workers, thread names or paused
//! time; a [`Runtime`] kept in a variable serves many `block_on` calls (a synchronous program that
//! calls async code now and then); a [`Handle`] reaches a running runtime from elsewhere. Every
//! runtime built here drives weft-io's reactor and timers, so sockets, `sleep` and `timeout` work
//! in every task with no `enable_*` calls.
//!
//! | weft | asyncio |
//! |---|---|
//! | [`weft::run`](crate::run), `#[weft::main]` | `asyncio.run(main())` |
//! | [`Runtime::new`], `Builder::new_multi_thread().build()` | `asyncio.new_event_loop()` |
//! | [`Runtime::block_on`] | `loop.run_until_complete(coro)` |
//! | [`Handle::current`] | `asyncio.get_running_loop()` |
//! | [`ShutdownError::is`] | `RuntimeError("Event loop is closed")` |
//!
//! # Examples
//!
//! What `#[weft::main(worker_threads = 2)]` does, by hand:
//!
//! ```
//! use std::time::Duration;
//!
//! fn main() -> std::io::Result<()> {
//!     let rt = weft::runtime::Builder::new_multi_thread()
//!         .worker_threads(2)
//!         .thread_name("app")
//!         .build()?;
//!     let sum = rt.block_on(async {
//!         let task = weft::spawn(async {
//!             weft::time::sleep(Duration::from_millis(5)).await;
//!             20 + 22
//!         });
//!         task.await.unwrap()
//!     });
//!     assert_eq!(sum, 42);
//!     // Cancels the tasks still pending, waiting at most a second for workers and blocking jobs.
//!     rt.shutdown_timeout(Duration::from_secs(1));
//!     Ok(())
//! }
//! ```

pub use weft_runtime::{EnterGuard, RuntimeFlavor, TryCurrentError};

/// What a panic that no `JoinHandle` sees does to the runtime: [`Builder::unhandled_panic`].
///
/// ```
/// use weft::runtime::{Builder, UnhandledPanic};
///
/// let rt = Builder::new_current_thread()
///     .unhandled_panic(UnhandledPanic::ShutdownRuntime)
///     .build()
///     .unwrap();
/// let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
///     rt.block_on(async {
///         drop(weft::spawn(async { panic!("a detached task failed") }));
///         weft::time::sleep(std::time::Duration::from_secs(3600)).await;
///     })
/// }));
/// assert!(failed.is_err()); // block_on panicked at once, naming the task's panic
/// ```
///
/// *From weft-runtime's documentation, where this is `weft_runtime::UnhandledPanic`:*
///
#[doc(inline)]
pub use weft_runtime::UnhandledPanic;

/// The error an operation reports when the runtime it needed shut down: a socket read after its
/// runtime ended, a file operation whose blocking job was dropped unrun, `ctrl_c` or a child's
/// `wait` whose runtime ended. It reaches you inside an [`std::io::Error`] (kind `Other`); tell
/// it apart from an operating-system error with [`ShutdownError::is`] rather than by its text.
///
/// ```
/// use weft::io::AsyncReadExt;
/// use weft::runtime::ShutdownError;
///
/// let first = weft::runtime::Builder::new_current_thread().build()?;
/// let mut stream = first.block_on(async {
///     let listener = weft::net::TcpListener::bind("127.0.0.1:0").await?;
///     let client = weft::net::TcpStream::connect(listener.local_addr()?).await?;
///     drop(listener.accept().await?);
///     std::io::Result::Ok(client)
/// })?;
/// drop(first); // The stream's reactor goes with its runtime.
///
/// let second = weft::runtime::Builder::new_current_thread().build()?;
/// let err = second.block_on(stream.read(&mut [0; 16])).unwrap_err();
/// assert!(ShutdownError::is(&err));
/// # std::io::Result::Ok(())
/// ```
///
/// *From weft-core's documentation, where this is `weft_core::ShutdownError`:*
///
#[doc(inline)]
pub use weft_core::ShutdownError;

/// A cheap, cloneable reference to a running runtime: [`Handle::current`] is asyncio's
/// `get_running_loop()`, and a handle lets code outside the runtime (a plain thread, a callback)
/// spawn onto it or block on it.
///
/// ```
/// #[weft::main]
/// async fn main() {
///     let handle = weft::runtime::Handle::current();
///     let (tx, rx) = weft::sync::oneshot::channel();
///     std::thread::spawn(move || {
///         // A thread outside the runtime hands it work.
///         let task = handle.spawn(async { 6 * 7 });
///         tx.send(task).unwrap();
///     });
///     let task = rx.await.unwrap();
///     assert_eq!(task.await.unwrap(), 42);
/// }
/// ```
///
/// *From weft-runtime's documentation, where this is `weft_runtime::Handle`:*
///
#[doc(inline)]
pub use weft_runtime::Handle;

/// Configures a [`Runtime`], then starts it with [`build`](weft_runtime::builder::Builder::build):
/// every runtime it builds has weft-io's reactor and timers as its park hook, so sockets, `sleep`
/// and `timeout` work in every task with no `enable_*` calls.
///
/// This is weft-runtime's builder with weft-io's [`MakeDriver`](weft_io::MakeDriver) as its park
/// maker: the options are weft-runtime's (below), plus
/// [`start_paused`](weft_runtime::builder::Builder::start_paused) for virtual time and
/// [`dump_on_signal`](weft_runtime::builder::Builder::dump_on_signal) (with a
/// [`SignalKind`](crate::signal::unix::SignalKind)) for a task dump on stderr when the process
/// receives a signal, as Go prints its goroutines on `SIGQUIT`. The dump is printed from a thread
/// of weft's signal layer, so it comes even when every worker is stuck in a blocking call.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let rt = weft::runtime::Builder::new_multi_thread()
///     .worker_threads(2)
///     .thread_name("app")
///     .build()?;
/// let sum = rt.block_on(async {
///     weft::time::sleep(Duration::from_millis(5)).await;
///     weft::spawn(async { 20 + 22 }).await.unwrap()
/// });
/// assert_eq!(sum, 42);
///
/// // Virtual time (current-thread only): an hour passes at once when every task is idle.
/// let test_rt = weft::runtime::Builder::new_current_thread().start_paused(true).build()?;
/// test_rt.block_on(async {
///     let start = weft::time::Instant::now();
///     weft::time::sleep(Duration::from_secs(3600)).await;
///     assert!(start.elapsed() >= Duration::from_secs(3600));
/// });
///
/// // `kill -QUIT <pid>` prints every task, what it waits on and the line that awaits it:
/// //   weft: SIGQUIT received: dump of 1 live task
/// //   ID  NAME     STATE  AGE   POLLS  SPAWNED AT       WAITING ON
/// //   1   fetcher  idle   4.2s  1      src/main.rs:9:10 sleep at src/main.rs:10:44
/// use weft::signal::unix::SignalKind;
/// let server_rt = weft::runtime::Builder::new_multi_thread()
///     .dump_on_signal(SignalKind::quit())
///     .build()?;
/// server_rt.block_on(async {
///     let fetcher = weft::task::Builder::new()
///         .name("fetcher")
///         .spawn(async { weft::time::sleep(Duration::from_millis(5)).await });
///     fetcher.await.unwrap();
/// });
/// # std::io::Result::Ok(())
/// ```
pub type Builder = weft_runtime::builder::Builder<weft_io::MakeDriver>;

/// A running runtime, with the reactor and timers: asyncio's event loop.
/// [`Runtime::new`](weft_runtime::runtime::Runtime::new) starts a multi-thread one with default
/// settings; [`Builder`] configures one. Dropping it cancels every task still pending.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let rt = weft::runtime::Runtime::new()?;
/// let answer = rt.block_on(async {
///     weft::time::sleep(Duration::from_millis(1)).await;
///     weft::spawn(async { 6 * 7 }).await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// rt.shutdown_timeout(Duration::from_secs(1));
/// # std::io::Result::Ok(())
/// ```
pub type Runtime = weft_runtime::runtime::Runtime<weft_io::MakeDriver>;

/// A runtime's counters, from [`Handle::metrics`]: tasks spawned and alive, queue depths, each
/// worker's polls, steals, parks and busy time, the blocking pool, I/O events and fired timers.
/// They are always on (a few relaxed stores per poll, in each worker's own cache line).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// #[weft::main(worker_threads = 2)]
/// async fn main() {
///     for _ in 0..10 {
///         weft::spawn(weft::time::sleep(Duration::from_millis(1))).await.unwrap();
///     }
///     let m: weft::runtime::RuntimeMetrics = weft::runtime::Handle::current().metrics();
///     assert_eq!(m.num_workers(), 2);
///     assert_eq!(m.spawned_tasks_count(), 10);
///     let polls: u64 = (0..m.num_workers()).map(|i| m.worker_poll_count(i)).sum();
///     println!("{polls} polls, {} timers fired", m.timers_fired_count());
/// }
/// ```
///
/// *From weft-runtime's documentation, where this is `weft_runtime::RuntimeMetrics`:*
///
#[doc(inline)]
pub use weft_runtime::RuntimeMetrics;

/// A poll that took longer than the runtime's
/// [`slow_poll_threshold`](weft_runtime::builder::Builder::slow_poll_threshold), as passed to the
/// [`on_slow_poll`](weft_runtime::builder::Builder::on_slow_poll) callback: asyncio debug mode's
/// "Executing <Task ...> took 0.2 seconds". Without a callback the report goes to stderr.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let rt = weft::runtime::Builder::new_multi_thread()
///     .worker_threads(2)
///     .slow_poll_threshold(Duration::from_millis(50))
///     .on_slow_poll(|poll: &weft::runtime::SlowPoll| eprintln!("slow: {poll}"))
///     .build()?;
/// rt.block_on(async {
///     weft::task::Builder::new()
///         .name("sluggish")
///         // Blocks its worker: reported as "task N (\"sluggish\") spawned at ... took ...".
///         .spawn(async { std::thread::sleep(Duration::from_millis(100)) })
///         .await
///         .unwrap();
/// });
/// # std::io::Result::Ok(())
/// ```
///
/// *From weft-runtime's documentation, where this is `weft_runtime::slow_poll::SlowPoll`:*
///
#[doc(inline)]
pub use weft_runtime::slow_poll::SlowPoll;

/// Every live task of a runtime, from [`Handle::dump`]: asyncio's `all_tasks()` and
/// `python -m asyncio pstree`. `Display` prints an aligned table with each task's id, name,
/// state, age, polls, spawn site and what it waits on.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// // A current-thread runtime: a task spawned here runs during the main future's yield.
/// weft::block_on(async {
///     let (_tx, mut rx) = weft::sync::mpsc::channel::<u32>(8);
///     weft::task::Builder::new()
///         .name("consumer")
///         .spawn(async move { rx.recv().await });
///     weft::spawn(weft::time::sleep(Duration::from_secs(60)));
///     weft::task::yield_now().await;
///     let dump: weft::runtime::TaskDump = weft::runtime::Handle::current().dump();
///     // ID  NAME      STATE  AGE  POLLS  SPAWNED AT           WAITING ON
///     // 1   consumer  idle   0ms  1      src/main.rs:8:10     recv at src/main.rs:9:41
///     // 2   -         idle   0ms  1      src/main.rs:10:5     sleep at src/main.rs:10:17
///     println!("{dump}");
///     assert_eq!(dump.len(), 2);
/// });
/// ```
///
/// *From weft-runtime's documentation, where this is `weft_runtime::dump::TaskDump`:*
///
#[doc(inline)]
pub use weft_runtime::dump::TaskDump;

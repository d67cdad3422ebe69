//! The runtime: the event loop that runs tasks, with the reactor and timers installed.
//!
//! [`Builder`] makes a [`Runtime`] of either flavour; every runtime it builds drives weft-io's
//! reactor and timers through the executor's park hook, so sockets, `sleep` and `timeout` work in
//! every task with no `enable_*` calls. [`Handle`] is a cheap reference to a running runtime.
//!
//! | weft | asyncio |
//! |---|---|
//! | `Builder::new_multi_thread().build()` | `asyncio.new_event_loop()` |
//! | `Runtime::block_on(fut)` | `loop.run_until_complete(coro)` |
//! | `Handle::current()` | `asyncio.get_running_loop()` |
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use weft::runtime::Builder;
//!
//! let rt = Builder::new_multi_thread().worker_threads(2).thread_name("app").build()?;
//! let sum = rt.block_on(async {
//!     let task = weft::spawn(async {
//!         weft::time::sleep(Duration::from_millis(5)).await;
//!         20 + 22
//!     });
//!     task.await.unwrap()
//! });
//! assert_eq!(sum, 42);
//! rt.shutdown_timeout(Duration::from_secs(1));
//! # std::io::Result::Ok(())
//! ```

pub use weft_runtime::{EnterGuard, Handle, RuntimeFlavor, TryCurrentError};

/// Configures a [`Runtime`], then starts it with [`build`](weft_runtime::builder::Builder::build):
/// every runtime it builds has weft-io's reactor and timers as its park hook, so sockets, `sleep`
/// and `timeout` work in every task with no `enable_*` calls.
///
/// This is weft-runtime's builder with weft-io's [`MakeDriver`](weft_io::MakeDriver) as its park
/// maker: the options are weft-runtime's (below), plus
/// [`start_paused`](weft_runtime::builder::Builder::start_paused) for virtual time.
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

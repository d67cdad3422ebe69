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

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

pub use weft_runtime::{EnterGuard, Handle, Park, Runtime, RuntimeFlavor, TryCurrentError};

/// Builds a [`Runtime`] with the reactor and timers on.
///
/// Mirrors `weft_runtime::Builder` (and tokio's builder): configure with `&mut self` methods, then
/// [`build`](Builder::build).
///
/// # Examples
///
/// ```
/// let rt = weft::runtime::Builder::new_current_thread().start_paused(true).build()?;
/// rt.block_on(async {
///     let start = weft::time::Instant::now();
///     // Virtual time: an hour passes at once, because nothing else is runnable.
///     weft::time::sleep(std::time::Duration::from_secs(3600)).await;
///     assert!(start.elapsed() >= std::time::Duration::from_secs(3600));
/// });
/// # std::io::Result::Ok(())
/// ```
pub struct Builder {
    inner: weft_runtime::Builder,
    current_thread: bool,
    start_paused: bool,
}

impl Builder {
    /// A multi-thread, work-stealing runtime with one worker per CPU by default.
    pub fn new_multi_thread() -> Builder {
        Builder {
            inner: weft_runtime::Builder::new_multi_thread(),
            current_thread: false,
            start_paused: false,
        }
    }

    /// A runtime that runs every task on the thread that calls [`Runtime::block_on`].
    pub fn new_current_thread() -> Builder {
        Builder {
            inner: weft_runtime::Builder::new_current_thread(),
            current_thread: true,
            start_paused: false,
        }
    }

    /// The number of worker threads (multi-thread only; default: available cores).
    ///
    /// # Panics
    ///
    /// If `n` is zero.
    #[track_caller]
    pub fn worker_threads(&mut self, n: usize) -> &mut Self {
        self.inner.worker_threads(n);
        self
    }

    /// The name of the runtime's threads.
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Self {
        self.inner.thread_name(name);
        self
    }

    /// The stack size of the runtime's threads, in bytes.
    pub fn thread_stack_size(&mut self, size: usize) -> &mut Self {
        self.inner.thread_stack_size(size);
        self
    }

    /// The most threads the blocking pool may run at once (default 512).
    ///
    /// # Panics
    ///
    /// If `n` is zero.
    #[track_caller]
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Self {
        self.inner.max_blocking_threads(n);
        self
    }

    /// How long an idle blocking-pool thread waits for work before it exits (default 10 s).
    pub fn thread_keep_alive(&mut self, keep_alive: Duration) -> &mut Self {
        self.inner.thread_keep_alive(keep_alive);
        self
    }

    /// Every how many polls a busy worker turns the reactor without blocking (default 61).
    pub fn event_interval(&mut self, n: u32) -> &mut Self {
        self.inner.event_interval(n);
        self
    }

    /// Every how many polls a worker looks at the global queue first (default 61).
    pub fn global_queue_interval(&mut self, n: u32) -> &mut Self {
        self.inner.global_queue_interval(n);
        self
    }

    /// Whether a panic that no `JoinHandle` will ever see is printed on stderr (default `true`),
    /// like asyncio's "Task exception was never retrieved".
    pub fn report_unhandled_panics(&mut self, report: bool) -> &mut Self {
        self.inner.report_unhandled_panics(report);
        self
    }

    /// Runs `f` on each runtime thread as it starts.
    pub fn on_thread_start(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Self {
        self.inner.on_thread_start(f);
        self
    }

    /// Runs `f` on each runtime thread as it stops.
    pub fn on_thread_stop(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Self {
        self.inner.on_thread_stop(f);
        self
    }

    /// Starts the clock paused (virtual time): whenever every task is idle, time jumps to the next
    /// timer, so tests that sleep for hours run in milliseconds. [`crate::time::advance`] moves it
    /// by hand.
    ///
    /// # Panics
    ///
    /// [`build`](Builder::build) panics if this is set on a multi-thread builder: virtual time needs
    /// one thread to know that every task is idle. Use `new_current_thread()`.
    pub fn start_paused(&mut self, paused: bool) -> &mut Self {
        self.start_paused = paused;
        self
    }

    /// Builds the runtime: the executor with weft-io's driver (reactor and timers) as its park hook.
    ///
    /// # Errors
    ///
    /// If the OS refuses a poller, a notification descriptor, or a thread.
    ///
    /// # Panics
    ///
    /// If `start_paused(true)` was set on a multi-thread builder.
    #[track_caller]
    pub fn build(&mut self) -> io::Result<Runtime> {
        assert!(
            !self.start_paused || self.current_thread,
            "start_paused(true) needs a current-thread runtime: use \
             Builder::new_current_thread() (or #[weft::test(start_paused = true)], whose default \
             flavour is current_thread)"
        );
        let config = weft_io::DriverConfig::new().start_paused(self.start_paused);
        let driver: Arc<dyn Park> = Arc::new(weft_io::Driver::new(config)?);
        self.inner.park_hook(driver).build()
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("inner", &self.inner)
            .field("start_paused", &self.start_paused)
            .finish()
    }
}

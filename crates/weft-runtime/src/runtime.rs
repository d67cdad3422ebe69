//! [`Runtime`]: an owned, running runtime.

use std::fmt;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::time::Duration;

use weft_core::task::JoinHandle;

use crate::config::{Options, RuntimeFlavor};
use crate::context;
use crate::handle::{EnterGuard, Handle};
use crate::make_park::{MakePark, ParkSettings};
use crate::scheduler::{self, current_thread, multi_thread};
use crate::signal_watch::SignalWatch;

/// A running weft runtime: its scheduler, worker threads (multi-thread flavour) and blocking pool.
/// `P` is the [`MakePark`] that made its park hook (see [`Builder`](crate::builder::Builder));
/// `weft_runtime::Runtime` is `Runtime<NoPark>`.
///
/// Dropping it shuts it down: the workers stop, the park hook's `shutdown` runs, then every task
/// that has not finished is cancelled (its future's destructor runs and its `JoinHandle` resolves
/// to a cancellation error), and the drop waits for running blocking jobs to end.
/// [`shutdown_timeout`](Runtime::shutdown_timeout) bounds that wait;
/// [`shutdown_background`](Runtime::shutdown_background) does not wait at all.
///
/// # Examples
///
/// ```
/// use weft_runtime::Runtime;
///
/// let rt = Runtime::new().unwrap();
/// let out = rt.block_on(async {
///     let a = weft_runtime::spawn(async { 1 });
///     let b = weft_runtime::spawn(async { 2 });
///     a.await.unwrap() + b.await.unwrap()
/// });
/// assert_eq!(out, 3);
/// ```
pub struct Runtime<P> {
    handle: Handle,
    /// The watches of `Builder::dump_on_signal`, ended when the runtime is dropped (after its
    /// shutdown).
    pub(crate) signal_watches: Vec<SignalWatch>,
    _make_park: PhantomData<fn() -> P>,
}

impl<P: MakePark + Default> Runtime<P> {
    /// A multi-thread runtime with default settings (one worker per CPU) and `P`'s park hook.
    ///
    /// # Errors
    /// If the park hook cannot be made or the OS refuses to start a worker thread.
    pub fn new() -> io::Result<Runtime<P>> {
        Runtime::start(&Options::new(RuntimeFlavor::MultiThread, P::default()))
    }
}

impl<P: MakePark> Runtime<P> {
    /// Starts a runtime with `options` (the multi-thread flavour's workers start here).
    pub(crate) fn start(options: &Options<P>) -> io::Result<Runtime<P>> {
        let config = options.config.clone();
        let threads = &options.threads;
        let hook = match &options.park_hook {
            Some(hook) => Some(hook.clone()),
            None => options.make_park.make_park(&ParkSettings {
                flavor: options.flavor,
                start_paused: options.start_paused,
            })?,
        };
        let inner = match options.flavor {
            RuntimeFlavor::CurrentThread => {
                scheduler::Handle::CurrentThread(current_thread::build(config, threads, hook))
            }
            RuntimeFlavor::MultiThread => {
                // Each worker thread runs inside the runtime for its whole life.
                let enter = |shared: &std::sync::Arc<multi_thread::Shared>| {
                    context::enter_runtime(&scheduler::Handle::MultiThread(shared.clone()))
                };
                let shared =
                    multi_thread::build(options.num_workers(), config, threads, hook, enter)?;
                scheduler::Handle::MultiThread(shared)
            }
        };
        if let Err(e) = inner.common().start_watchdog(&threads.thread_name) {
            inner.shutdown(Some(std::time::Duration::ZERO));
            return Err(e);
        }
        Ok(Runtime {
            handle: Handle { inner },
            signal_watches: Vec::new(),
            _make_park: PhantomData,
        })
    }
}

impl<P> Runtime<P> {
    /// Runs `future` to completion on the calling thread and returns its output; see
    /// [`Handle::block_on`].
    ///
    /// # Panics
    /// If called from inside a runtime: `.await` the future instead, or use `spawn_blocking`.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    /// Spawns `future` onto this runtime; see [`Handle::spawn`].
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs `f` on the blocking pool; see [`Handle::spawn_blocking`].
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(f)
    }

    /// The runtime's handle.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Makes this runtime current on this thread until the guard drops; see [`Handle::enter`].
    pub fn enter(&self) -> EnterGuard<'_> {
        self.handle.enter()
    }

    /// Shuts down, waiting at most `timeout` for workers and blocking jobs to stop.
    ///
    /// Tasks that are not running are cancelled as on drop. A worker stuck inside a task's poll
    /// (or a blocking job that does not return) is left behind after the timeout; its task is
    /// cancelled when that poll returns.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = weft_runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// let task = rt.spawn(std::future::pending::<()>());
    /// rt.shutdown_timeout(Duration::from_secs(1));
    /// assert!(futures_executor::block_on(task).unwrap_err().is_cancelled());
    /// ```
    pub fn shutdown_timeout(self, timeout: Duration) {
        self.handle.inner.shutdown(Some(timeout));
    }

    /// Shuts down without waiting for workers or blocking jobs that are busy.
    pub fn shutdown_background(self) {
        self.handle.inner.shutdown(Some(Duration::ZERO));
    }
}

impl<P> Drop for Runtime<P> {
    fn drop(&mut self) {
        self.handle.inner.shutdown(None);
    }
}

impl<P> fmt::Debug for Runtime<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("handle", &self.handle)
            .finish()
    }
}

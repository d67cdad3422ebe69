//! [`Builder`]: configures and starts a runtime; its parameter says which park hook the runtimes
//! it builds get ([`MakePark`]).
//!
//! `weft_runtime::Builder` is `Builder<NoPark>` (the executor alone); the facade's
//! `weft::runtime::Builder` is `Builder<weft_io::MakeDriver>` (with the reactor and timers). The
//! options are declared once, here, for both.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

pub use crate::make_park::{MakePark, NoPark, ParkSettings, PausableClock};
pub use crate::signal_watch::{SignalWatch, WatchSignal};

use crate::config::{Options, RuntimeFlavor};
use crate::handle::Handle;
use crate::park::Park;
use crate::runtime::Runtime;
use crate::slow_poll::{SlowPoll, SlowPollSettings};

/// Configures a runtime, then starts it with [`build`](Builder::build). `P` makes the park hook
/// of each runtime it builds ([`MakePark`]).
///
/// # Examples
///
/// ```
/// use weft_runtime::Builder;
///
/// let rt = Builder::new_multi_thread()
///     .worker_threads(2)
///     .thread_name("my-worker")
///     .max_blocking_threads(16)
///     .build()
///     .unwrap();
/// assert_eq!(rt.block_on(rt.spawn(async { 40 + 2 })).unwrap(), 42);
/// ```
pub struct Builder<P> {
    options: Options<P>,
    /// One per `dump_on_signal`: starts the watch of a runtime just built.
    signal_dumps: Vec<StartWatch<P>>,
}

/// Starts a signal watch for a runtime, given its park maker and handle.
type StartWatch<P> = Box<dyn Fn(&P, &Handle) -> io::Result<SignalWatch> + Send + Sync>;

impl<P: MakePark + Default> Builder<P> {
    /// A builder for a multi-thread runtime: a pool of worker threads (one per CPU by default)
    /// that steal work from each other.
    pub fn new_multi_thread() -> Builder<P> {
        Builder {
            options: Options::new(RuntimeFlavor::MultiThread, P::default()),
            signal_dumps: Vec::new(),
        }
    }

    /// A builder for a current-thread runtime: tasks run on the thread that calls
    /// [`Runtime::block_on`]; it supports `spawn_local` for `!Send` futures.
    pub fn new_current_thread() -> Builder<P> {
        Builder {
            options: Options::new(RuntimeFlavor::CurrentThread, P::default()),
            signal_dumps: Vec::new(),
        }
    }
}

impl<P: MakePark> Builder<P> {
    /// The number of worker threads of a multi-thread runtime (default: the number of CPUs).
    /// Ignored by the current-thread runtime.
    ///
    /// # Panics
    /// If `n` is 0.
    #[track_caller]
    pub fn worker_threads(&mut self, n: usize) -> &mut Self {
        assert!(
            n > 0,
            "Builder::worker_threads: a runtime needs at least one worker thread"
        );
        self.options.worker_threads = Some(n);
        self
    }

    /// The name of the runtime's threads (workers and blocking pool). Default `"weft-worker"`.
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Self {
        self.options.threads.thread_name = name.into();
        self
    }

    /// The stack size of the runtime's threads, in bytes (default: std's).
    pub fn thread_stack_size(&mut self, size: usize) -> &mut Self {
        self.options.threads.stack_size = Some(size);
        self
    }

    /// The most threads the blocking pool starts (default 512). Beyond that, blocking jobs wait
    /// in a queue.
    ///
    /// # Panics
    /// If `n` is 0.
    #[track_caller]
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Self {
        assert!(
            n > 0,
            "Builder::max_blocking_threads: the pool needs at least one thread"
        );
        self.options.threads.max_blocking_threads = n;
        self
    }

    /// How long an idle blocking-pool thread waits for work before it exits (default 10 s).
    pub fn thread_keep_alive(&mut self, keep_alive: Duration) -> &mut Self {
        self.options.threads.keep_alive = keep_alive;
        self
    }

    /// How many tasks a busy worker runs between turns of the park hook (default 61). A
    /// multi-thread worker whose last turn handed it work turns again sooner (after at most 16).
    ///
    /// # Panics
    /// If `n` is 0.
    #[track_caller]
    pub fn event_interval(&mut self, n: u32) -> &mut Self {
        assert!(n > 0, "Builder::event_interval must be at least 1");
        self.options.config.event_interval = n;
        self
    }

    /// How many tasks a worker runs from its own queue before it looks at the global queue first
    /// (default 61), so tasks spawned from outside never starve.
    ///
    /// # Panics
    /// If `n` is 0.
    #[track_caller]
    pub fn global_queue_interval(&mut self, n: u32) -> &mut Self {
        assert!(n > 0, "Builder::global_queue_interval must be at least 1");
        self.options.config.global_queue_interval = n;
        self
    }

    /// Whether a panic that no `JoinHandle` will see (the task was detached) is reported on
    /// stderr with the task's id, name and spawn location. Default `true`.
    pub fn report_unhandled_panics(&mut self, report: bool) -> &mut Self {
        self.options.config.report_unhandled_panics = report;
        self
    }

    /// What a panic that no `JoinHandle` will see does to the runtime (default
    /// [`UnhandledPanic::Ignore`](crate::UnhandledPanic::Ignore)); with
    /// [`UnhandledPanic::ShutdownRuntime`](crate::UnhandledPanic::ShutdownRuntime) the first one shuts
    /// the runtime down and `block_on` panics with it.
    ///
    /// # Examples
    ///
    /// See [`UnhandledPanic`](crate::UnhandledPanic).
    pub fn unhandled_panic(&mut self, policy: crate::panic_policy::UnhandledPanic) -> &mut Self {
        self.options.config.unhandled_panic = policy;
        self
    }

    /// Reports every poll of a task that takes longer than `threshold`: a task that blocks its
    /// worker thread (a blocking call, a long computation) stalls every task queued behind it.
    /// The report names the task (id, name, spawn site) and the poll's duration; it goes to
    /// stderr, or to [`on_slow_poll`](Builder::on_slow_poll)'s callback.
    ///
    /// A watchdog thread also reports a poll that is *still running* past the threshold, while it
    /// is stuck (an endless loop, a blocking call that never returns). Each slow poll is reported
    /// once. Off unless set: without a threshold the poll path reads no clock; with one, each
    /// poll reads the clock twice.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = weft_runtime::Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .slow_poll_threshold(Duration::from_millis(100))
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async {
    ///     // Prints "weft: task 1 spawned at src/main.rs:12 took 150ms in one poll ...".
    ///     weft_runtime::spawn(async { std::thread::sleep(Duration::from_millis(150)) })
    ///         .await
    ///         .unwrap();
    /// });
    /// ```
    ///
    /// # Panics
    /// If `threshold` is zero.
    #[track_caller]
    pub fn slow_poll_threshold(&mut self, threshold: Duration) -> &mut Self {
        assert!(
            !threshold.is_zero(),
            "Builder::slow_poll_threshold: a zero threshold would report every poll; give a \
             duration a poll should never take (tens of milliseconds, say)"
        );
        let callback = self
            .options
            .config
            .slow_poll
            .take()
            .and_then(|s| s.callback);
        self.options.config.slow_poll = Some(SlowPollSettings {
            threshold,
            callback,
        });
        self.options.config.slow_poll_callback_alone = false;
        self
    }

    /// Sends slow-poll reports to `f` instead of stderr (see
    /// [`slow_poll_threshold`](Builder::slow_poll_threshold), which must be set too). `f` runs on
    /// the worker whose poll was slow, right after the poll, or on the watchdog thread for a poll
    /// still running; a panic in `f` is caught and ignored.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// use std::time::Duration;
    ///
    /// let slow = Arc::new(AtomicUsize::new(0));
    /// let counter = slow.clone();
    /// let rt = weft_runtime::Builder::new_current_thread()
    ///     .slow_poll_threshold(Duration::from_millis(10))
    ///     .on_slow_poll(move |poll| {
    ///         assert_eq!(poll.name.as_deref(), Some("blocking"));
    ///         counter.fetch_add(1, Ordering::SeqCst);
    ///     })
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async {
    ///     weft_runtime::task::Builder::new()
    ///         .name("blocking")
    ///         .spawn(async { std::thread::sleep(Duration::from_millis(30)) })
    ///         .await
    ///         .unwrap();
    /// });
    /// assert_eq!(slow.load(Ordering::SeqCst), 1);
    /// ```
    pub fn on_slow_poll(&mut self, f: impl Fn(&SlowPoll) + Send + Sync + 'static) -> &mut Self {
        match &mut self.options.config.slow_poll {
            Some(settings) => settings.callback = Some(Arc::new(f)),
            None => {
                // Kept with a placeholder threshold until `slow_poll_threshold` sets the real one.
                self.options.config.slow_poll = Some(SlowPollSettings {
                    threshold: Duration::MAX,
                    callback: Some(Arc::new(f)),
                });
                self.options.config.slow_poll_callback_alone = true;
            }
        }
        self
    }

    /// Runs `f` on every runtime thread (worker or blocking) when it starts.
    pub fn on_thread_start(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Self {
        self.options.config.on_thread_start = Some(Arc::new(f));
        self
    }

    /// Runs `f` on every runtime thread (worker or blocking) before it stops.
    pub fn on_thread_stop(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Self {
        self.options.config.on_thread_stop = Some(Arc::new(f));
        self
    }

    /// Starts the runtime.
    ///
    /// # Errors
    /// If the park hook cannot be made (for the reactor: the OS refused a poller or a
    /// notification descriptor) or the OS refuses to start a worker thread.
    ///
    /// # Panics
    /// If [`start_paused`](Builder::start_paused)`(true)` was set on a multi-thread builder, or
    /// [`on_slow_poll`](Builder::on_slow_poll) without
    /// [`slow_poll_threshold`](Builder::slow_poll_threshold).
    #[track_caller]
    pub fn build(&mut self) -> io::Result<Runtime<P>> {
        assert!(
            !self.options.start_paused || self.options.flavor == RuntimeFlavor::CurrentThread,
            "start_paused(true) needs a current-thread runtime: use \
             Builder::new_current_thread() (or #[weft::test(start_paused = true)], whose default \
             flavour is current_thread)"
        );
        assert!(
            !self.options.config.slow_poll_callback_alone,
            "Builder::on_slow_poll was set without slow_poll_threshold: a callback alone never \
             runs; also call slow_poll_threshold(duration)"
        );
        let mut rt = Runtime::start(&self.options)?;
        for start in &self.signal_dumps {
            // On an error the runtime is dropped here, which shuts it down.
            let watch = start(&self.options.make_park, rt.handle())?;
            rt.signal_watches.push(watch);
        }
        Ok(rt)
    }

    /// Prints a dump of every live task ([`Handle::dump`]) on stderr each time the process
    /// receives the signal `kind`, as Go prints its goroutines on `SIGQUIT`: for a program that
    /// hangs, `kill -QUIT <pid>` shows what each task is doing or waiting on.
    ///
    /// The dump is printed from a thread of the signal layer, not from a task, so it comes even
    /// when every worker is stuck in a poll (a stuck task shows as `running`), and it adds no task
    /// of its own to the dump. The watch ends when the runtime shuts down; it does not keep the
    /// runtime alive. While it lives, the signal no longer has its default action (a `SIGQUIT`
    /// no longer ends the process); other listeners of the signal still see it. Each call adds a
    /// signal; the same signal given twice prints two dumps.
    ///
    /// It needs a park maker whose layers can watch signals ([`WatchSignal`]): weft's facade
    /// builder, `weft::runtime::Builder`, whose `kind` is a `weft::signal::unix::SignalKind`.
    ///
    /// # Examples
    ///
    /// With a park maker of our own, whose "signal" is a call from a test thread:
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use weft_runtime::builder::{Builder, MakePark, ParkSettings, SignalWatch, WatchSignal};
    /// use weft_runtime::Park;
    ///
    /// type OnSignal = Arc<Mutex<Option<Box<dyn Fn() + Send + Sync>>>>;
    ///
    /// #[derive(Debug, Default)]
    /// struct FakeSignals;
    ///
    /// static HANDLER: Mutex<Option<OnSignal>> = Mutex::new(None);
    ///
    /// impl MakePark for FakeSignals {
    ///     fn make_park(&self, _: &ParkSettings) -> std::io::Result<Option<Arc<dyn Park>>> {
    ///         Ok(None)
    ///     }
    /// }
    /// impl WatchSignal<&'static str> for FakeSignals {
    ///     fn watch_signal(
    ///         &self,
    ///         _kind: &'static str,
    ///         on_signal: Box<dyn Fn() + Send + Sync>,
    ///     ) -> std::io::Result<SignalWatch> {
    ///         let slot: OnSignal = Arc::new(Mutex::new(Some(on_signal)));
    ///         *HANDLER.lock().unwrap() = Some(slot.clone());
    ///         // Dropping the watch forgets the callback.
    ///         struct Forget(OnSignal);
    ///         impl Drop for Forget {
    ///             fn drop(&mut self) {
    ///                 self.0.lock().unwrap().take();
    ///             }
    ///         }
    ///         Ok(SignalWatch::new(Forget(slot)))
    ///     }
    /// }
    ///
    /// let rt = Builder::<FakeSignals>::new_current_thread()
    ///     .dump_on_signal("SIGFAKE")
    ///     .build()?;
    /// let _idle = rt.spawn(std::future::pending::<()>());
    /// // "Deliver" the signal: prints "weft: SIGFAKE received: dump of 1 live task" and the table.
    /// let slot = HANDLER.lock().unwrap().clone().unwrap();
    /// (slot.lock().unwrap().as_ref().unwrap())();
    /// drop(rt);
    /// assert!(slot.lock().unwrap().is_none(), "the runtime's shutdown ended the watch");
    /// # std::io::Result::Ok(())
    /// ```
    pub fn dump_on_signal<K>(&mut self, kind: K) -> &mut Self
    where
        P: WatchSignal<K>,
        K: fmt::Display + Clone + Send + Sync + 'static,
    {
        let start = move |maker: &P, handle: &Handle| {
            let signal = kind.to_string();
            let handle = handle.clone();
            maker.watch_signal(
                kind.clone(),
                Box::new(move || crate::signal_watch::print_dump(&handle, &signal)),
            )
        };
        self.signal_dumps.push(Box::new(start));
        self
    }
}

impl<P: PausableClock> Builder<P> {
    /// Starts the park hook's clock paused (virtual time): whenever every task is idle, time jumps
    /// to the next timer, so code that sleeps for hours runs in milliseconds; the clock also moves
    /// when moved by hand (weft's `time::advance`). Default `false`.
    ///
    /// Only a current-thread runtime knows that every task is idle (its one thread has nothing to
    /// run), so [`build`](Builder::build) panics if this is set on a multi-thread builder.
    ///
    /// # Examples
    ///
    /// weft's facade builder (weft-io's `MakeDriver`) has a pausable clock; here a hook maker of
    /// our own shows what it is told:
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft_runtime::builder::{Builder, MakePark, ParkSettings, PausableClock};
    /// use weft_runtime::{Park, RuntimeFlavor};
    ///
    /// #[derive(Debug, Default)]
    /// struct VirtualClock;
    ///
    /// impl MakePark for VirtualClock {
    ///     fn make_park(&self, settings: &ParkSettings) -> std::io::Result<Option<Arc<dyn Park>>> {
    ///         assert!(settings.start_paused);
    ///         assert_eq!(settings.flavor, RuntimeFlavor::CurrentThread);
    ///         Ok(None) // a real maker returns its hook, with its clock paused
    ///     }
    /// }
    /// impl PausableClock for VirtualClock {}
    ///
    /// let rt = Builder::<VirtualClock>::new_current_thread().start_paused(true).build()?;
    /// assert_eq!(rt.block_on(async { 1 }), 1);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn start_paused(&mut self, paused: bool) -> &mut Self {
        self.options.start_paused = paused;
        self
    }
}

impl Builder<NoPark> {
    /// Installs `hook` as the park hook of the runtime this builder builds (one runtime per hook:
    /// the hook's contract allows only one thread in `park` at a time). For a layer that brings
    /// its own hook; weft's facade builder installs weft-io's reactor and timers by itself.
    pub fn park_hook(&mut self, hook: Arc<dyn Park>) -> &mut Self {
        self.options.park_hook = Some(hook);
        self
    }
}

impl<P: fmt::Debug> fmt::Debug for Builder<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Builder").field(&self.options).finish()
    }
}

//! A runtime's settings: what the [`Builder`](crate::Builder) collects, with their defaults, and
//! the parts the schedulers and the blocking pool read while they run.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::park::Park;
use crate::slow_poll::SlowPollSettings;

/// The kind of scheduler a runtime runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuntimeFlavor {
    /// Tasks run on the thread that calls `block_on` ([`Builder::new_current_thread`](crate::Builder::new_current_thread)).
    CurrentThread,
    /// Tasks run on a pool of worker threads ([`Builder::new_multi_thread`](crate::Builder::new_multi_thread)).
    MultiThread,
}

/// A callback run on each runtime thread as it starts or stops.
pub(crate) type ThreadCallback = Arc<dyn Fn() + Send + Sync>;

/// The default name of the runtime's threads (workers and blocking pool).
const DEFAULT_THREAD_NAME: &str = "weft-worker";

/// The default cap on blocking-pool threads. Blocking jobs are mostly waits (files, DNS, blocking
/// libraries), not CPU work, so the cap is far above the core count: a job queued behind a full
/// pool waits for another job to end, and 512 keeps that rare; a thread costs little while it
/// waits (tokio chose the same number).
const DEFAULT_MAX_BLOCKING_THREADS: usize = 512;

/// How long an idle blocking-pool thread waits for a job before it exits: long enough that a
/// steady trickle of jobs reuses threads instead of paying a thread start each time, short
/// enough that a burst's threads do not linger.
const DEFAULT_THREAD_KEEP_ALIVE: Duration = Duration::from_secs(10);

/// The default number of tasks a busy worker runs between non-blocking turns of the park hook.
/// The turns keep I/O and timers moving while CPU-bound tasks keep every worker busy; each costs
/// the hook a poll of the OS (a syscall), so it is not taken every few tasks. 61 is tokio's value;
/// the benchmarks measure weft with it.
const DEFAULT_EVENT_INTERVAL: u32 = 61;

/// The default number of tasks a worker runs from its own queue before it looks at the global
/// queue first: a task spawned or woken from outside waits behind at most this many local polls,
/// even when a worker's own tasks keep waking each other. 61, as the event interval.
const DEFAULT_GLOBAL_QUEUE_INTERVAL: u32 = 61;

/// The settings the schedulers read while they run.
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) event_interval: u32,
    pub(crate) global_queue_interval: u32,
    pub(crate) report_unhandled_panics: bool,
    pub(crate) unhandled_panic: crate::panic_policy::UnhandledPanic,
    pub(crate) on_thread_start: Option<ThreadCallback>,
    pub(crate) on_thread_stop: Option<ThreadCallback>,
    /// `Builder::slow_poll_threshold` / `on_slow_poll`: `None` unless a threshold is set.
    pub(crate) slow_poll: Option<SlowPollSettings>,
    /// A callback given without a threshold (a misuse `build` reports).
    pub(crate) slow_poll_callback_alone: bool,
}

/// How the runtime's threads (workers and blocking pool) are started.
#[derive(Clone, Debug)]
pub(crate) struct ThreadSettings {
    pub(crate) thread_name: String,
    pub(crate) stack_size: Option<usize>,
    pub(crate) max_blocking_threads: usize,
    pub(crate) keep_alive: Duration,
}

/// Everything a builder collects; `P` makes the park hook (a `MakePark`).
pub(crate) struct Options<P> {
    pub(crate) flavor: RuntimeFlavor,
    /// `None`: one worker per CPU.
    pub(crate) worker_threads: Option<usize>,
    pub(crate) threads: ThreadSettings,
    /// Makes each runtime's park hook, unless `park_hook` gives one.
    pub(crate) make_park: P,
    /// A hook installed by hand (`Builder::park_hook`), used instead of `make_park`'s.
    pub(crate) park_hook: Option<Arc<dyn Park>>,
    pub(crate) start_paused: bool,
    pub(crate) config: Config,
}

impl<P> Options<P> {
    /// The defaults for a runtime of `flavor` whose park hook `make_park` makes.
    pub(crate) fn new(flavor: RuntimeFlavor, make_park: P) -> Options<P> {
        Options {
            flavor,
            worker_threads: None,
            threads: ThreadSettings {
                thread_name: DEFAULT_THREAD_NAME.to_owned(),
                stack_size: None,
                max_blocking_threads: DEFAULT_MAX_BLOCKING_THREADS,
                keep_alive: DEFAULT_THREAD_KEEP_ALIVE,
            },
            make_park,
            park_hook: None,
            start_paused: false,
            config: Config {
                event_interval: DEFAULT_EVENT_INTERVAL,
                global_queue_interval: DEFAULT_GLOBAL_QUEUE_INTERVAL,
                report_unhandled_panics: true,
                unhandled_panic: crate::panic_policy::UnhandledPanic::Ignore,
                on_thread_start: None,
                on_thread_stop: None,
                slow_poll: None,
                slow_poll_callback_alone: false,
            },
        }
    }

    /// The number of workers of a multi-thread runtime.
    pub(crate) fn num_workers(&self) -> usize {
        self.worker_threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    }
}

impl<P: fmt::Debug> fmt::Debug for Options<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("flavor", &self.flavor)
            .field("worker_threads", &self.worker_threads)
            .field("thread_name", &self.threads.thread_name)
            .field("stack_size", &self.threads.stack_size)
            .field("max_blocking_threads", &self.threads.max_blocking_threads)
            .field("thread_keep_alive", &self.threads.keep_alive)
            .field("make_park", &self.make_park)
            .field("park_hook", &self.park_hook.is_some())
            .field("start_paused", &self.start_paused)
            .field("event_interval", &self.config.event_interval)
            .field("global_queue_interval", &self.config.global_queue_interval)
            .field(
                "report_unhandled_panics",
                &self.config.report_unhandled_panics,
            )
            .field("unhandled_panic", &self.config.unhandled_panic)
            .field(
                "slow_poll_threshold",
                &self.config.slow_poll.as_ref().map(|s| s.threshold),
            )
            .finish_non_exhaustive()
    }
}

//! Slow-poll detection ([`Builder::slow_poll_threshold`](crate::builder::Builder::slow_poll_threshold)):
//! a poll that takes longer than the threshold is reported, and a watchdog thread reports a poll
//! that is still running past it (a task stuck in a blocking call or a loop).
//!
//! Off unless a threshold is set: then the poll path tests one `Option` and reads no clock. On,
//! each poll costs two clock reads, two sequentially consistent stores and a reference count
//! increment and decrement on the task (so the watchdog may read the task's name while it runs).
//!
//! # The hand-off between a worker and the watchdog
//!
//! Each worker has a `Slot`. Before a poll the worker takes a reference to the task
//! ([`TaskRef`]), stores its address in `task` and the start time in `started` (non-zero). After
//! the poll it stores `started = 0`, then, if `watching` is set, waits for the slot's lock; only
//! then does it drop its reference. The watchdog, holding the lock, sets `watching` and then reads
//! `started`. All four accesses are `SeqCst`, so at least one side sees the other's store: either
//! the watchdog sees `started == 0` (and touches nothing), or the worker sees `watching` and waits
//! for the lock, so the task the watchdog reads stays alive (the worker's reference) and `task`
//! is still that task's address.

use std::fmt;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering::*};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_utils::CachePadded;
use weft_core::coop::{self, Budget};
use weft_core::task::{Runnable, TaskId, TaskRef};

/// The callback a slow poll is reported to.
pub(crate) type SlowPollCallback = Arc<dyn Fn(&SlowPoll) + Send + Sync>;

/// A poll that took (or is taking) longer than the runtime's slow-poll threshold, as passed to
/// the `on_slow_poll` callback. `Display` gives the line printed on stderr by default.
///
/// Each slow poll is reported once: by the watchdog while it still runs
/// ([`still_running`](SlowPoll::still_running) is true), or when it returns, if the watchdog had
/// not seen it yet.
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
///
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let s = seen.clone();
/// let rt = weft_runtime::Builder::new_current_thread()
///     .slow_poll_threshold(Duration::from_millis(20))
///     .on_slow_poll(move |p| s.lock().unwrap().push((p.name.clone(), p.duration)))
///     .build()
///     .unwrap();
/// rt.block_on(async {
///     weft_runtime::task::Builder::new()
///         .name("sluggish")
///         .spawn(async { std::thread::sleep(Duration::from_millis(60)) })
///         .await
///         .unwrap();
/// });
/// let seen = seen.lock().unwrap();
/// assert_eq!(seen.len(), 1);
/// assert_eq!(seen[0].0.as_deref(), Some("sluggish"));
/// assert!(seen[0].1 >= Duration::from_millis(20));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SlowPoll {
    /// The task's id.
    pub id: TaskId,
    /// The task's name, if it was given one.
    pub name: Option<String>,
    /// Where the task was spawned.
    pub spawned_at: &'static Location<'static>,
    /// How long the poll took, or (while it still runs) has taken so far.
    pub duration: Duration,
    /// The poll had not returned when it was reported (the watchdog saw it).
    pub still_running: bool,
    /// The runtime's threshold.
    pub threshold: Duration,
}

impl fmt::Display for SlowPoll {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.id)?;
        if let Some(name) = &self.name {
            write!(f, " ({name:?})")?;
        }
        write!(f, " spawned at {}", self.spawned_at)?;
        let (took, threshold) = (Millis(self.duration), Millis(self.threshold));
        if self.still_running {
            write!(
                f,
                " has been in one poll for {took} and has not returned (slow-poll threshold \
                 {threshold}): it blocks its worker thread"
            )
        } else {
            write!(
                f,
                " took {took} in one poll (slow-poll threshold {threshold}): it blocked its \
                 worker thread"
            )
        }
    }
}

/// A duration as a person reads it in a report: `150ms`, `2.35s`.
struct Millis(Duration);

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 < Duration::from_secs(1) {
            write!(f, "{}ms", self.0.as_millis())
        } else {
            write!(f, "{:.2}s", self.0.as_secs_f64())
        }
    }
}

/// The default report: one line on stderr.
fn report_on_stderr(p: &SlowPoll) {
    eprintln!("weft: {p}");
}

/// The builder's slow-poll settings.
#[derive(Clone)]
pub(crate) struct SlowPollSettings {
    pub(crate) threshold: Duration,
    pub(crate) callback: Option<SlowPollCallback>,
}

/// One worker's poll in progress, for the watchdog.
#[derive(Default)]
struct Slot {
    /// When the current poll started, in nanoseconds since `epoch` plus one; 0: not polling.
    started: AtomicU64,
    /// The task being polled (valid while `started != 0`, see the module docs).
    task: AtomicPtr<()>,
    /// The watchdog is looking at this slot (it holds `lock`).
    watching: AtomicBool,
    /// The `started` value of the poll the watchdog reported (so it is reported once).
    reported: AtomicU64,
    lock: Mutex<()>,
}

/// A runtime's slow-poll detector: one slot per worker and the watchdog thread.
pub(crate) struct SlowPollWatch {
    threshold: Duration,
    callback: SlowPollCallback,
    epoch: Instant,
    slots: Box<[CachePadded<Slot>]>,
    stop: Mutex<bool>,
    stop_cv: Condvar,
}

impl SlowPollWatch {
    /// A detector for `workers` workers; its watchdog starts with [`start_watchdog`].
    pub(crate) fn new(settings: &SlowPollSettings, workers: usize) -> Arc<SlowPollWatch> {
        Arc::new(SlowPollWatch {
            threshold: settings.threshold,
            callback: settings
                .callback
                .clone()
                .unwrap_or_else(|| Arc::new(report_on_stderr)),
            epoch: Instant::now(),
            slots: (0..workers).map(|_| CachePadded::default()).collect(),
            stop: Mutex::new(false),
            stop_cv: Condvar::new(),
        })
    }

    fn stamp(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.epoch).as_nanos()).unwrap_or(u64::MAX - 1)
            + 1
    }

    /// Polls `task` on worker `worker`, timing the poll.
    #[inline(never)]
    pub(crate) fn run(&self, worker: usize, task: Runnable) {
        let slot = &self.slots[worker];
        let raw = task.task().into_raw();
        slot.task.store(raw.as_ptr(), Relaxed);
        let start = Instant::now();
        let stamp = self.stamp(start);
        slot.started.store(stamp, SeqCst);
        coop::with_budget(Budget::initial(), || task.run());
        let took = start.elapsed();
        slot.started.store(0, SeqCst);
        if slot.watching.load(SeqCst) {
            // The watchdog may be reading the task: keep it alive until it is done.
            drop(slot.lock.lock());
        }
        // SAFETY: `raw` came from `into_raw` above and is taken back once, here.
        let task = unsafe { TaskRef::from_raw(raw) };
        if took > self.threshold && slot.reported.load(Acquire) != stamp {
            self.report(&task, took, false);
        }
        drop(task);
    }

    fn report(&self, task: &TaskRef, duration: Duration, still_running: bool) {
        let report = SlowPoll {
            id: task.id(),
            name: task.name().map(str::to_owned),
            spawned_at: task.location(),
            duration,
            still_running,
            threshold: self.threshold,
        };
        // A panicking callback must not take a worker (or the watchdog) down with it.
        let callback = &self.callback;
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| callback(&report)));
    }

    /// Starts the watchdog thread: every `threshold / 2` (at least 1 ms, at most 1 s) it looks at
    /// each worker's poll and reports one that has run longer than the threshold.
    pub(crate) fn start_watchdog(self: &Arc<Self>, name: &str) -> std::io::Result<()> {
        let this = self.clone();
        thread::Builder::new()
            .name(format!("{name}-watchdog"))
            .spawn(move || this.watchdog())
            .map(drop)
    }

    fn watchdog(&self) {
        let period = (self.threshold / 2).clamp(Duration::from_millis(1), Duration::from_secs(1));
        let mut stop = self.stop.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if *stop {
                return;
            }
            stop = self
                .stop_cv
                .wait_timeout(stop, period)
                .unwrap_or_else(|e| e.into_inner())
                .0;
            if *stop {
                return;
            }
            for slot in self.slots.iter() {
                self.check(slot);
            }
        }
    }

    fn check(&self, slot: &Slot) {
        // Cheap look first: most of the time the worker is idle or its poll is young.
        let seen = slot.started.load(Relaxed);
        let now = self.stamp(Instant::now());
        if seen == 0
            || now.saturating_sub(seen) <= self.threshold.as_nanos() as u64
            || slot.reported.load(Relaxed) == seen
        {
            return;
        }
        let guard = slot.lock.lock().unwrap_or_else(|e| e.into_inner());
        slot.watching.store(true, SeqCst);
        let started = slot.started.load(SeqCst);
        if started == seen {
            let ptr = slot.task.load(Relaxed);
            // SAFETY: `started` is still the poll we saw and `watching` is set, so the worker is
            // inside that poll or waiting for our lock, holding its reference to the task whose
            // address it stored before `started` (module docs). The borrowed `TaskRef` is never
            // dropped (ManuallyDrop), so it takes no reference of its own.
            let task = std::mem::ManuallyDrop::new(unsafe {
                TaskRef::from_raw(std::ptr::NonNull::new(ptr).expect("a task address"))
            });
            slot.reported.store(started, Release);
            let so_far = Duration::from_nanos(now.saturating_sub(started));
            self.report(&task, so_far, true);
        }
        slot.watching.store(false, SeqCst);
        drop(guard);
    }

    /// Stops the watchdog thread (it exits at its next wake, promptly).
    pub(crate) fn stop(&self) {
        *self.stop.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.stop_cv.notify_all();
    }
}

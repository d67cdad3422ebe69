//! The driver: reactor and timers behind weft-runtime's [`Park`] hook, and the [`Handle`] that
//! resources use to reach them.
//!
//! ```text
//!   worker with nothing to run
//!        | Park::park(timeout)
//!        v
//!   Driver: timeout = min(timeout, next timer) --> Poller::wait --> mark sources, wake readers
//!                                              \-> fire due timers, wake sleepers
//!   any thread: Park::unpark --> Poller::notify (only if the driver is blocked in the poller)
//! ```
//!
//! With a paused (virtual) clock, a `park(None)` means every task is idle: instead of blocking,
//! the driver checks I/O once without waiting and, if nothing happened, moves the clock to the next
//! timer and fires it. Tests that sleep for hours run in milliseconds.

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::io;
use std::task::Waker;
use std::time::{Duration, Instant};

use crossbeam_utils::CachePadded;
use weft_core::loom::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use weft_core::loom::sync::{Arc, Condvar, Mutex};
use weft_runtime::builder::{MakePark, ParkSettings, PausableClock};
use weft_runtime::park::ParkMetrics;
use weft_runtime::Park;

use crate::reactor::{EventBuffer, Reactor};
use crate::time::entry::TimerQueue;

/// How a [`Driver`] is set up.
///
/// # Examples
///
/// ```
/// use weft_io::{Driver, DriverConfig};
///
/// let driver = Driver::new(DriverConfig { start_paused: true, ..DriverConfig::default() })?;
/// assert!(driver.handle().is_paused());
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct DriverConfig {
    /// Start with a paused (virtual) clock: time moves only by [`advance`](crate::time::advance)
    /// or, when every task is idle, by jumping to the next timer. Meant for current-thread runtimes
    /// and tests.
    pub start_paused: bool,
    /// Register sources in oneshot mode even where edge-triggered mode is available (oneshot is
    /// the fallback on platforms without edge triggering; this lets tests exercise it).
    pub force_oneshot: bool,
}

impl DriverConfig {
    /// The default configuration: real time, edge-triggered where supported.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`start_paused`](DriverConfig::start_paused).
    pub fn start_paused(mut self, paused: bool) -> Self {
        self.start_paused = paused;
        self
    }

    /// Sets [`force_oneshot`](DriverConfig::force_oneshot).
    pub fn force_oneshot(mut self, oneshot: bool) -> Self {
        self.force_oneshot = oneshot;
        self
    }
}

/// Makes a new [`Driver`] (reactor and timers) for each runtime a builder builds: the park hook of
/// weft's facade builder, `weft::runtime::Builder` (= `weft_runtime::builder::Builder<MakeDriver>`).
/// Its clock can start paused ([`PausableClock`]).
///
/// # Examples
///
/// ```
/// use weft_runtime::builder::Builder;
/// use weft_io::MakeDriver;
///
/// let rt = Builder::<MakeDriver>::new_current_thread().start_paused(true).build()?;
/// rt.block_on(async {
///     let io = weft_io::Handle::current();
///     assert!(io.is_paused());
///     weft_io::time::sleep(std::time::Duration::from_secs(3600)).await; // at once
/// });
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MakeDriver;

impl MakePark for MakeDriver {
    fn make_park(&self, settings: &ParkSettings) -> io::Result<Option<std::sync::Arc<dyn Park>>> {
        let config = DriverConfig::new().start_paused(settings.start_paused);
        Ok(Some(std::sync::Arc::new(Driver::new(config)?)))
    }
}

impl PausableClock for MakeDriver {}

/// Nobody is in `park`, nor was `unpark` called since the last one.
const IDLE: u8 = 0;
/// A thread is (about to be) blocked in the poller: `unpark` must notify it.
const PARKED: u8 = 1;
/// `unpark` was called: the current or next `park` returns promptly.
const NOTIFIED: u8 = 2;

/// The state shared by a driver and its handles.
pub(crate) struct Inner {
    pub(crate) reactor: Reactor,
    pub(crate) timers: TimerQueue,
    /// The park thread's scratch space (poller events, wakers to call).
    scratch: Mutex<Scratch>,
    /// IDLE / PARKED / NOTIFIED: skips the notify syscall when the driver is not blocked.
    park_state: AtomicU8,
    /// On its own cache line: read by every timer poll on every worker, while the fields around
    /// it (the park state, the metrics counters) are written by every park.
    shut_down: CachePadded<AtomicBool>,
    /// Once the poller failed for good, a blocking `park` waits on `fallback_cv` (while the state
    /// is PARKED) and `unpark` notifies it.
    fallback: Mutex<()>,
    fallback_cv: Condvar,
    /// Readiness events and fired timers, for the runtime's metrics: written only under
    /// `scratch` (the one thread in `park`), so a relaxed load and store count them. Plain std
    /// atomics: they take no part in any synchronisation.
    ready_count: std::sync::atomic::AtomicU64,
    timers_fired: std::sync::atomic::AtomicU64,
}

/// Adds `n` to a counter only the thread holding `scratch` writes.
fn count(counter: &std::sync::atomic::AtomicU64, n: usize) {
    use std::sync::atomic::Ordering::Relaxed;
    if n > 0 {
        counter.store(counter.load(Relaxed).wrapping_add(n as u64), Relaxed);
    }
}

struct Scratch {
    events: EventBuffer,
    wake: Vec<Waker>,
    /// Transient poller errors in a row (only the first of a run is reported).
    error_streak: u64,
}

/// The longest pause after a transient poller error (`ENOMEM`, ...) before the next try, so a
/// failure that lasts a while costs no busy loop.
const ERROR_PAUSE: Duration = Duration::from_millis(10);

/// Whether a failed wait in the poller would fail again every time: its descriptor is gone
/// (`EBADF`, closed under it) or was never an epoll one (`EINVAL`), or the buffer is bad
/// (`EFAULT`). Other errors (`ENOMEM`, ...) may pass and are retried.
fn is_lasting(err: &io::Error) -> bool {
    matches!(
        err.raw_os_error(),
        Some(libc::EBADF) | Some(libc::EINVAL) | Some(libc::EFAULT)
    )
}

/// The reactor and timers of one runtime; implements weft-runtime's [`Park`] hook.
///
/// A runtime built with [`MakeDriver`] as its park maker (the facade's builder) gets one; by hand,
/// create one per runtime and install it with `weft_runtime::Builder::park_hook`. Resources
/// created inside that runtime find it through [`Handle::current`]. Two drivers in one process are fully
/// independent (there is no process-global reactor).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use weft_io::{Driver, DriverConfig};
/// use weft_runtime::Park;
///
/// let driver = Arc::new(Driver::new(DriverConfig::default())?);
/// driver.unpark();
/// driver.park(None); // returns at once: the unpark came first
/// driver.park(Some(Duration::from_millis(1)));
/// # std::io::Result::Ok(())
/// ```
pub struct Driver {
    inner: Arc<Inner>,
}

/// A shared reference to a [`Driver`]: what timers and I/O sources hold.
///
/// # Examples
///
/// ```
/// use weft_io::{Driver, DriverConfig, Handle};
///
/// let driver = Driver::new(DriverConfig::default())?;
/// let _guard = driver.handle().enter();
/// assert!(Handle::try_current().is_some());
/// # std::io::Result::Ok(())
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for Driver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Driver")
            .field("reactor", &self.inner.reactor)
            .field("paused", &self.inner.timers.clock.is_paused())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("paused", &self.inner.timers.clock.is_paused())
            .finish_non_exhaustive()
    }
}

impl Driver {
    /// Creates a driver: a new OS poller (epoll, kqueue, ...) and an empty timer wheel.
    ///
    /// # Errors
    /// The OS error if the poller cannot be created (out of file descriptors, for instance).
    pub fn new(config: DriverConfig) -> io::Result<Driver> {
        Ok(Driver {
            inner: Arc::new(Inner {
                reactor: Reactor::new(config.force_oneshot)?,
                timers: TimerQueue::new(config.start_paused),
                scratch: Mutex::new(Scratch {
                    events: EventBuffer::new(),
                    wake: Vec::new(),
                    error_streak: 0,
                }),
                park_state: AtomicU8::new(IDLE),
                shut_down: CachePadded::new(AtomicBool::new(false)),
                fallback: Mutex::new(()),
                fallback_cv: Condvar::new(),
                ready_count: Default::default(),
                timers_fired: Default::default(),
            }),
        })
    }

    /// A handle to this driver.
    pub fn handle(&self) -> Handle {
        Handle {
            inner: self.inner.clone(),
        }
    }
}

impl Park for Driver {
    fn park(&self, timeout: Option<Duration>) {
        self.inner.park(timeout);
    }

    fn unpark(&self) {
        self.inner.unpark();
    }

    fn shutdown(&self) {
        self.inner.shutdown();
    }

    fn metrics(&self) -> ParkMetrics {
        use std::sync::atomic::Ordering::Relaxed;
        ParkMetrics::new(
            self.inner.ready_count.load(Relaxed),
            self.inner.timers_fired.load(Relaxed),
        )
    }

    fn as_any(&self) -> &(dyn Any + Send + Sync) {
        self
    }
}

impl Inner {
    fn park(&self, requested: Option<Duration>) {
        // The runtime never parks from two threads at once; should it happen, the second caller
        // just returns (a spurious wakeup, which the contract allows).
        let Some(mut scratch) = self.scratch.try_lock() else {
            return;
        };
        let Scratch {
            events,
            wake,
            error_streak,
        } = &mut *scratch;
        let clock = &self.timers.clock;
        let next_timer = self.timers.next_tick_for_park();

        // Only `park` moves the state away from NOTIFIED, and parks never overlap: here it is
        // IDLE or NOTIFIED (an unpark since the last park, consumed now).
        let notified = self.park_state.swap(IDLE, Ordering::AcqRel) == NOTIFIED;
        let auto_advance = clock.is_paused() && requested.is_none() && !notified;
        let mut timeout = if notified {
            Some(Duration::ZERO)
        } else {
            requested
        };
        if auto_advance && next_timer.is_some() {
            // Every task is idle: look at I/O once without blocking; jump the clock if nothing came.
            timeout = Some(Duration::ZERO);
        } else if let (Some(tick), false) = (next_timer, clock.is_paused()) {
            let until = match clock.tick_instant(tick) {
                Some(at) => at.saturating_duration_since(clock.now()),
                None => Duration::MAX,
            };
            timeout = Some(timeout.map_or(until, |t| t.min(until)));
        }

        // Announce a blocking wait so `unpark` knows to make the notify syscall; a non-blocking
        // turn leaves the state IDLE, and an unpark meanwhile just leaves NOTIFIED for next time.
        let mut blocking = timeout != Some(Duration::ZERO);
        if blocking
            && self
                .park_state
                .compare_exchange(IDLE, PARKED, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
        {
            // An unpark just came in: consume it and do not block.
            self.park_state.store(IDLE, Ordering::Release);
            timeout = Some(Duration::ZERO);
            blocking = false;
        }

        let io_events = self.turn_io(events, timeout, blocking, wake, error_streak);
        let was_notified = if blocking {
            self.park_state.swap(IDLE, Ordering::AcqRel) == NOTIFIED
        } else {
            self.park_state.load(Ordering::Acquire) == NOTIFIED
        };
        count(&self.ready_count, io_events);
        wake.drain(..).for_each(Waker::wake);

        if auto_advance && io_events == 0 && !was_notified {
            if let Some(at) = next_timer.and_then(|t| clock.tick_instant(t)) {
                clock.advance_to(at);
            }
        }
        if next_timer.is_some() {
            let fired = self.timers.process(clock.now_tick(), wake);
            count(&self.timers_fired, fired);
        }
        // With no timer before the turn, a timer added during it is left to the next park (its
        // insertion unparked this one if it was the earliest): the common I/O-only turn reads no
        // clock and takes the timer lock once.
    }

    /// One turn of the reactor; once its poller failed for good, a wait for an unpark or the
    /// timeout instead. A failed turn is reported on stderr and counts as a spurious wakeup (the
    /// caller parks again): a transient error (`ENOMEM`, ...) is reported once per run and the
    /// next try comes after a pause of at most [`ERROR_PAUSE`]; a lasting one ([`is_lasting`])
    /// gives the poller up ([`Reactor::fail`]): every I/O source wakes to an error, new ones are
    /// refused, and timers, spawns and wake-ups go on.
    fn turn_io(
        &self,
        events: &mut EventBuffer,
        timeout: Option<Duration>,
        blocking: bool,
        wake: &mut Vec<Waker>,
        error_streak: &mut u64,
    ) -> usize {
        if self.reactor.is_failed() {
            if blocking {
                self.wait_without_poller(timeout);
            }
            return 0;
        }
        match self.reactor.turn(events, timeout, wake) {
            Ok(n) => {
                *error_streak = 0;
                n
            }
            Err(e) if is_lasting(&e) => {
                eprintln!(
                    "weft-io: the reactor's poller failed for good ({e}): the I/O sources of this \
                     runtime now fail; timers and tasks go on"
                );
                self.reactor.fail(&e, wake);
                0
            }
            Err(e) => {
                if *error_streak == 0 {
                    eprintln!("weft-io: waiting in the reactor's poller failed ({e}); retrying");
                }
                *error_streak += 1;
                let pause = timeout.map_or(ERROR_PAUSE, |t| t.min(ERROR_PAUSE));
                if !pause.is_zero() {
                    std::thread::sleep(pause);
                }
                0
            }
        }
    }

    /// A blocking park without a poller: waits until `unpark` or `timeout`.
    fn wait_without_poller(&self, timeout: Option<Duration>) {
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let guard = self.fallback.lock();
        let (guard, _timed_out) = self.fallback_cv.wait_while_until(guard, deadline, |_| {
            self.park_state.load(Ordering::Acquire) == PARKED
        });
        drop(guard);
    }

    pub(crate) fn unpark(&self) {
        if self.park_state.swap(NOTIFIED, Ordering::AcqRel) == PARKED {
            if self.reactor.is_failed() {
                // Waiting in `wait_without_poller`, which checks the state under this lock.
                let _guard = self.fallback.lock();
                self.fallback_cv.notify_all();
                return;
            }
            // Blocked (or about to block) in the poller: wake it. Coalesced: only the unpark that
            // sees PARKED makes the syscall.
            if let Err(e) = self.reactor.notify() {
                eprintln!("weft-io: waking the reactor failed: {e}");
            }
        }
    }

    fn shutdown(&self) {
        self.shut_down.store(true, Ordering::Release);
        let mut wake = Vec::new();
        self.reactor.shutdown(&mut wake);
        wake.drain(..).for_each(Waker::wake);
        self.timers.fire_all(&mut wake);
    }

    pub(crate) fn is_shut_down(&self) -> bool {
        self.shut_down.load(Ordering::Acquire)
    }
}

thread_local! {
    /// Handles made current by [`Handle::enter`] (innermost last).
    static ENTERED: RefCell<Vec<Handle>> = const { RefCell::new(Vec::new()) };
}

/// Makes a handle current until dropped; see [`Handle::enter`].
#[must_use = "the handle is current only while the guard lives"]
pub struct EnterGuard {
    _not_send: std::marker::PhantomData<*const ()>,
}

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish()
    }
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let _ = ENTERED.try_with(|e| e.borrow_mut().pop());
    }
}

impl Handle {
    /// The driver of the current runtime.
    ///
    /// Found through the current weft runtime's park hook (the driver the runtime was built with,
    /// see `weft_runtime::Builder::park_hook`), or a handle made current by
    /// [`enter`](Handle::enter) (which wins when both exist).
    ///
    /// # Panics
    /// If there is no current weft runtime with a weft-io driver on this thread.
    #[track_caller]
    pub fn current() -> Handle {
        match Handle::try_current() {
            Some(handle) => handle,
            None => panic!(
                "no weft reactor is running on this thread: timers and I/O sources must be \
                 created inside `weft::run`, `Runtime::block_on` or a spawned task (or, without \
                 a runtime, inside `weft_io::Handle::enter`)"
            ),
        }
    }

    /// The driver of the current runtime, or `None` outside one (see [`current`](Handle::current)).
    pub fn try_current() -> Option<Handle> {
        if let Ok(Some(entered)) = ENTERED.try_with(|e| e.borrow().last().cloned()) {
            return Some(entered);
        }
        weft_runtime::with_current_park_hook(|hook| {
            let driver = hook?.as_any().downcast_ref::<Driver>()?;
            Some(driver.handle())
        })
    }

    /// Makes this handle the current one on this thread until the guard is dropped: for running
    /// weft-io resources on an executor that is not weft's (or in tests of the driver alone).
    pub fn enter(&self) -> EnterGuard {
        ENTERED.with(|e| e.borrow_mut().push(self.clone()));
        EnterGuard {
            _not_send: std::marker::PhantomData,
        }
    }

    /// Whether this driver's clock is paused (virtual).
    pub fn is_paused(&self) -> bool {
        self.inner.timers.clock.is_paused()
    }

    /// The number of timers waiting in this driver's wheel.
    pub fn pending_timers(&self) -> usize {
        self.inner.timers.len()
    }

    /// The number of I/O sources registered with this driver's reactor.
    pub fn registered_sources(&self) -> usize {
        self.inner.reactor.registered()
    }

    /// Whether sources are registered edge-triggered (`false`: oneshot, re-armed per wait).
    pub fn is_edge_triggered(&self) -> bool {
        self.inner.reactor.mode() == crate::reactor::Mode::Edge
    }

    /// Whether the two handles refer to the same driver.
    pub fn ptr_eq(&self, other: &Handle) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

//! Parking a thread that has nothing to run, with or without the [`Park`] hook.
//!
//! Each parker has a small state machine (tokio's): `EMPTY`, `PARKED_CONDVAR`, `PARKED_HOOK`,
//! `NOTIFIED`. [`Unparker::unpark`] swaps in `NOTIFIED` and only does expensive work when the
//! parker is really asleep: a condvar notify for a condvar sleeper, [`Park::unpark`] for the one
//! thread inside the hook. An unpark that arrives before the park makes the park return at once.
//!
//! The hook itself is shared by all parkers of a runtime through [`ParkHookSlot`], a try-lock: the
//! first idle thread to take it waits inside `Park::park(None)`, the others sleep on their condvars.
//!
//! A parker made with [`Parker::with_spin`] (the multi-thread workers') may spin for a few
//! microseconds before it sleeps on its condvar. A worker that finds no work often parks just as
//! the worker waiting in the hook is about to hand it some (its `epoll_wait` returns a batch of
//! wakes a few microseconds later, and it notifies a sleeper to steal half). Waking a sleeping
//! thread costs a futex wake on the notifier's side and, on the sleeper's side, tens of
//! microseconds before its CPU runs it again (far more on a virtual machine whose idle vCPU halts,
//! or when another process took the CPU meanwhile); a spinning parker sees the notification
//! through its state word at once and nobody makes a syscall.
//!
//! A spin that the unpark does not end in time is pure waste, so the spin adapts to how soon
//! unparks actually come (the rule of Linux's guest halt-polling): every park measures the *gap*
//! from its start to the unpark that ended it (an unpark that has to wake a condvar sleeper
//! stamps the time; the sleeper subtracts). A gap the spin covered changes nothing; a gap longer
//! than the spin but within the cap (`with_spin`'s argument) doubles the spin, from
//! [`SPIN_START`]; a gap beyond the cap (the worker was really idle) halves it, down to zero.
//! Workers of a busy server, notified microseconds after they park, soon spin for the full cap;
//! workers of a quiet program (a timer now and then, a few idle connections) soon stop spinning
//! and sleep at once.

use std::fmt;
use std::hint;
use std::sync::atomic::AtomicU64;
use std::sync::Arc as StdArc;
use std::time::{Duration, Instant};

use weft_core::loom::sync::atomic::{AtomicUsize, Ordering::*};
use weft_core::loom::sync::Arc;
use weft_core::loom::sync::{Condvar, Mutex};

use crate::park::Park;
use crate::park_hook_slot::ParkHookSlot;

/// Nobody is parked and no unpark is pending.
const EMPTY: usize = 0;
/// The owner sleeps on the condvar: an unpark must notify it under the mutex.
const PARKED_CONDVAR: usize = 1;
/// The owner waits inside the park hook: an unpark must call `Park::unpark`.
const PARKED_HOOK: usize = 2;
/// An unpark came: the current or next park returns at once.
const NOTIFIED: usize = 3;

struct Inner {
    state: AtomicUsize,
    mutex: Mutex<()>,
    condvar: Condvar,
    hook: Arc<ParkHookSlot>,
    /// Whether the owner adapts a spin: then an unpark that wakes a condvar sleeper stamps
    /// `unparked_at`.
    adaptive: bool,
    /// When the last unpark that found the owner asleep on the condvar came, in ns since `base`.
    /// Only a measurement for the spin's length: a stale or torn-by-reordering value costs at
    /// most one wrong adjustment, never a lost wake-up, so it is a plain relaxed std atomic.
    unparked_at: AtomicU64,
    base: Instant,
}

impl Inner {
    fn now_ns(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

/// How many state checks a spinning parker makes between two looks at the clock: reading the
/// clock costs far more than a check, so it is read once per batch, and 64 relaxed loads take
/// well under a microsecond, so the spin overshoots its deadline by less than that.
const SPIN_CHECKS: u32 = 64;

/// The spin a parker starts from after a park whose unpark came too late for it but within the
/// cap: 4 µs, well under the ~8 µs after which the worker in the hook typically hands work to a
/// parked worker, so two or three such parks bring the spin to the cap.
pub const SPIN_START: Duration = Duration::from_micros(4);

/// The next spin, in ns, after a park whose unpark came `gap` ns after it began, with the spin at
/// `spin` and its cap at `max` (see the module docs).
fn next_spin(spin: u64, gap: u64, max: u64) -> u64 {
    let start = SPIN_START.as_nanos() as u64;
    if gap <= spin {
        spin
    } else if gap <= max {
        spin.saturating_mul(2).clamp(start.min(max), max)
    } else if spin / 2 < start {
        0
    } else {
        spin / 2
    }
}

/// The sleeping end: one thread at a time parks on it.
pub struct Parker {
    inner: Arc<Inner>,
    /// The cap of the adaptive spin, in ns (0: never spin).
    spin_max: u64,
    /// How long, in ns, a park that must sleep on the condvar first spins, waiting for an
    /// unpark. Only the owner reads and writes it (a relaxed atomic keeps the parker `Sync`).
    spin: AtomicU64,
}

/// The waking end, cloneable, usable from any thread.
#[derive(Clone)]
pub struct Unparker {
    inner: Arc<Inner>,
}

impl Parker {
    /// A parker that may wait in `hook`'s hook, and otherwise sleeps on its condvar at once.
    pub fn new(hook: Arc<ParkHookSlot>) -> Self {
        Self::with_spin(hook, Duration::ZERO)
    }

    /// A parker that, when it cannot take the hook's token, may spin for up to `max_spin` waiting
    /// for an unpark before it sleeps on its condvar, as long as recent unparks came soon enough
    /// for a spin to catch them (see the module docs). It starts out spinning for `max_spin`.
    /// Under loom it never spins.
    pub fn with_spin(hook: Arc<ParkHookSlot>, max_spin: Duration) -> Self {
        let spin_max = if cfg!(loom) {
            0
        } else {
            u64::try_from(max_spin.as_nanos()).unwrap_or(u64::MAX)
        };
        Parker {
            inner: Arc::new(Inner {
                state: AtomicUsize::new(EMPTY),
                mutex: Mutex::new(()),
                condvar: Condvar::new(),
                hook,
                adaptive: spin_max > 0,
                unparked_at: AtomicU64::new(0),
                base: Instant::now(),
            }),
            spin_max,
            spin: AtomicU64::new(spin_max),
        }
    }

    /// How long the next park that must sleep will first spin (it adapts, see the module docs).
    pub fn current_spin(&self) -> Duration {
        Duration::from_nanos(self.spin.load(Relaxed))
    }

    /// The matching unparker.
    pub fn unparker(&self) -> Unparker {
        Unparker {
            inner: self.inner.clone(),
        }
    }

    /// Blocks until unparked (it may return spuriously). Waits inside the hook if this thread can
    /// take the hook's token, on the condvar otherwise.
    ///
    /// Only one thread at a time may park on a given parker.
    pub fn park(&self) {
        let inner = &*self.inner;
        if inner
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return;
        }
        match inner.hook.try_acquire() {
            Some(token) => self.park_in_hook(token.hook),
            None => self.park_condvar(),
        }
    }

    fn park_in_hook(&self, hook: &dyn Park) {
        let inner = &*self.inner;
        match inner
            .state
            .compare_exchange(EMPTY, PARKED_HOOK, SeqCst, SeqCst)
        {
            Ok(_) => {}
            Err(NOTIFIED) => {
                inner.state.swap(EMPTY, SeqCst);
                return;
            }
            Err(actual) => panic!("inconsistent park state {actual}: two threads parked at once"),
        }
        hook.park(None);
        match inner.state.swap(EMPTY, SeqCst) {
            NOTIFIED | PARKED_HOOK => {}
            actual => panic!("inconsistent park state {actual} after the hook"),
        }
    }

    fn park_condvar(&self) {
        let start = (self.spin_max > 0).then(|| self.inner.now_ns());
        if let Some(start) = start {
            if self.spin_for_unpark(start) {
                return;
            }
        }
        let inner = &*self.inner;
        let mut guard = inner.mutex.lock();
        match inner
            .state
            .compare_exchange(EMPTY, PARKED_CONDVAR, SeqCst, SeqCst)
        {
            Ok(_) => {}
            Err(NOTIFIED) => {
                inner.state.swap(EMPTY, SeqCst);
                drop(guard);
                // Came just after the spin gave up.
                self.adapt(start, |inner| inner.now_ns());
                return;
            }
            Err(actual) => panic!("inconsistent park state {actual}: two threads parked at once"),
        }
        loop {
            guard = inner.condvar.wait(guard);
            if inner
                .state
                .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                .is_ok()
            {
                drop(guard);
                self.adapt(start, |inner| inner.unparked_at.load(Relaxed));
                return;
            }
            // Spurious wake-up: sleep again.
        }
    }

    /// After a park that began at `start` (if the spin adapts) slept: sets the next spin from
    /// the gap until the unpark, whose time `unparked_at` gives.
    fn adapt(&self, start: Option<u64>, unparked_at: impl FnOnce(&Inner) -> u64) {
        if let Some(start) = start {
            let gap = unparked_at(&self.inner).saturating_sub(start);
            let spin = self.spin.load(Relaxed);
            self.spin
                .store(next_spin(spin, gap, self.spin_max), Relaxed);
        }
    }

    /// Spins for up to the current spin while the state is `EMPTY` (an unpark then only stores
    /// `NOTIFIED`, no syscall). Returns true if it consumed an unpark. `start` is the park's start
    /// in ns since the parker's base.
    fn spin_for_unpark(&self, start: u64) -> bool {
        let spin = self.spin.load(Relaxed);
        if spin == 0 {
            return false;
        }
        let state = &self.inner.state;
        loop {
            for _ in 0..SPIN_CHECKS {
                if state.load(Relaxed) == NOTIFIED
                    && state
                        .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                        .is_ok()
                {
                    return true;
                }
                hint::spin_loop();
            }
            if self.inner.now_ns().saturating_sub(start) >= spin {
                return false;
            }
        }
    }
}

impl Unparker {
    /// Wakes the parked thread, or makes its next park return at once.
    pub fn unpark(&self) {
        let inner = &*self.inner;
        match inner.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED_CONDVAR => {
                if inner.adaptive {
                    inner.unparked_at.store(inner.now_ns(), Relaxed);
                }
                // Taking the lock orders this notify after the sleeper's wait began.
                drop(inner.mutex.lock());
                inner.condvar.notify_one();
            }
            PARKED_HOOK => inner.hook.unpark_waiter(),
            actual => panic!("inconsistent park state {actual}"),
        }
    }
}

impl fmt::Debug for Parker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Parker")
            .field("state", &self.inner.state.load(Relaxed))
            .field("spin", &self.current_spin())
            .finish()
    }
}

impl fmt::Debug for Unparker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unparker").finish_non_exhaustive()
    }
}

impl std::task::Wake for Unparker {
    fn wake(self: StdArc<Self>) {
        self.unpark();
    }

    fn wake_by_ref(self: &StdArc<Self>) {
        self.unpark();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize as StdAtomicUsize;

    #[test]
    fn unpark_before_park_returns_at_once() {
        let p = Parker::new(Arc::new(ParkHookSlot::new(None)));
        p.unparker().unpark();
        p.park();
    }

    #[test]
    fn spinning_park_sees_an_unpark_without_sleeping_out_the_spin() {
        // A minute of spin: only a spin that notices the unpark returns before the deadline.
        let p = Parker::with_spin(Arc::new(ParkHookSlot::new(None)), Duration::from_secs(60));
        let u = p.unparker();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(10));
            u.unpark();
        });
        let start = std::time::Instant::now();
        p.park();
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "spun past the unpark"
        );
        t.join().unwrap();
        // The unpark was consumed: the state is back to EMPTY.
        assert_eq!(p.inner.state.load(SeqCst), EMPTY);
    }

    #[test]
    fn spinning_park_sleeps_on_the_condvar_after_the_spin() {
        let p = Parker::with_spin(Arc::new(ParkHookSlot::new(None)), Duration::from_micros(50));
        let u = p.unparker();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            u.unpark();
        });
        p.park();
        t.join().unwrap();
        assert_eq!(p.inner.state.load(SeqCst), EMPTY);
        // An unpark before the park still makes it return at once.
        p.unparker().unpark();
        p.park();
    }

    #[test]
    fn spin_grows_on_near_misses_and_shrinks_on_long_idles() {
        let us = |n: u64| n * 1_000;
        let max = us(30);
        // A gap the spin covered changes nothing.
        assert_eq!(next_spin(us(30), us(8), max), us(30));
        assert_eq!(next_spin(0, 0, max), 0);
        // A gap within the cap that the spin missed: double, from SPIN_START, up to the cap.
        assert_eq!(next_spin(0, us(10), max), us(4));
        assert_eq!(next_spin(us(4), us(10), max), us(8));
        assert_eq!(next_spin(us(16), us(20), max), us(30));
        // A gap beyond the cap: halve, and stop below SPIN_START.
        assert_eq!(next_spin(us(30), us(1_000), max), us(15));
        assert_eq!(next_spin(us(15), us(1_000), max), us(7) + 500);
        assert_eq!(next_spin(us(7), us(1_000), max), 0);
        // A cap below SPIN_START still spins up to the cap.
        assert_eq!(next_spin(0, us(2), us(2)), us(2));
    }

    #[test]
    fn long_idle_parks_stop_the_spin() {
        let p = Parker::with_spin(Arc::new(ParkHookSlot::new(None)), Duration::from_micros(30));
        assert_eq!(p.current_spin(), Duration::from_micros(30));
        // Every unpark comes 5 ms after the park, far beyond the 30 µs cap: 30 -> 15 -> 7.5 -> 0
        // (more rounds if a stalled test thread parks only after the unpark, which measures
        // nothing).
        for _ in 0..100 {
            let u = p.unparker();
            let t = std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(5));
                u.unpark();
            });
            p.park();
            t.join().unwrap();
            if p.current_spin().is_zero() {
                break;
            }
        }
        assert_eq!(p.current_spin(), Duration::ZERO);
        // A parker without spin never measures.
        let q = Parker::new(Arc::new(ParkHookSlot::new(None)));
        q.unparker().unpark();
        q.park();
        assert_eq!(q.current_spin(), Duration::ZERO);
    }

    #[test]
    fn unpark_from_other_thread() {
        let p = Parker::new(Arc::new(ParkHookSlot::new(None)));
        let u = p.unparker();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            u.unpark();
        });
        p.park();
        t.join().unwrap();
    }

    /// A hook that counts parks and returns when unparked.
    struct CountingHook {
        parks: StdAtomicUsize,
        flag: Mutex<bool>,
        cv: Condvar,
    }
    impl Park for CountingHook {
        fn park(&self, timeout: Option<Duration>) {
            self.parks.fetch_add(1, SeqCst);
            let mut g = self.flag.lock();
            if timeout.is_none() {
                while !*g {
                    g = self.cv.wait(g);
                }
            }
            *g = false;
        }
        fn unpark(&self) {
            *self.flag.lock() = true;
            self.cv.notify_one();
        }
        fn as_any(&self) -> &(dyn std::any::Any + Send + Sync) {
            self
        }
    }

    #[test]
    fn one_thread_in_the_hook_others_on_condvars() {
        let hook = StdArc::new(CountingHook {
            parks: StdAtomicUsize::new(0),
            flag: Mutex::new(false),
            cv: Condvar::new(),
        });
        let slot = Arc::new(ParkHookSlot::new(Some(hook.clone())));
        let a = Parker::new(slot.clone());
        let b = Parker::new(slot.clone());
        let (ua, ub) = (a.unparker(), b.unparker());
        let ta = std::thread::spawn(move || a.park());
        while !slot.is_held() {
            std::thread::yield_now();
        }
        // `b` cannot take the token: it sleeps on its condvar.
        let tb = std::thread::spawn(move || b.park());
        std::thread::sleep(Duration::from_millis(20));
        assert!(!slot.turn_without_blocking(), "the token is held by `a`");
        ub.unpark();
        tb.join().unwrap();
        ua.unpark();
        ta.join().unwrap();
        assert_eq!(hook.parks.load(SeqCst), 1);
        assert!(slot.turn_without_blocking());
        assert_eq!(hook.parks.load(SeqCst), 2);
    }
}

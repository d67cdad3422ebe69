//! The driver's clock: real time, or virtual time that moves only when told to.
//!
//! Timers count in ticks of one millisecond since the clock's `base`. A deadline becomes the tick
//! that rounds it **up** and the clock's "now" the tick that rounds it **down**, so a timer whose
//! tick has been reached is always past its deadline: timers never fire early.

use std::time::{Duration, Instant};

use weft_core::loom::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

/// The tick that means "never" (deadlines too far to represent).
pub(crate) const NEVER: u64 = u64::MAX;

/// One tick is a millisecond: the resolution `sleep` and `timeout` promise (as the OS's poll
/// timeout has), and coarse enough that the wheel's 2^36 ticks cover years.
const NANOS_PER_TICK: u32 = 1_000_000;
/// Ticks in a second.
const TICKS_PER_SEC: u64 = 1_000_000_000 / NANOS_PER_TICK as u64;

/// The ticks in `d`'s whole seconds plus `sub` (its sub-second ticks, rounded as the caller
/// wants), saturating at [`NEVER`]. Whole seconds and the nanoseconds below one are counted
/// apart so that no 128-bit division is needed: every `sleep` converts its deadline.
fn ticks(d: Duration, sub: u32) -> u64 {
    d.as_secs()
        .saturating_mul(TICKS_PER_SEC)
        .saturating_add(u64::from(sub))
}

/// Real or paused (virtual) time; [`pause`](Clock::pause) and [`resume`](Clock::resume) switch
/// between the two without ever moving the clock back.
#[derive(Debug)]
pub(crate) struct Clock {
    base: Instant,
    /// Whether time is virtual now.
    paused: AtomicBool,
    /// Paused: nanoseconds of virtual time since `base`.
    virtual_nanos: AtomicU64,
    /// Real time: how far the clock is ahead of `Instant::now()`, in nanoseconds (negative: the
    /// time spent paused, less the virtual time advanced meanwhile); 0 unless it was ever paused.
    offset_nanos: AtomicI64,
}

impl Clock {
    /// A clock starting now, paused (virtual) or real.
    pub(crate) fn new(paused: bool) -> Self {
        Clock {
            base: Instant::now(),
            paused: AtomicBool::new(paused),
            virtual_nanos: AtomicU64::new(0),
            offset_nanos: AtomicI64::new(0),
        }
    }

    /// Whether time is virtual now.
    pub(crate) fn is_paused(&self) -> bool {
        self.paused.load(Ordering::Acquire)
    }

    /// The current instant: the real one (shifted by what a pause left), or the virtual one when
    /// paused.
    pub(crate) fn now(&self) -> Instant {
        if self.is_paused() {
            self.base + Duration::from_nanos(self.virtual_nanos.load(Ordering::Acquire))
        } else {
            let offset = self.offset_nanos.load(Ordering::Acquire);
            let now = Instant::now();
            match offset {
                0 => now,
                o if o > 0 => now + Duration::from_nanos(o.unsigned_abs()),
                o => now
                    .checked_sub(Duration::from_nanos(o.unsigned_abs()))
                    .unwrap_or(self.base),
            }
        }
    }

    /// Freezes time where it is; from now on it moves only by [`advance`](Self::advance) (and the
    /// driver's jumps to the next timer when every task is idle). Does nothing if paused.
    ///
    /// The runtime's thread is the only caller (current-thread runtimes only): the switch is not
    /// atomic against another thread's `pause`/`resume`.
    pub(crate) fn pause(&self) {
        if self.is_paused() {
            return;
        }
        // Rounded up to a whole tick, so that virtual deadlines from here on are exact ticks.
        let since_base = self.now().saturating_duration_since(self.base).as_nanos();
        let tick = u128::from(NANOS_PER_TICK);
        let nanos = since_base.div_ceil(tick) * tick;
        let nanos = u64::try_from(nanos).unwrap_or(u64::MAX);
        self.virtual_nanos.store(nanos, Ordering::Release);
        self.paused.store(true, Ordering::Release);
    }

    /// Lets time run again from where it is (it does not jump to the real time). Does nothing if
    /// not paused. Callers as for [`pause`](Self::pause).
    pub(crate) fn resume(&self) {
        if !self.is_paused() {
            return;
        }
        let virtual_nanos = i128::from(self.virtual_nanos.load(Ordering::Acquire));
        let real = Instant::now()
            .saturating_duration_since(self.base)
            .as_nanos();
        let real = i128::try_from(real).unwrap_or(i128::MAX);
        let offset = (virtual_nanos - real).clamp(i128::from(i64::MIN), i128::from(i64::MAX));
        self.offset_nanos
            .store(i64::try_from(offset).unwrap_or(0), Ordering::Release);
        self.paused.store(false, Ordering::Release);
    }

    /// Moves virtual time forward by `by` (paused clocks only; the caller checks).
    pub(crate) fn advance(&self, by: Duration) {
        let nanos = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        let _ = self
            .virtual_nanos
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| {
                Some(v.saturating_add(nanos))
            });
    }

    /// Moves virtual time forward to `to` if it is later than now.
    pub(crate) fn advance_to(&self, to: Instant) {
        let target =
            u64::try_from(to.saturating_duration_since(self.base).as_nanos()).unwrap_or(u64::MAX);
        self.virtual_nanos.fetch_max(target, Ordering::AcqRel);
    }

    /// The tick of `now()`, rounded down.
    pub(crate) fn now_tick(&self) -> u64 {
        let since = self.now().saturating_duration_since(self.base);
        ticks(since, since.subsec_nanos() / NANOS_PER_TICK).min(NEVER - 1)
    }

    /// The tick of a deadline, rounded up; [`NEVER`] if it cannot be represented. Below
    /// `NEVER - 1` otherwise: the two top values are a timer entry's fired states.
    pub(crate) fn deadline_tick(&self, deadline: Instant) -> u64 {
        let since = deadline.saturating_duration_since(self.base);
        let tick = ticks(since, since.subsec_nanos().div_ceil(NANOS_PER_TICK));
        if tick >= NEVER - 1 {
            NEVER
        } else {
            tick
        }
    }

    /// The instant at which `tick` begins.
    pub(crate) fn tick_instant(&self, tick: u64) -> Option<Instant> {
        self.base.checked_add(Duration::from_millis(tick))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn deadline_rounds_up_now_rounds_down() {
        let clock = Clock::new(true);
        let d = clock.now() + Duration::from_micros(1500);
        assert_eq!(clock.deadline_tick(d), 2);
        clock.advance(Duration::from_micros(1999));
        assert_eq!(clock.now_tick(), 1);
        clock.advance(Duration::from_micros(1));
        assert_eq!(clock.now_tick(), 2);
        assert!(clock.now() >= d);
    }

    #[test]
    fn pause_and_resume_never_move_the_clock_back() {
        let clock = Clock::new(false);
        std::thread::sleep(Duration::from_millis(2));
        let real_before = Instant::now();
        let before = clock.now();
        clock.pause();
        let gap = real_before.elapsed();
        let frozen = clock.now();
        assert!(frozen >= before, "pausing never moves the clock back");
        assert!(
            frozen <= before + gap + Duration::from_millis(1),
            "at most one tick of rounding"
        );
        assert!(frozen >= clock.tick_instant(0).unwrap() + Duration::from_millis(2));
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(clock.now(), frozen, "paused time stands still");
        clock.advance(Duration::from_secs(10));
        assert_eq!(clock.now(), frozen + Duration::from_secs(10));
        clock.resume();
        assert!(!clock.is_paused());
        let resumed = clock.now();
        assert!(
            resumed >= frozen + Duration::from_secs(10),
            "no step back on resume"
        );
        assert!(
            resumed < frozen + Duration::from_secs(11),
            "time runs on from the virtual time, not the real one"
        );
        std::thread::sleep(Duration::from_millis(2));
        assert!(
            clock.now() >= resumed + Duration::from_millis(2),
            "real time runs again"
        );
        // A second pause freezes at the lagging time.
        clock.pause();
        assert!(clock.now() >= resumed);
        clock.pause(); // idempotent
        clock.resume();
        clock.resume(); // idempotent
    }

    #[test]
    fn ticks_round_at_the_second_boundary() {
        let clock = Clock::new(true);
        let base = clock.tick_instant(0).unwrap();
        let at = |ns: u64| base + Duration::from_nanos(ns);
        assert_eq!(clock.deadline_tick(at(0)), 0);
        assert_eq!(clock.deadline_tick(at(1)), 1);
        assert_eq!(clock.deadline_tick(at(999_999_999)), 1_000);
        assert_eq!(clock.deadline_tick(at(1_000_000_000)), 1_000);
        assert_eq!(clock.deadline_tick(at(1_000_000_001)), 1_001);
        assert_eq!(clock.deadline_tick(at(7_250_000_000)), 7_250);
        clock.advance(Duration::from_nanos(2_999_999_999));
        assert_eq!(clock.now_tick(), 2_999);
        clock.advance(Duration::from_nanos(1));
        assert_eq!(clock.now_tick(), 3_000);
        // Too far to represent.
        assert_eq!(
            clock.deadline_tick(base + Duration::from_secs(u64::MAX / 999)),
            NEVER
        );
    }

    #[test]
    fn huge_advance_saturates() {
        let clock = Clock::new(true);
        clock.advance(Duration::MAX);
        clock.advance(Duration::MAX);
        assert!(clock.now_tick() > 1 << 40);
        assert!(clock.now() > clock.tick_instant(0).unwrap());
    }
}

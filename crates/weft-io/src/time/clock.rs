//! The driver's clock: real time, or virtual time that moves only when told to.
//!
//! Timers count in ticks of one millisecond since the clock's `base`. A deadline becomes the tick
//! that rounds it **up** and the clock's "now" the tick that rounds it **down**, so a timer whose
//! tick has been reached is always past its deadline: timers never fire early.

use std::time::{Duration, Instant};

use weft_core::loom::sync::atomic::{AtomicU64, Ordering};

/// The tick that means "never" (deadlines too far to represent).
pub(crate) const NEVER: u64 = u64::MAX;

const NANOS_PER_TICK: u128 = 1_000_000;

/// Real or paused (virtual) time.
#[derive(Debug)]
pub(crate) struct Clock {
    base: Instant,
    paused: bool,
    /// Paused mode: nanoseconds of virtual time since `base`.
    virtual_nanos: AtomicU64,
}

impl Clock {
    /// A clock starting now, paused (virtual) or real.
    pub(crate) fn new(paused: bool) -> Self {
        Clock {
            base: Instant::now(),
            paused,
            virtual_nanos: AtomicU64::new(0),
        }
    }

    /// Whether this clock is virtual.
    pub(crate) fn is_paused(&self) -> bool {
        self.paused
    }

    /// The current instant: the real one, or the virtual one when paused.
    pub(crate) fn now(&self) -> Instant {
        if self.paused {
            self.base + Duration::from_nanos(self.virtual_nanos.load(Ordering::Acquire))
        } else {
            Instant::now()
        }
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
        let nanos = self.now().saturating_duration_since(self.base).as_nanos();
        u64::try_from(nanos / NANOS_PER_TICK).unwrap_or(NEVER - 1)
    }

    /// The tick of a deadline, rounded up; [`NEVER`] if it cannot be represented.
    pub(crate) fn deadline_tick(&self, deadline: Instant) -> u64 {
        let nanos = deadline.saturating_duration_since(self.base).as_nanos();
        u64::try_from(nanos.div_ceil(NANOS_PER_TICK))
            .ok()
            .filter(|&t| t < NEVER)
            .unwrap_or(NEVER)
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
    fn huge_advance_saturates() {
        let clock = Clock::new(true);
        clock.advance(Duration::MAX);
        clock.advance(Duration::MAX);
        assert!(clock.now_tick() > 1 << 40);
        assert!(clock.now() > clock.tick_instant(0).unwrap());
    }
}

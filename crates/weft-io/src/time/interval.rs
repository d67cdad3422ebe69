//! `Interval`: ticks at a fixed period.

use std::future::poll_fn;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use std::future::Future;

use super::{Instant, Sleep};
use crate::driver::Handle;

/// What an [`Interval`] does when ticks were missed (the task was busy past one or more periods).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use weft_io::time::{interval, MissedTickBehavior};
/// # let driver = std::sync::Arc::new(weft_io::Driver::new(weft_io::DriverConfig::default().start_paused(true))?);
/// # let _guard = driver.handle().enter();
/// # let run = |f| weft_io::__private::block_on_driver(&driver, f);
/// run(async {
///     let mut ticks = interval(Duration::from_millis(10));
///     ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
///     ticks.tick().await; // the first tick is immediate
/// });
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Fire the missed ticks at once, one after another, until caught up; then keep the original
    /// schedule (the default).
    #[default]
    Burst,
    /// Fire once now, then continue one period after *now*: the schedule shifts.
    Delay,
    /// Fire once now, then continue on the original schedule, skipping the missed ticks.
    Skip,
}

impl MissedTickBehavior {
    /// The deadline after a tick that was due at `due` and is taken at `now`.
    fn next(self, due: Instant, now: Instant, period: Duration) -> Instant {
        match self {
            MissedTickBehavior::Burst => due.saturating_add(period),
            MissedTickBehavior::Delay => now.saturating_add(period),
            MissedTickBehavior::Skip => {
                let behind = now.duration_since(due).as_nanos();
                let period_nanos = period.as_nanos();
                let into_period = Duration::from_nanos((behind % period_nanos) as u64);
                now.saturating_add(period - into_period)
            }
        }
    }
}

/// Creates an interval that ticks every `period`, the first tick immediately.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use weft_io::time::{interval, Instant};
/// # let driver = std::sync::Arc::new(weft_io::Driver::new(weft_io::DriverConfig::default().start_paused(true))?);
/// # let _guard = driver.handle().enter();
/// # let run = |f| weft_io::__private::block_on_driver(&driver, f);
/// run(async {
///     let start = Instant::now();
///     let mut every = interval(Duration::from_secs(1));
///     for _ in 0..3 {
///         every.tick().await;
///     }
///     assert_eq!(start.elapsed(), Duration::from_secs(2)); // ticks at 0 s, 1 s, 2 s
/// });
/// # std::io::Result::Ok(())
/// ```
///
/// # Panics
/// If `period` is zero, or outside a weft runtime (see [`Handle::current`]).
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    let handle = Handle::current();
    let start = handle.now();
    interval_with(handle, start, period)
}

/// Creates an interval whose first tick is at `start`, then every `period`.
///
/// # Panics
/// If `period` is zero, or outside a weft runtime (see [`Handle::current`]).
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    interval_with(Handle::current(), start, period)
}

#[track_caller]
fn interval_with(handle: Handle, start: Instant, period: Duration) -> Interval {
    assert!(
        !period.is_zero(),
        "`interval` needs a non-zero period: pass a period of at least one millisecond"
    );
    Interval {
        delay: Box::pin(Sleep::new(handle, start, None)),
        period,
        missed_tick_behavior: MissedTickBehavior::default(),
    }
}

/// Ticks at a fixed period; see [`interval`].
#[derive(Debug)]
pub struct Interval {
    /// Boxed so that `Interval` stays `Unpin` (one allocation per interval, none per tick).
    delay: Pin<Box<Sleep>>,
    period: Duration,
    missed_tick_behavior: MissedTickBehavior,
}

impl Interval {
    /// Waits for the next tick and returns the instant it was scheduled for.
    ///
    /// # Cancel safety
    /// Cancel safe: a tick is consumed only when this returns.
    #[track_caller]
    pub fn tick(&mut self) -> impl Future<Output = Instant> + '_ {
        weft_core::task::wait_on(
            weft_core::task::Resource::Sleep,
            poll_fn(|cx| self.poll_tick(cx)),
        )
    }

    /// Polls for the next tick.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        ready!(self.delay.as_mut().poll(cx));
        let due = self.delay.deadline();
        let now = self.delay_now();
        // A tick taken within a millisecond of its time is on schedule, whatever the behaviour.
        let next = if now > due.saturating_add(Duration::from_millis(1)) {
            self.missed_tick_behavior.next(due, now, self.period)
        } else {
            due.saturating_add(self.period)
        };
        self.delay.as_mut().reset(next);
        Poll::Ready(due)
    }

    fn delay_now(&self) -> Instant {
        self.delay_handle().now()
    }

    fn delay_handle(&self) -> &Handle {
        self.delay.handle()
    }

    /// Makes the next tick due one period from now.
    pub fn reset(&mut self) {
        let next = self.delay_now().saturating_add(self.period);
        self.delay.as_mut().reset(next);
    }

    /// Makes the next tick due now.
    pub fn reset_immediately(&mut self) {
        let now = self.delay_now();
        self.delay.as_mut().reset(now);
    }

    /// Makes the next tick due `after` from now.
    pub fn reset_after(&mut self, after: Duration) {
        let next = self.delay_now().saturating_add(after);
        self.delay.as_mut().reset(next);
    }

    /// Makes the next tick due at `deadline`.
    pub fn reset_at(&mut self, deadline: Instant) {
        self.delay.as_mut().reset(deadline);
    }

    /// The behaviour for missed ticks.
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed_tick_behavior
    }

    /// Sets the behaviour for missed ticks.
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed_tick_behavior = behavior;
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }
}

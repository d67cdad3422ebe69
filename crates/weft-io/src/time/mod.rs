//! Timers: [`sleep`], [`timeout`], [`interval`] and [`Instant`], on a hierarchical timing wheel,
//! with virtual (paused) time for tests.
//!
//! Each driver has one wheel (6 levels of 64 slots, 1 ms ticks; see `wheel.rs`). A timer's entry
//! lives inside its [`Sleep`] (so a `Sleep` is `!Unpin`); it goes into the wheel on the first poll
//! that has to wait, is inserted and removed in O(1) without allocating, never fires before its
//! deadline and at most about a millisecond (plus scheduling) after it. Durations too large to
//! represent mean "never" and do not overflow.
//!
//! With paused time ([`DriverConfig::start_paused`](crate::DriverConfig::start_paused)) the
//! clock moves only by [`advance`] or, when every task of a current-thread runtime is idle, by
//! jumping straight to the next timer.
//!
//! Timers consume the cooperative budget like I/O does.

mod clock;
pub(crate) mod entry;
mod instant;
mod interval;
mod sleep;
mod stream_ext;
mod timeout;
mod wheel;

use std::future::poll_fn;
use std::task::Poll;
use std::time::Duration;

pub use instant::Instant;
pub use interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use sleep::{sleep, sleep_until, Sleep};
pub use stream_ext::{StreamTimeExt, StreamTimeout, Throttle};
pub use timeout::{timeout, timeout_at, Elapsed, Timeout};

use crate::driver::Handle;

/// Moves paused time forward by `duration`, fires the timers that became due, and yields once so
/// their tasks run.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use weft_io::time::{advance, Instant};
/// # let driver = std::sync::Arc::new(weft_io::Driver::new(weft_io::DriverConfig::default().start_paused(true))?);
/// # let _guard = driver.handle().enter();
/// # let run = |f| weft_io::__private::block_on_driver(&driver, f);
/// run(async {
///     let start = Instant::now();
///     advance(Duration::from_secs(90)).await;
///     assert_eq!(start.elapsed(), Duration::from_secs(90));
/// });
/// # std::io::Result::Ok(())
/// ```
///
/// # Panics
/// Outside a weft runtime, or if the runtime's time is not paused.
///
/// # Cancel safety
/// The clock moves and due timers fire on the first poll; dropping the future after that only
/// skips the final yield.
pub async fn advance(duration: Duration) {
    let handle = Handle::current();
    assert!(
        handle.is_paused(),
        "`time::advance` needs paused time: call `time::pause()` first, or build the runtime with \
         `start_paused(true)` (or use `#[weft::test(start_paused = true)]`)"
    );
    let timers = &handle.inner.timers;
    timers.clock.advance(duration);
    let mut wake = Vec::new();
    timers.process(timers.clock.now_tick(), &mut wake);
    let mut yielded = false;
    poll_fn(|cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await;
}

/// Pauses time: from now on it moves only by [`advance`], or, when every task of the runtime is
/// idle, by jumping straight to the next timer's deadline (as with
/// [`DriverConfig::start_paused`](crate::DriverConfig::start_paused)). Does nothing if time is
/// already paused.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use weft_io::time::{pause, resume, sleep, Instant};
/// # let driver = std::sync::Arc::new(weft_io::Driver::new(weft_io::DriverConfig::default())?);
/// # let _guard = driver.handle().enter();
/// # let run = |f| weft_io::__private::block_on_driver(&driver, f);
/// run(async {
///     pause();
///     let start = Instant::now();
///     sleep(Duration::from_secs(3600)).await; // idle: time jumps an hour at once
///     assert_eq!(start.elapsed(), Duration::from_secs(3600));
///     resume(); // real time runs on from here
/// });
/// # std::io::Result::Ok(())
/// ```
///
/// # Panics
/// Outside a weft runtime, or on a multi-thread runtime (whose workers cannot all be seen idle
/// at once, so virtual time would jump under running tasks): use a current-thread runtime.
#[track_caller]
pub fn pause() {
    let handle = Handle::current();
    if let Ok(rt) = weft_runtime::Handle::try_current() {
        assert!(
            rt.runtime_flavor() == weft_runtime::RuntimeFlavor::CurrentThread,
            "`time::pause` needs a current-thread runtime: build it with \
             Builder::new_current_thread() (or use #[weft::test], whose default flavor is \
             current_thread)"
        );
    }
    handle.inner.timers.clock.pause();
}

/// Lets paused time run again, from where it is (it does not catch up with the real time).
/// Does nothing if time is not paused.
///
/// # Examples
///
/// See [`pause`].
///
/// # Panics
/// Outside a weft runtime.
#[track_caller]
pub fn resume() {
    Handle::current().inner.timers.clock.resume();
}

impl Handle {
    /// The current instant on this driver's clock (virtual when paused).
    pub fn now(&self) -> Instant {
        Instant::from_std(self.inner.timers.clock.now())
    }

    /// A [`Sleep`] until `deadline` on this driver's timers, like [`sleep_until`] but without
    /// looking up the current runtime (for adapters that keep a handle, such as a timer given to
    /// a library, and may be called often or from outside a runtime).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// # let driver = std::sync::Arc::new(weft_io::Driver::new(weft_io::DriverConfig::default())?);
    /// let handle = driver.handle();
    /// # weft_io::__private::block_on_driver(&driver, async move {
    /// let deadline = handle.now() + Duration::from_millis(5);
    /// handle.sleep_until(deadline).await;
    /// assert!(handle.now() >= deadline);
    /// # });
    /// # std::io::Result::Ok(())
    /// ```
    ///
    /// # Cancel safety
    /// Cancel safe: dropping the `Sleep` removes its timer.
    #[track_caller]
    pub fn sleep_until(&self, deadline: Instant) -> Sleep {
        Sleep::new(self.clone(), deadline, Some(std::panic::Location::caller()))
    }
}

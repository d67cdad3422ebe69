//! `Sleep`: a future that completes at a deadline.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use weft_core::task::{Resource, WaitSite};

use weft_core::coop;
use weft_core::loom::sync::Arc;

use super::clock::NEVER;
use super::entry::{Inserted, TimerEntry};
use super::Instant;
use crate::driver::Handle;

/// Waits until `duration` has elapsed.
///
/// Equivalent to `sleep_until(Instant::now() + duration)`; a duration too large to represent
/// (`Duration::MAX`) means "never" and does not overflow. The timer has a resolution of one
/// millisecond and never completes early.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// # let driver = std::sync::Arc::new(weft_io::Driver::new(weft_io::DriverConfig::default().start_paused(true))?);
/// # let _guard = driver.handle().enter();
/// # let run = |f| weft_io::__private::block_on_driver(&driver, f);
/// run(async {
///     weft_io::time::sleep(Duration::from_secs(3600)).await; // instant in paused time
/// });
/// # std::io::Result::Ok(())
/// ```
///
/// # Panics
/// Outside a weft runtime (see [`Handle::current`]).
///
/// # Cancel safety
/// Cancel safe: dropping the `Sleep` removes its timer.
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    let handle = Handle::current();
    let deadline = handle.now().saturating_add(duration);
    Sleep::after(handle, deadline, duration, Some(Location::caller()))
}

/// Waits until `deadline`.
///
/// # Panics
/// Outside a weft runtime (see [`Handle::current`]).
///
/// # Cancel safety
/// Cancel safe: dropping the `Sleep` removes its timer.
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(Handle::current(), deadline, Some(Location::caller()))
}

/// The future returned by [`sleep`] and [`sleep_until`].
///
/// A `Sleep` takes no memory in the timer wheel until it is first polled before its deadline;
/// dropping it removes its entry. [`reset`](Sleep::reset) moves it to a new deadline cheaply
/// (without a lock when the new deadline is later, as for a connection's idle timeout).
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Sleep {
    deadline: Instant,
    /// `deadline` as a wheel tick (rounded up), or `NEVER`.
    tick: u64,
    handle: Handle,
    /// Allocated on the first poll that must wait.
    entry: Option<Arc<TimerEntry>>,
    /// The line that called `sleep`, recorded in the task while it waits (for task dumps);
    /// `None` inside `timeout` and `Interval`, whose own callers' futures say more.
    at: Option<WaitSite>,
    /// Whether the first poll reads the clock to complete at once when the deadline has already
    /// passed. `false` for a sleep of a positive duration from now ([`sleep`], [`timeout`]): its
    /// deadline was in the future when it was made, so the first poll goes straight to the wheel,
    /// which completes it if its tick is already processed and otherwise fires it at the next
    /// timer turn, as for any timer (never early: the tick rounds the deadline up).
    ///
    /// [`timeout`]: crate::time::timeout
    check_clock: bool,
}

impl Sleep {
    pub(crate) fn new(
        handle: Handle,
        deadline: Instant,
        at: Option<&'static Location<'static>>,
    ) -> Sleep {
        let tick = handle.inner.timers.clock.deadline_tick(deadline.into_std());
        Sleep {
            deadline,
            tick,
            handle,
            entry: None,
            at: at.map(|at| WaitSite::new(Resource::Sleep, at)),
            check_clock: true,
        }
    }

    /// A sleep until `deadline`, made `duration` after the clock's reading `deadline` was
    /// computed from (`deadline = now + duration`): a positive duration means the deadline is
    /// still ahead, so the first poll need not read the clock again.
    pub(crate) fn after(
        handle: Handle,
        deadline: Instant,
        duration: Duration,
        at: Option<&'static Location<'static>>,
    ) -> Sleep {
        let mut sleep = Sleep::new(handle, deadline, at);
        sleep.check_clock = duration.is_zero();
        sleep
    }

    pub(crate) fn handle(&self) -> &Handle {
        &self.handle
    }

    /// The instant at which the sleep completes.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has been reached.
    pub fn is_elapsed(&self) -> bool {
        match &self.entry {
            Some(entry) => entry.is_fired(),
            None => self.handle.now() >= self.deadline,
        }
    }

    /// Moves the sleep to a new deadline (also after it completed: it then waits again).
    pub fn reset(&mut self, deadline: Instant) {
        self.deadline = deadline;
        self.check_clock = true;
        self.tick = self
            .handle
            .inner
            .timers
            .clock
            .deadline_tick(deadline.into_std());
        if let Some(entry) = &self.entry {
            if self.tick == NEVER {
                self.handle.inner.timers.remove(entry);
                self.entry = None;
            } else if let Inserted::Armed { unpark: true } =
                self.handle.inner.timers.reset(entry, self.tick)
            {
                self.handle.inner.unpark();
            }
        }
    }

    #[track_caller]
    fn check_runtime(&self) {
        if self.handle.inner.is_shut_down() {
            panic!(
                "a weft timer was polled after the runtime that created it shut down: timers \
                 belong to the runtime they were created in and cannot outlive it"
            );
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let out = self.as_mut().poll_sleep(cx);
        if let (Poll::Pending, Some(at)) = (&out, self.at) {
            at.record();
        }
        out
    }
}

impl Sleep {
    fn poll_sleep(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        this.check_runtime();
        let coop = ready!(coop::poll_proceed(cx));
        let timers = &this.handle.inner.timers;
        let entry = match &this.entry {
            Some(entry) => entry,
            None => {
                if this.check_clock && timers.clock.now() >= this.deadline.into_std() {
                    coop.made_progress();
                    return Poll::Ready(());
                }
                if this.tick == NEVER {
                    return Poll::Pending;
                }
                let entry = Arc::new(TimerEntry::new(this.tick));
                entry.waker.register(cx.waker());
                let inserted = timers.insert(&entry, this.tick);
                this.entry = Some(entry);
                match inserted {
                    Inserted::Armed { unpark } => {
                        if unpark {
                            this.handle.inner.unpark();
                        }
                        return Poll::Pending;
                    }
                    Inserted::Due => {
                        coop.made_progress();
                        return Poll::Ready(());
                    }
                }
            }
        };
        if !entry.is_fired() {
            entry.waker.register(cx.waker());
            if !entry.is_fired() {
                return Poll::Pending;
            }
        }
        coop.made_progress();
        Poll::Ready(())
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(entry) = &self.entry {
            self.handle.inner.timers.remove(entry);
        }
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("registered", &self.entry.is_some())
            .finish_non_exhaustive()
    }
}

//! `Sleep`: a future that completes at a deadline.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use weft_core::task::{Resource, WaitSite};

use std::marker::PhantomPinned;

use weft_core::coop;

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
/// A `Sleep` carries its own timer entry, so arming it allocates nothing; the entry goes into the
/// timer wheel on the first poll before the deadline, and dropping the `Sleep` takes it out.
/// [`reset`](Sleep::reset) moves it to a new deadline cheaply (without a lock when the new
/// deadline is later, as for a connection's idle timeout).
///
/// `Sleep` is `!Unpin` (the wheel points at the entry inside it): `.await` it directly, or pin it
/// to poll it by hand or keep it across loop turns, with [`std::pin::pin!`] or [`Box::pin`].
///
/// # Examples
///
/// ```
/// use std::pin::pin;
/// use std::time::Duration;
/// use weft_io::time::{sleep, Instant};
/// # let driver = std::sync::Arc::new(weft_io::Driver::new(weft_io::DriverConfig::default().start_paused(true))?);
/// # let _guard = driver.handle().enter();
/// # let run = |f| weft_io::__private::block_on_driver(&driver, f);
/// run(async {
///     let mut idle = pin!(sleep(Duration::from_secs(30)));
///     // Activity: push the deadline back (no lock: the new deadline is later).
///     idle.as_mut().reset(Instant::now() + Duration::from_secs(60));
///     idle.as_mut().await;
///     assert!(idle.is_elapsed());
/// });
/// # std::io::Result::Ok(())
/// ```
///
/// # Invariants
/// `entry` is structurally pinned: it never moves once the `Sleep` is pinned. While `armed` and
/// the entry is not done (`TimerEntry::is_done`), the wheel of `handle` may point at it, so
/// `Drop` (and a reset to "never") takes it out under the queue's lock first.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Sleep {
    deadline: Instant,
    /// `deadline` as a wheel tick (rounded up), or `NEVER`.
    tick: u64,
    handle: Handle,
    /// The timer entry; in the wheel from the first poll that must wait.
    entry: TimerEntry,
    /// Whether `entry` was given to the queue (and not taken back since): the wheel may point at
    /// it until it is done.
    armed: bool,
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
    _pinned: PhantomPinned,
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
            entry: TimerEntry::new(tick),
            armed: false,
            at: at.map(|at| WaitSite::new(Resource::Sleep, at)),
            check_clock: true,
            _pinned: PhantomPinned,
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
        if self.armed {
            self.entry.is_fired()
        } else {
            self.handle.now() >= self.deadline
        }
    }

    /// Moves the sleep to a new deadline (also after it completed: it then waits again).
    ///
    /// # Examples
    ///
    /// See [`Sleep`].
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        // SAFETY: `entry` is structurally pinned (type invariant): it is only used in place here.
        let this = unsafe { self.get_unchecked_mut() };
        this.deadline = deadline;
        this.check_clock = true;
        let timers = &this.handle.inner.timers;
        this.tick = timers.clock.deadline_tick(deadline.into_std());
        if !this.armed {
            return; // the next poll arms it
        }
        if this.tick == NEVER {
            timers.remove(&this.entry);
            this.armed = false;
            return;
        }
        // SAFETY: the entry is pinned inside this `Sleep` and `Drop` removes it unless it is done
        // (type invariant), as `insert` asks.
        let inserted = unsafe { timers.reset(&this.entry, this.tick) };
        if let Inserted::Armed { unpark: true } = inserted {
            this.handle.inner.unpark();
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
    fn poll_sleep(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: `entry` is structurally pinned (type invariant): it is only used in place here.
        let this = unsafe { self.get_unchecked_mut() };
        this.check_runtime();
        let coop = ready!(coop::poll_proceed(cx));
        let entry = &this.entry;
        if !this.armed {
            let timers = &this.handle.inner.timers;
            if this.check_clock && timers.clock.now() >= this.deadline.into_std() {
                coop.made_progress();
                return Poll::Ready(());
            }
            if this.tick == NEVER {
                return Poll::Pending;
            }
            entry.waker.register(cx.waker());
            // SAFETY: the entry is pinned inside this `Sleep` and `Drop` removes it unless it is
            // done (type invariant), as `insert` asks.
            let inserted = unsafe { timers.insert(entry, this.tick) };
            this.armed = true;
            return match inserted {
                Inserted::Armed { unpark } => {
                    if unpark {
                        this.handle.inner.unpark();
                    }
                    Poll::Pending
                }
                Inserted::Due => {
                    coop.made_progress();
                    Poll::Ready(())
                }
            };
        }
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
        if self.armed && !self.entry.is_done() {
            self.handle.inner.timers.remove(&self.entry);
        }
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("registered", &self.armed)
            .finish_non_exhaustive()
    }
}

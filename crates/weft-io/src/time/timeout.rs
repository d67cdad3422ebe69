//! `timeout`: run a future with a deadline.

use std::error::Error;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use weft_core::coop;
use weft_core::task::{Resource, WaitSite};

use super::{Instant, Sleep};
use crate::driver::Handle;

/// The error of a [`timeout`] whose deadline passed first.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// # let driver = std::sync::Arc::new(weft_io::Driver::new(weft_io::DriverConfig::default().start_paused(true))?);
/// # let _guard = driver.handle().enter();
/// # let run = |f| weft_io::__private::block_on_driver(&driver, f);
/// let result = run(async {
///     weft_io::time::timeout(Duration::from_secs(1), std::future::pending::<()>()).await
/// });
/// let err = result.unwrap_err();
/// assert_eq!(err.to_string(), "deadline has elapsed");
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed(pub(crate) ());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl Error for Elapsed {}

impl From<Elapsed> for io::Error {
    fn from(_: Elapsed) -> io::Error {
        io::ErrorKind::TimedOut.into()
    }
}

/// Runs `future` for at most `duration`: its output, or [`Elapsed`] if the time ran out first
/// (the future is then dropped).
///
/// The future is polled before the timer, so a future that is ready at the deadline wins. A
/// `duration` too large to represent means no limit.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use weft_io::time::{sleep, timeout};
/// # let driver = std::sync::Arc::new(weft_io::Driver::new(weft_io::DriverConfig::default().start_paused(true))?);
/// # let _guard = driver.handle().enter();
/// # let run = |f| weft_io::__private::block_on_driver(&driver, f);
/// run(async {
///     let fast = timeout(Duration::from_secs(5), async { 7 }).await;
///     assert_eq!(fast, Ok(7));
///     let slow = timeout(Duration::from_secs(1), sleep(Duration::from_secs(10))).await;
///     assert!(slow.is_err());
/// });
/// # std::io::Result::Ok(())
/// ```
///
/// # Errors
/// [`Elapsed`] if the deadline passed before the future completed.
///
/// # Panics
/// Outside a weft runtime (see [`Handle::current`]).
///
/// # Cancel safety
/// As cancel safe as `future`.
#[track_caller]
pub fn timeout<F: IntoFuture>(duration: Duration, future: F) -> Timeout<F::IntoFuture> {
    let handle = Handle::current();
    let deadline = handle.now().saturating_add(duration);
    Timeout {
        future: future.into_future(),
        delay: Sleep::after(handle, deadline, duration, None),
        site: WaitSite::caller(Resource::Sleep),
    }
}

/// Runs `future` until `deadline` (see [`timeout`]).
///
/// # Errors
/// [`Elapsed`] if the deadline passed before the future completed.
///
/// # Panics
/// Outside a weft runtime (see [`Handle::current`]).
///
/// # Cancel safety
/// As cancel safe as `future`.
#[track_caller]
pub fn timeout_at<F: IntoFuture>(deadline: Instant, future: F) -> Timeout<F::IntoFuture> {
    Timeout {
        future: future.into_future(),
        delay: Sleep::new(Handle::current(), deadline, None),
        site: WaitSite::caller(Resource::Sleep),
    }
}

/// The future returned by [`timeout`] and [`timeout_at`].
///
/// # Invariants
/// `future` and `delay` are structurally pinned: neither is moved out of a pinned `Timeout`
/// (`into_inner` takes an unpinned one).
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Timeout<F> {
    future: F,
    delay: Sleep,
    /// The line that called `timeout`, recorded as a sleep there when the future waits on
    /// nothing weft knows (a dump then shows the deadline); a weft resource it waits on is shown
    /// instead.
    site: WaitSite,
}

impl<F> Timeout<F> {
    /// The wrapped future.
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// The wrapped future, mutably.
    pub fn get_mut(&mut self) -> &mut F {
        &mut self.future
    }

    /// The wrapped future, dropping the timer.
    pub fn into_inner(self) -> F {
        self.future
    }

    /// The deadline.
    pub fn deadline(&self) -> Instant {
        self.delay.deadline()
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `future` and `delay` are structurally pinned (see `# Invariants`): both are
        // only handed out pinned and never moved.
        let (future, mut delay, site) = unsafe {
            let this = self.get_unchecked_mut();
            (
                Pin::new_unchecked(&mut this.future),
                Pin::new_unchecked(&mut this.delay),
                this.site,
            )
        };
        let had_budget = coop::has_budget_remaining();
        if let Poll::Ready(output) = future.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        // If the inner future spent the last unit of budget, still check the deadline: otherwise a
        // future that always exhausts the budget could never time out.
        let expired = if had_budget && !coop::has_budget_remaining() {
            coop::unconstrained(|| delay.as_mut().poll(cx))
        } else {
            delay.as_mut().poll(cx)
        };
        match expired {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed(()))),
            Poll::Pending => {
                site.record_unless_recorded();
                Poll::Pending
            }
        }
    }
}

impl<F: fmt::Debug> fmt::Debug for Timeout<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("future", &self.future)
            .field("delay", &self.delay)
            .finish()
    }
}

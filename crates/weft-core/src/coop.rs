//! The cooperative budget: how a task that is always ready is made to yield.
//!
//! A runtime gives each task a budget of [`INITIAL_BUDGET`] units around every poll (through
//! [`with_budget`]). Resources (socket reads, timer checks, channel receives, lock acquisitions)
//! call [`poll_proceed`] before doing ready work: each call spends one unit, and when the budget is
//! spent it returns `Poll::Pending` after waking the task, so the task goes to the back of the run
//! queue and other tasks get their turn. A resource that took a unit but then found nothing to do
//! hands it back by dropping the returned [`Proceed`] without calling [`Proceed::made_progress`].
//!
//! The budget lives in a thread-local here, in weft-core, so that weft-sync and weft-io can consume
//! it without depending on weft-runtime. On a thread where no runtime set a budget (a foreign
//! executor, `futures::executor::block_on`), the budget is unconstrained and `poll_proceed` is always
//! ready: weft's channels work everywhere.
//!
//! # Examples
//!
//! ```
//! use std::task::Poll;
//! use weft_core::coop;
//!
//! let waker = futures_util::task::noop_waker();
//! let mut cx = std::task::Context::from_waker(&waker);
//! coop::with_budget(coop::Budget::new(2), || {
//!     for _ in 0..2 {
//!         match coop::poll_proceed(&mut cx) {
//!             Poll::Ready(proceed) => proceed.made_progress(),
//!             Poll::Pending => unreachable!(),
//!         }
//!     }
//!     // The third unit is not there: the task must yield.
//!     assert!(coop::poll_proceed(&mut cx).is_pending());
//! });
//! ```

use std::cell::Cell;
use std::task::{Context, Poll};

/// The units a runtime grants a task for one poll: enough ready operations that the cost of a
/// forced yield (a trip through the run queue) is small beside them, few enough that one busy task
/// holds its worker for only a short while before the tasks queued behind it run. The same number
/// as tokio's, so code ported from tokio yields as often.
pub const INITIAL_BUDGET: u8 = 128;

/// A budget: a number of units, or unconstrained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget(Option<u8>);

impl Budget {
    /// A budget of `units`.
    pub const fn new(units: u8) -> Self {
        Budget(Some(units))
    }

    /// The budget a runtime gives each poll: [`INITIAL_BUDGET`] units.
    pub const fn initial() -> Self {
        Budget(Some(INITIAL_BUDGET))
    }

    /// No limit: `poll_proceed` is always ready.
    pub const fn unconstrained() -> Self {
        Budget(None)
    }

    /// The units left, or `None` if unconstrained.
    pub const fn remaining(self) -> Option<u8> {
        self.0
    }
}

thread_local! {
    static CURRENT: Cell<Budget> = const { Cell::new(Budget::unconstrained()) };
}

/// Runs `f` with `budget` as the current thread's budget, restoring the previous one afterwards
/// (also if `f` panics). Runtimes call this around each task poll.
#[inline]
pub fn with_budget<R>(budget: Budget, f: impl FnOnce() -> R) -> R {
    struct Restore(Budget);
    impl Drop for Restore {
        #[inline]
        fn drop(&mut self) {
            let _ = CURRENT.try_with(|c| c.set(self.0));
        }
    }
    let previous = CURRENT.with(|c| c.replace(budget));
    let _restore = Restore(previous);
    f()
}

/// Runs `f` with no budget limit (for work that must not be interrupted).
#[inline]
pub fn unconstrained<R>(f: impl FnOnce() -> R) -> R {
    with_budget(Budget::unconstrained(), f)
}

/// The current thread's remaining budget.
#[inline]
pub fn current() -> Budget {
    CURRENT
        .try_with(Cell::get)
        .unwrap_or(Budget::unconstrained())
}

/// Whether the current task may do more ready work without yielding.
#[inline]
pub fn has_budget_remaining() -> bool {
    current().0 != Some(0)
}

/// Spends one unit of the current budget.
///
/// Returns `Poll::Ready(Proceed)` when a unit was available. Call [`Proceed::made_progress`] once
/// the resource actually did something; dropping the `Proceed` without it gives the unit back.
/// Returns `Poll::Pending` (after `cx.waker().wake_by_ref()`) when the budget is spent: the caller
/// returns `Pending` and the runtime polls the task again after others have run.
#[inline]
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<Proceed> {
    let taken = CURRENT.try_with(|c| {
        let b = c.get();
        match b.0 {
            None => Some(b),
            Some(0) => None,
            Some(n) => {
                c.set(Budget(Some(n - 1)));
                Some(b)
            }
        }
    });
    match taken {
        Ok(Some(before)) => Poll::Ready(Proceed {
            restore: before,
            progressed: false,
        }),
        Ok(None) => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        // Thread-local already destroyed (thread exiting): do not limit.
        Err(_) => Poll::Ready(Proceed {
            restore: Budget::unconstrained(),
            progressed: true,
        }),
    }
}

/// One unit of budget, taken by [`poll_proceed`].
///
/// Dropped without [`made_progress`](Proceed::made_progress), it hands the unit back.
#[derive(Debug)]
#[must_use = "call made_progress() once the resource did work, or drop to hand the unit back"]
pub struct Proceed {
    restore: Budget,
    progressed: bool,
}

impl Proceed {
    /// Keeps the unit spent: the resource did ready work.
    #[inline]
    pub fn made_progress(mut self) {
        self.progressed = true;
    }
}

impl Drop for Proceed {
    #[inline]
    fn drop(&mut self) {
        if !self.progressed {
            let _ = CURRENT.try_with(|c| c.set(self.restore));
        }
    }
}

/// Spends one unit, returning `Pending` (after waking the task) if none is left. A convenience for
/// resources whose ready path always makes progress.
#[inline]
pub fn poll_consume(cx: &mut Context<'_>) -> Poll<()> {
    poll_proceed(cx).map(Proceed::made_progress)
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::task::noop_waker;

    #[test]
    fn unconstrained_outside_runtime() {
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        for _ in 0..1000 {
            assert!(poll_consume(&mut cx).is_ready());
        }
        assert_eq!(current(), Budget::unconstrained());
    }

    #[test]
    fn budget_runs_out_and_is_restored() {
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        with_budget(Budget::new(3), || {
            for _ in 0..3 {
                assert!(poll_consume(&mut cx).is_ready());
            }
            assert!(!has_budget_remaining());
            assert!(poll_consume(&mut cx).is_pending());
        });
        assert_eq!(current(), Budget::unconstrained());
    }

    #[test]
    fn unused_proceed_hands_unit_back() {
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        with_budget(Budget::new(1), || {
            let Poll::Ready(p) = poll_proceed(&mut cx) else {
                panic!("budget of one must allow one step")
            };
            assert_eq!(current(), Budget::new(0));
            drop(p);
            assert_eq!(current(), Budget::new(1));
        });
    }
}

//! `yield_now`: give other tasks a turn.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields to the scheduler once, so that other tasks can run.
///
/// This is `await asyncio.sleep(0)`. The first poll wakes the task and returns `Pending`; the
/// second poll returns `Ready(())`. A weft runtime sees a task that woke itself during its own poll
/// and puts it at the *back* of the run queue (never in the LIFO slot), so every task that was
/// already waiting runs before this one continues. On other executors the effect is whatever they
/// do with a self-wake (usually the same).
///
/// A loop that never awaits anything that is `Pending` starves the other tasks of its worker;
/// weft's own resources yield through the cooperative budget (see [`crate::coop`]), but a pure
/// computation loop should call `yield_now().await` now and then.
///
/// # Examples
///
/// ```
/// use weft_core::future::yield_now;
///
/// # futures_executor::block_on(async {
/// let mut sum = 0u64;
/// for i in 0..10_000u64 {
///     sum += i;
///     if i % 1_000 == 0 {
///         yield_now().await; // let the rest of the program breathe
///     }
/// }
/// assert_eq!(sum, 49_995_000);
/// # });
/// ```
///
/// # Cancel safety
///
/// Cancel safe: dropping the future loses nothing (the task may see one spurious wake-up).
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

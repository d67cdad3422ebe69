//! `race`: the output of whichever of two futures finishes first.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::select::random_below;

/// Waits for the first of two futures with the same output and returns that output.
///
/// The other future is dropped when the `Race` is dropped (right after `.await` returns). Each
/// poll picks at random which of the two is polled first, so when both are often ready at once
/// neither side wins every time (this is futures-lite's `race`; for more than two futures, or to
/// handle each one differently, use [`select!`](crate::select), which can also be `biased;`).
///
/// Neither future needs to be [`Unpin`]: `race` takes ownership and pins them inside itself.
///
/// # Examples
///
/// ```
/// use weft_core::future::{pending, race};
///
/// # futures_executor::block_on(async {
/// let fast = async { "fast" };
/// let never = pending();
/// assert_eq!(race(never, fast).await, "fast");
/// # });
/// ```
///
/// # Cancel safety
///
/// Dropping the `Race` drops both futures in place. When it completes, the losing future is dropped
/// with it: whatever the loser had started (a partly read message, say) is lost, according to the
/// loser's own cancel safety.
pub fn race<A, B>(a: A, b: B) -> Race<A::IntoFuture, B::IntoFuture>
where
    A: IntoFuture,
    B: IntoFuture<Output = A::Output>,
{
    Race {
        a: a.into_future(),
        b: b.into_future(),
    }
}

/// The future returned by [`race`].
///
/// # Invariants
///
/// `a` and `b` are structurally pinned: once the `Race` is pinned they are never moved (only
/// polled through `Pin<&mut _>` and dropped in place). `Race` has no `Drop` impl and is `Unpin`
/// only when both futures are (the auto trait), which keeps that projection sound.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Race<A, B> {
    a: A,
    b: B,
}

impl<A, B> Race<A, B> {
    fn project(self: Pin<&mut Self>) -> (Pin<&mut A>, Pin<&mut B>) {
        // SAFETY: we never move out of the pinned `Race`; the fields are structurally pinned (see
        // the type's `# Invariants`), so pinning the field references is sound.
        unsafe {
            let this = self.get_unchecked_mut();
            (
                Pin::new_unchecked(&mut this.a),
                Pin::new_unchecked(&mut this.b),
            )
        }
    }
}

impl<A, B> Future for Race<A, B>
where
    A: Future,
    B: Future<Output = A::Output>,
{
    type Output = A::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<A::Output> {
        let (a, b) = self.project();
        if random_below(2) == 0 {
            if let Poll::Ready(out) = a.poll(cx) {
                return Poll::Ready(out);
            }
            b.poll(cx)
        } else {
            if let Poll::Ready(out) = b.poll(cx) {
                return Poll::Ready(out);
            }
            a.poll(cx)
        }
    }
}

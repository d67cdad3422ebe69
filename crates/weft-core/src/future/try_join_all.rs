//! `try_join_all`: all `Ok` values in input order, or the first `Err` at once.
//!
//! weft's own because futures-util's version, for more than 30 futures, collects a
//! `FuturesOrdered`, which hands back results in input order: an `Err` from the second future is
//! not seen until the first one finishes (forever, if it never does). Here every future sits in a
//! `FuturesUnordered` with its index, so the first `Err` to happen is the one returned, at once.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::{Stream, TryFuture};
use futures_util::stream::FuturesUnordered;

/// Waits for every future of `iter` to return `Ok`, or for the first `Err`.
///
/// On success the `Ok` values come back in the order of the input. On the first `Err` (the first
/// to *happen*, whatever its position) the returned future completes with that error at once and
/// drops all the futures that are still running before it returns. Only futures that were woken
/// are polled again, so joining thousands of futures stays cheap.
///
/// # Examples
///
/// ```
/// use weft_core::future::try_join_all;
///
/// # futures_executor::block_on(async {
/// let all_ok = try_join_all((1..=3).map(|n| async move { Ok::<_, String>(n) })).await;
/// assert_eq!(all_ok, Ok(vec![1, 2, 3]));
///
/// let parse = ["1", "x", "3"].map(|s| async move { s.parse::<u32>() });
/// assert!(try_join_all(parse).await.is_err());
/// # });
/// ```
///
/// # Errors
///
/// The first `Err` that any of the futures returns.
///
/// # Cancel safety
///
/// Dropping the `TryJoinAll` drops every future that has not finished and every `Ok` value already
/// gathered.
pub fn try_join_all<I>(iter: I) -> TryJoinAll<I::Item>
where
    I: IntoIterator,
    I::Item: TryFuture,
{
    let pending: FuturesUnordered<Indexed<I::Item>> = iter
        .into_iter()
        .enumerate()
        .map(|(index, future)| Indexed { index, future })
        .collect();
    let mut outputs = Vec::new();
    outputs.resize_with(pending.len(), || None);
    TryJoinAll { pending, outputs }
}

/// The future returned by [`try_join_all`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct TryJoinAll<F: TryFuture> {
    pending: FuturesUnordered<Indexed<F>>,
    /// One slot per input future, filled as they finish.
    outputs: Vec<Option<F::Ok>>,
}

impl<F: TryFuture> fmt::Debug for TryJoinAll<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryJoinAll")
            .field("futures", &self.outputs.len())
            .field("running", &self.pending.len())
            .finish()
    }
}

// `outputs` is never pinned, and `FuturesUnordered` is `Unpin` (it boxes its futures).
impl<F: TryFuture> Unpin for TryJoinAll<F> {}

impl<F: TryFuture> Future for TryJoinAll<F> {
    type Output = Result<Vec<F::Ok>, F::Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        loop {
            match Pin::new(&mut this.pending).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some((index, Ok(value)))) => this.outputs[index] = Some(value),
                Poll::Ready(Some((_, Err(error)))) => {
                    // Short-circuit: the others are dropped now, not when the caller drops us.
                    this.pending.clear();
                    this.outputs.clear();
                    return Poll::Ready(Err(error));
                }
                Poll::Ready(None) => {
                    let outputs = std::mem::take(&mut this.outputs);
                    return Poll::Ready(Ok(outputs
                        .into_iter()
                        .map(|slot| slot.expect("try_join_all: every future finished with `Ok`"))
                        .collect()));
                }
            }
        }
    }
}

/// A future tagged with its position in the input.
///
/// # Invariants
///
/// `future` is structurally pinned: it is only polled through `Pin<&mut F>` and never moved once
/// the `Indexed` is pinned. `Indexed` has no `Drop` impl and is `Unpin` only if `F` is.
struct Indexed<F> {
    index: usize,
    future: F,
}

impl<F: TryFuture> Future for Indexed<F> {
    type Output = (usize, Result<F::Ok, F::Error>);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `future` is structurally pinned (see `# Invariants`); `index` is `Copy` and read
        // without moving anything.
        let (index, future) = unsafe {
            let this = self.get_unchecked_mut();
            (this.index, Pin::new_unchecked(&mut this.future))
        };
        future.try_poll(cx).map(|result| (index, result))
    }
}

//! Runtime-independent future combinators.
//!
//! These work on any executor: nothing here knows about weft's scheduler, threads or reactor.
//!
//! | weft | asyncio | what it does |
//! |---|---|---|
//! | [`yield_now`] | `await asyncio.sleep(0)` | lets other tasks run once |
//! | [`join_all`], [`join!`](crate::join) | `asyncio.gather` | waits for all, outputs in input order |
//! | [`try_join_all`], [`try_join!`](crate::try_join) | `gather` in a `TaskGroup` | stops at the first `Err` |
//! | [`race`], [`select()`] | `asyncio.wait(FIRST_COMPLETED)` | the first of two to finish |
//! | [`select!`](crate::select) | `asyncio.wait(FIRST_COMPLETED)` + dispatch | races many, runs the winner's handler |
//! | [`poll_fn`], [`pending`], [`ready`] | | building blocks |
//!
//! Where `futures-util` already does a job right, weft calls it (its types are re-exported here);
//! `yield_now`, `race`, `try_join_all` (futures-util's does not stop at an `Err` until every
//! earlier future has finished, for more than 30 futures) and `select!` (with tokio's syntax) are
//! weft's own.
//!
//! # Cancel safety
//!
//! A combinator is cancelled by dropping it before it completes. Every combinator here owns the
//! futures it was given, so dropping it drops them all, in place; whatever they had done is kept
//! or lost according to *their* cancel safety. Each item's docs say what is lost.

mod race;
mod select;
mod try_join_all;
mod yield_now;

use std::future::Future;
use std::task::{Context, Poll};

pub use futures_util::future::{Either, JoinAll, Pending, PollFn, Ready, Select};
pub use race::{race, Race};
pub use try_join_all::{try_join_all, TryJoinAll};
pub use yield_now::{yield_now, YieldNow};

pub use crate::{join, select, try_join};

/// Items the exported macros name through `$crate`; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use super::select::random_below;
    pub use core::future::{Future, IntoFuture};
    pub use core::pin::Pin;
    pub use core::task::Poll;
    pub use futures_util;
}

/// Creates a future from a closure that is polled like [`Future::poll`].
///
/// The closure is called each time the future is polled, with the task's [`Context`]; it returns
/// `Poll::Pending` (after arranging for the waker to be called) or `Poll::Ready(output)`.
///
/// # Examples
///
/// ```
/// use std::task::Poll;
/// use weft_core::future::poll_fn;
///
/// # futures_executor::block_on(async {
/// let mut polls = 0;
/// let value = poll_fn(|cx| {
///     polls += 1;
///     if polls < 3 {
///         cx.waker().wake_by_ref();
///         Poll::Pending
///     } else {
///         Poll::Ready("done")
///     }
/// })
/// .await;
/// assert_eq!((value, polls), ("done", 3));
/// # });
/// ```
///
/// # Cancel safety
///
/// Dropping the future drops the closure and what it captured; nothing else is lost.
pub fn poll_fn<T, F>(f: F) -> PollFn<F>
where
    F: FnMut(&mut Context<'_>) -> Poll<T>,
{
    futures_util::future::poll_fn(f)
}

/// Creates a future that never completes.
///
/// Useful as a branch that must never win (in [`select!`](crate::select) or [`race`]), or to park a
/// task until it is aborted.
///
/// # Examples
///
/// ```
/// use weft_core::future::{pending, race, ready};
///
/// # futures_executor::block_on(async {
/// let winner = race(pending::<u32>(), ready(7)).await;
/// assert_eq!(winner, 7);
/// # });
/// ```
///
/// # Cancel safety
///
/// Cancel safe: there is no state to lose.
pub fn pending<T>() -> Pending<T> {
    futures_util::future::pending()
}

/// Creates a future that is immediately ready with `value`.
///
/// # Examples
///
/// ```
/// use weft_core::future::ready;
///
/// # futures_executor::block_on(async {
/// assert_eq!(ready(1).await, 1);
/// # });
/// ```
///
/// # Cancel safety
///
/// Dropping the future before it is polled drops `value`.
pub fn ready<T>(value: T) -> Ready<T> {
    futures_util::future::ready(value)
}

/// Waits for every future of `iter` and returns their outputs, in the order of the input.
///
/// This is `asyncio.gather`. The futures run concurrently *within the calling task* (they are not
/// spawned; to use several threads, spawn tasks and join their handles). For large inputs it polls
/// only the futures that were woken, so joining thousands of futures stays cheap.
///
/// # Examples
///
/// ```
/// use weft_core::future::join_all;
///
/// # futures_executor::block_on(async {
/// let squares = join_all((1..=4).map(|n| async move { n * n })).await;
/// assert_eq!(squares, [1, 4, 9, 16]);
/// # });
/// ```
///
/// # Cancel safety
///
/// Dropping the `JoinAll` drops every future that has not finished and every output already
/// gathered.
pub fn join_all<I>(iter: I) -> JoinAll<I::Item>
where
    I: IntoIterator,
    I::Item: Future,
{
    futures_util::future::join_all(iter)
}

/// Waits for the first of two futures and returns its output with the other, unfinished future.
///
/// This is futures-util's `select`: both futures must be [`Unpin`] (pin them with
/// [`std::pin::pin!`] or `Box::pin`), the result says which side won ([`Either::Left`] for `a`),
/// and the loser comes back so that it can be awaited later. If both are ready at once, `a` wins.
/// Use [`race`] when both futures have the same output and the loser may be dropped, and
/// [`select!`](crate::select) for more than two.
///
/// # Examples
///
/// ```
/// use weft_core::future::{pending, ready, select, Either};
///
/// # futures_executor::block_on(async {
/// match select(pending::<()>(), ready(5)).await {
///     Either::Left(_) => unreachable!(),
///     Either::Right((five, _still_pending)) => assert_eq!(five, 5),
/// }
/// # });
/// ```
///
/// # Cancel safety
///
/// Dropping the `Select` drops both futures. Once it completes, nothing is lost: the unfinished
/// future is handed back.
pub fn select<A, B>(a: A, b: B) -> Select<A, B>
where
    A: Future + Unpin,
    B: Future + Unpin,
{
    futures_util::future::select(a, b)
}

/// Waits for several futures at once and returns a tuple of their outputs, in argument order.
///
/// The futures are polled concurrently within the calling task; `join!` itself must be used inside
/// an `async` context. This is futures-util's `join!`; it takes any number of futures.
///
/// # Examples
///
/// ```
/// # futures_executor::block_on(async {
/// let (a, b, c) = weft_core::join!(async { 1 }, async { "two" }, async { 3.0 });
/// assert_eq!((a, b, c), (1, "two", 3.0));
/// # });
/// ```
///
/// # Cancel safety
///
/// Dropping the enclosing future while `join!` waits drops every future and every output already
/// produced.
#[macro_export]
macro_rules! join {
    ($($futures:tt)*) => {
        $crate::future::__private::futures_util::join!($($futures)*)
    };
}

/// Waits for several futures that return `Result`, stopping at the first `Err`.
///
/// Returns `Ok` with a tuple of the `Ok` values (in argument order) when all succeed, or the first
/// `Err`, in which case the other futures are dropped. All futures must have the same error type.
/// Must be used inside an `async` context. This is futures-util's `try_join!`.
///
/// # Examples
///
/// ```
/// # futures_executor::block_on(async {
/// let ok = weft_core::try_join!(async { Ok::<_, &str>(1) }, async { Ok(2) });
/// assert_eq!(ok, Ok((1, 2)));
///
/// let err = weft_core::try_join!(async { Ok::<u8, &str>(1) }, async { Err::<u8, &str>("no") });
/// assert_eq!(err, Err("no"));
/// # });
/// ```
///
/// # Errors
///
/// The first `Err` that any of the futures returns.
///
/// # Cancel safety
///
/// Dropping the enclosing future while `try_join!` waits drops every future and every value
/// already produced.
#[macro_export]
macro_rules! try_join {
    ($($futures:tt)*) => {
        $crate::future::__private::futures_util::try_join!($($futures)*)
    };
}

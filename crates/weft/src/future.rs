//! Combining futures: wait for all of them ([`join_all`], [`join!`](crate::join), asyncio's
//! `gather`), for the first ([`race`], [`select!`](crate::select), asyncio's `wait` with
//! `FIRST_COMPLETED`), or stop at the first error ([`try_join_all`],
//! [`try_join!`](crate::try_join)).
//!
//! | weft | asyncio | what it does |
//! |---|---|---|
//! | [`join_all`], [`join!`](crate::join) | `asyncio.gather` | waits for all, outputs in input order |
//! | [`try_join_all`], [`try_join!`](crate::try_join) | `gather` in a `TaskGroup` | stops at the first `Err` |
//! | [`race`], [`select()`] | `asyncio.wait(FIRST_COMPLETED)` | the first of two to finish |
//! | [`select!`](crate::select) | `asyncio.wait(FIRST_COMPLETED)` + dispatch | races many, runs the winner's branch |
//! | [`yield_now`] | `await asyncio.sleep(0)` | lets other tasks run once |
//! | [`poll_fn`], [`pending`], [`ready`] | | building blocks |
//!
//! These combinators run the futures they are given inside the current task, concurrently but not
//! in parallel; to use several threads, [`spawn`](crate::spawn) tasks and combine their
//! [`JoinHandle`](crate::task::JoinHandle)s. Dropping a combinator drops the futures it holds.
//!
//! # Examples
//!
//! ```
//! use std::time::{Duration, Instant};
//!
//! async fn fetch(page: u32) -> String {
//!     weft::time::sleep(Duration::from_millis(50)).await; // an "API call"
//!     format!("page {page}")
//! }
//!
//! #[weft::main]
//! async fn main() {
//!     let start = Instant::now();
//!     let pages = weft::future::join_all((1..=3).map(fetch)).await;
//!     assert_eq!(pages, ["page 1", "page 2", "page 3"]);
//!     // The three calls overlapped: about 50 ms, not 150.
//!     println!("fetched in {:?}", start.elapsed());
//!
//!     // Whichever finishes first wins; the other is dropped.
//!     let winner = weft::select! {
//!         page = fetch(4) => page,
//!         _ = weft::time::sleep(Duration::from_secs(10)) => String::from("timed out"),
//!     };
//!     assert_eq!(winner, "page 4");
//! }
//! ```

use std::future::Future;

pub use weft_core::future::{JoinAll, Pending, PollFn, Race, Ready, Select, TryJoinAll, YieldNow};

/// One of two futures (or values) of different types, itself a future: for branches that return
/// different futures, and the result of [`select()`].
///
/// ```
/// use std::time::Duration;
/// use weft::future::Either;
///
/// #[weft::main]
/// async fn main() {
///     let cached = true;
///     let lookup = if cached {
///         Either::Left(async { "from the cache" })
///     } else {
///         Either::Right(async {
///             weft::time::sleep(Duration::from_millis(10)).await;
///             "from the database"
///         })
///     };
///     assert_eq!(lookup.await, "from the cache");
/// }
/// ```
///
/// *From futures-util's documentation, where this is `futures_util::future::Either`:*
///
#[doc(inline)]
pub use weft_core::future::Either;

pub use crate::task::yield_now;
pub use crate::{join, select, try_join};

/// Waits for every future and returns their outputs in input order: asyncio's `gather`.
///
/// ```
/// use weft::future::join_all;
///
/// #[weft::main]
/// async fn main() {
///     let squares = join_all((1..=4).map(|n| async move { n * n })).await;
///     assert_eq!(squares, [1, 4, 9, 16]);
/// }
/// ```
///
/// *From weft-core's documentation, where this is `weft_core::future::join_all`:*
///
#[doc(inline)]
pub use weft_core::future::join_all;

/// A future that never completes.
///
/// ```
/// use weft::future::{pending, race, ready};
///
/// #[weft::main]
/// async fn main() {
///     let winner = race(pending::<u32>(), ready(7)).await;
///     assert_eq!(winner, 7);
/// }
/// ```
///
/// *From weft-core's documentation, where this is `weft_core::future::pending`:*
///
#[doc(inline)]
pub use weft_core::future::pending;

/// A future from a closure that is polled like `Future::poll`.
///
/// ```
/// use std::task::Poll;
/// use weft::future::poll_fn;
///
/// #[weft::main]
/// async fn main() {
///     let mut polls = 0;
///     let value = poll_fn(|cx| {
///         polls += 1;
///         if polls < 3 {
///             cx.waker().wake_by_ref(); // poll me again
///             Poll::Pending
///         } else {
///             Poll::Ready("done")
///         }
///     })
///     .await;
///     assert_eq!((value, polls), ("done", 3));
/// }
/// ```
///
/// *From weft-core's documentation, where this is `weft_core::future::poll_fn`:*
///
#[doc(inline)]
pub use weft_core::future::poll_fn;

/// Runs two futures with the same output type and returns the first output; the other is dropped.
///
/// ```
/// use std::time::Duration;
/// use weft::future::race;
///
/// #[weft::main]
/// async fn main() {
///     let primary = async {
///         weft::time::sleep(Duration::from_secs(10)).await;
///         "primary"
///     };
///     let replica = async { "replica" };
///     assert_eq!(race(primary, replica).await, "replica");
/// }
/// ```
///
/// *From weft-core's documentation, where this is `weft_core::future::race`:*
///
#[doc(inline)]
pub use weft_core::future::race;

/// A future that is ready at once with `value`.
///
/// ```
/// #[weft::main]
/// async fn main() {
///     assert_eq!(weft::future::ready(1).await, 1);
/// }
/// ```
///
/// *From weft-core's documentation, where this is `weft_core::future::ready`:*
///
#[doc(inline)]
pub use weft_core::future::ready;

/// Waits for the first of two futures and returns its output with the other, unfinished future.
///
/// Both futures must be [`Unpin`] (pin them with [`std::pin::pin!`] or `Box::pin`). The result
/// says which side won ([`Either::Left`] for `a`), and the loser comes back so that it can be
/// awaited later. If both are ready at once, `a` wins. Use [`race`] when both futures have the
/// same output and the loser may be dropped, and [`select!`](crate::select) for more than two.
///
/// This is `weft_core::future::select` (futures-util's `select`). It is written out here, rather
/// than re-exported, because that path also names the `select!` macro.
///
/// # Examples
///
/// ```
/// use std::pin::pin;
/// use std::time::Duration;
/// use weft::future::{select, Either};
///
/// #[weft::main]
/// async fn main() {
///     let slow = pin!(weft::time::sleep(Duration::from_millis(50)));
///     let fast = pin!(async { 5 });
///     match select(slow, fast).await {
///         Either::Left(_) => unreachable!("the sleep is slower"),
///         Either::Right((five, slow)) => {
///             assert_eq!(five, 5);
///             slow.await; // the loser is handed back, unfinished
///         }
///     }
/// }
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
    weft_core::future::select(a, b)
}

/// Waits for every future, or returns the first `Err` at once (dropping the rest).
///
/// ```
/// use weft::future::try_join_all;
///
/// #[weft::main]
/// async fn main() {
///     let ok = try_join_all((1..=3).map(|n| async move { Ok::<_, String>(n) })).await;
///     assert_eq!(ok, Ok(vec![1, 2, 3]));
///
///     let parses = ["1", "x", "3"].map(|s| async move { s.parse::<u32>() });
///     assert!(try_join_all(parses).await.is_err());
/// }
/// ```
///
/// *From weft-core's documentation, where this is `weft_core::future::try_join_all`:*
///
#[doc(inline)]
pub use weft_core::future::try_join_all;

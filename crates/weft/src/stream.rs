//! Async streams: a [`Stream`] yields values over time, as an async iterator does; `async for` in
//! asyncio is `while let Some(x) = stream.next().await` here, with [`StreamExt`] in scope.
//!
//! The trait is the ecosystem's (`futures-core`'s), so streams from other libraries work with
//! weft's and the other way round. Whatever weft hands out that produces values over time is a
//! stream: the receivers of [`mpsc`](crate::sync::mpsc) and [`broadcast`](crate::sync::broadcast),
//! [`Interval`](crate::time::Interval) (its ticks), a listener's `incoming()`,
//! [`read_dir`](crate::fs::read_dir), a [`Signal`](crate::signal::unix::Signal), a
//! [`JoinSet`](crate::task::JoinSet) (results as tasks finish) and the lines of a reader.
//! [`stream!`] and [`try_stream!`] write one as an async generator (`async def` with `yield`);
//! [`iter`], [`once`] and [`unfold`] build streams from values and closures; [`StreamTimeExt`]
//! adds `timeout` and `throttle`, [`StreamMap`] and [`select`] merge streams, and
//! [`FuturesUnordered`] runs futures and yields their outputs as they complete.
//!
//! # Examples
//!
//! ```
//! use weft::stream::{self, StreamExt};
//! use weft::sync::mpsc;
//!
//! #[weft::main]
//! async fn main() {
//!     let (tx, rx) = mpsc::unbounded_channel();
//!     weft::spawn(async move {
//!         for word in ["alpha", "beta", "gamma"] {
//!             tx.send(word).unwrap();
//!         }
//!     });
//!     // A receiver is a stream: `async for word in rx`.
//!     let lengths: Vec<usize> = rx.map(str::len).collect().await;
//!     assert_eq!(lengths, [5, 4, 5]);
//!
//!     let evens: Vec<u32> = stream::iter(1..=6)
//!         .filter(|n| std::future::ready(n % 2 == 0))
//!         .collect()
//!         .await;
//!     assert_eq!(evens, [2, 4, 6]);
//! }
//! ```

mod generator;
mod stream_map;

pub use generator::{Generator, Yield, Yielder};
pub use stream_map::StreamMap;

/// `timeout` and `throttle` for every stream; the same trait as
/// [`weft::time::StreamTimeExt`](crate::time::StreamTimeExt), offered here beside [`StreamExt`].
#[doc(no_inline)]
pub use crate::time::StreamTimeExt;

/// An async generator: an `impl Stream` written as a block with `yield`, like an `async def` with
/// `yield` in Python.
///
/// The block runs when the stream is polled, up to its next `yield`, whose value becomes the next
/// item; it may `.await` anything in between. The result is a [`Generator`], which is `Unpin`:
/// `while let Some(x) = s.next().await` works on it as it is, no `pin!` needed. Variables the
/// block uses are moved into it (as with `async move`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use weft::stream::{stream, Stream, StreamExt};
///
/// /// Python: `async def ticker(n): for i in range(n): await asyncio.sleep(0.01); yield i`
/// fn ticker(n: u32) -> impl Stream<Item = u32> {
///     stream! {
///         for i in 0..n {
///             weft::time::sleep(Duration::from_millis(10)).await;
///             yield i;
///         }
///     }
/// }
///
/// #[weft::main]
/// async fn main() {
///     let mut ticks = ticker(3);
///     while let Some(i) = ticks.next().await {
///         println!("tick {i}");
///     }
///     let squares: Vec<u32> = ticker(4).map(|i| i * i).collect().await;
///     assert_eq!(squares, [0, 1, 4, 9]);
/// }
/// ```
///
/// # Panics
///
/// A panic in the block unwinds out of the `next().await` that polled it, into the task that
/// consumes the stream (and out of its `JoinHandle` as a panic, as for any task); polled again,
/// the stream ends. A `yield` inside a closure or an async block nested in the body is a compile
/// error: yield directly in the body (loops, `if`, `match` and blocks are fine).
///
/// ```compile_fail
/// use weft::stream::stream;
///
/// let s = stream! {
///     // error: `yield` inside a closure or an async block is not a yield of the `stream!`
///     (0..3).for_each(|i| { yield i; });
/// };
/// ```
///
/// # Cancel safety
///
/// Dropping the stream drops the block where it stands, and everything it holds: values, locks,
/// sockets, timers. An item is handed out only by the poll that returns it; none is lost when a
/// `next()` future is dropped.
#[doc(inline)]
pub use weft_macros::stream;

/// A fallible async generator: [`stream!`] whose items are `Result`s, and where `?` works.
///
/// `yield v` sends `Ok(v)`; an error that `?` meets ends the block and is sent as the last item,
/// `Err(e)` (converted with `From`, as `?` does in a function). The error type comes from the
/// stream's item type, so name it where the stream is used, e.g. in the return type
/// `impl Stream<Item = io::Result<T>>`. `return Ok(())` ends the stream early.
///
/// # Examples
///
/// ```
/// use std::io;
/// use weft::stream::{try_stream, Stream, TryStreamExt};
///
/// /// Parses lines one by one; the first bad line ends the stream with its error.
/// fn numbers(lines: Vec<&'static str>) -> impl Stream<Item = io::Result<u64>> {
///     try_stream! {
///         for line in lines {
///             let n: u64 = line
///                 .parse()
///                 .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
///             yield n;
///         }
///     }
/// }
///
/// #[weft::main]
/// async fn main() {
///     let all: Vec<u64> = numbers(vec!["1", "2"]).try_collect().await.unwrap();
///     assert_eq!(all, [1, 2]);
///     let bad = numbers(vec!["1", "x", "3"]).try_collect::<Vec<u64>>().await;
///     assert_eq!(bad.unwrap_err().kind(), io::ErrorKind::InvalidData);
/// }
/// ```
///
/// # Panics
///
/// As [`stream!`].
///
/// # Cancel safety
///
/// As [`stream!`].
#[doc(inline)]
pub use weft_macros::try_stream;

/// A sequence of values produced asynchronously: the async form of `Iterator`.
///
/// ```
/// use std::pin::Pin;
/// use std::task::{Context, Poll};
/// use weft::stream::{Stream, StreamExt};
///
/// /// Counts down to 1, one value per poll.
/// struct Countdown(u32);
///
/// impl Stream for Countdown {
///     type Item = u32;
///     fn poll_next(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<u32>> {
///         let n = self.0;
///         self.0 = n.saturating_sub(1);
///         Poll::Ready((n > 0).then_some(n))
///     }
/// }
///
/// #[weft::main]
/// async fn main() {
///     let mut countdown = Countdown(3);
///     while let Some(n) = countdown.next().await {
///         println!("{n}...");
///     }
/// }
/// ```
///
/// *From futures-core's documentation, where this is `futures_core::Stream`:*
///
#[doc(inline)]
pub use futures_core::Stream;

/// The methods of every [`Stream`]: `next`, `map`, `filter`, `collect`, `for_each`, `take`, ...
///
/// `next()` needs a stream that is `Unpin`. [`stream!`] generators, [`iter`], the channel
/// receivers and weft's other streams are; a stream built around an async block or closure
/// ([`unfold`], `.then(..)`) is not, and the compiler says "cannot be unpinned": pin it first,
/// `let mut s = std::pin::pin!(s);` (or `Box::pin(s)` to store or send it). The guide
/// [`weft::guide::asyncio`](crate::guide::asyncio) says why, under "When and why to `pin!`".
///
/// The time adapters `timeout` and `throttle` are on [`StreamTimeExt`] (import it too): this
/// trait is the ecosystem's, shared with every library built on futures, so weft adds to it by a
/// trait of its own rather than a copy of this one.
///
/// ```
/// use weft::stream::{self, StreamExt};
///
/// #[weft::main]
/// async fn main() {
///     let mut numbers = stream::iter(1..=3);
///     assert_eq!(numbers.next().await, Some(1));
///     let doubled: Vec<i32> = numbers.map(|n| n * 2).collect().await;
///     assert_eq!(doubled, [4, 6]);
/// }
/// ```
///
/// *From futures-util's documentation, where this is `futures_util::stream::StreamExt`:*
///
#[doc(inline)]
pub use futures_util::stream::StreamExt;

/// A stream of the items of an iterator.
///
/// ```
/// use weft::stream::{self, StreamExt};
///
/// #[weft::main]
/// async fn main() {
///     let all: Vec<i32> = stream::iter(vec![17, 19]).collect().await;
///     assert_eq!(all, [17, 19]);
/// }
/// ```
///
/// *From futures-util's documentation, where this is `futures_util::stream::iter`:*
///
#[doc(inline)]
pub use futures_util::stream::iter;

/// A stream of the one output of a future.
///
/// ```
/// use weft::stream::{self, StreamExt};
///
/// #[weft::main]
/// async fn main() {
///     let one: Vec<i32> = stream::once(async { 17 }).collect().await;
///     assert_eq!(one, [17]);
/// }
/// ```
///
/// *From futures-util's documentation, where this is `futures_util::stream::once`:*
///
#[doc(inline)]
pub use futures_util::stream::once;

/// A stream made from a state and an async step: each step returns the next item and the next
/// state, or `None` to end.
///
/// ```
/// use std::time::Duration;
/// use weft::stream::{self, StreamExt};
///
/// #[weft::main]
/// async fn main() {
///     // Page numbers fetched one "request" at a time, until the last page.
///     let pages = stream::unfold(1, |page| async move {
///         weft::time::sleep(Duration::from_millis(1)).await;
///         (page <= 3).then(|| (format!("page {page}"), page + 1))
///     });
///     let pages: Vec<String> = pages.collect().await;
///     assert_eq!(pages, ["page 1", "page 2", "page 3"]);
/// }
/// ```
///
/// *From futures-util's documentation, where this is `futures_util::stream::unfold`:*
///
#[doc(inline)]
pub use futures_util::stream::unfold;

/// The methods of streams of `Result`s: `try_next`, `try_collect`, `map_ok`, `and_then`,
/// `try_for_each`, ... (`?` at each item instead of a `match`).
///
/// ```
/// use weft::stream::{self, TryStreamExt};
///
/// #[weft::main]
/// async fn main() {
///     let mut results = stream::iter([Ok(1), Ok(2), Err("bad input"), Ok(4)]);
///     assert_eq!(results.try_next().await, Ok(Some(1)));
///     // `try_collect` stops at the first error and returns it.
///     let rest: Result<Vec<i32>, &str> = results.try_collect().await;
///     assert_eq!(rest, Err("bad input"));
/// }
/// ```
///
/// *From futures-util's documentation, where this is `futures_util::stream::TryStreamExt`:*
///
#[doc(inline)]
pub use futures_util::stream::TryStreamExt;

/// A set of futures that yields their outputs as they complete, in any order: asyncio's
/// `as_completed`. Futures run in the current task (spawn them for parallelism).
///
/// ```
/// use std::time::Duration;
/// use weft::stream::{FuturesUnordered, StreamExt};
///
/// #[weft::main]
/// async fn main() {
///     let mut calls = FuturesUnordered::new();
///     for (name, ms) in [("slow", 30), ("fast", 1)] {
///         calls.push(async move {
///             weft::time::sleep(Duration::from_millis(ms)).await;
///             name
///         });
///     }
///     // Completion order, not push order.
///     assert_eq!(calls.next().await, Some("fast"));
///     assert_eq!(calls.next().await, Some("slow"));
///     assert_eq!(calls.next().await, None);
/// }
/// ```
///
/// *From futures-util's documentation, where this is `futures_util::stream::FuturesUnordered`:*
///
#[doc(inline)]
pub use futures_util::stream::FuturesUnordered;

/// A queue of futures that run at once and yield their outputs in the order they were pushed.
///
/// ```
/// use std::time::Duration;
/// use weft::stream::{FuturesOrdered, StreamExt};
///
/// #[weft::main]
/// async fn main() {
///     let mut calls = FuturesOrdered::new();
///     for (name, ms) in [("slow", 30), ("fast", 1)] {
///         calls.push_back(async move {
///             weft::time::sleep(Duration::from_millis(ms)).await;
///             name
///         });
///     }
///     let names: Vec<&str> = calls.collect().await;
///     assert_eq!(names, ["slow", "fast"]); // push order
/// }
/// ```
///
/// *From futures-util's documentation, where this is `futures_util::stream::FuturesOrdered`:*
///
#[doc(inline)]
pub use futures_util::stream::FuturesOrdered;

/// Merges two streams of one item type into one, taking items from both as they come (turn by
/// turn when both have one ready); it ends when both have.
///
/// ```
/// use weft::stream::{self, StreamExt};
/// use weft::sync::mpsc;
///
/// #[weft::main]
/// async fn main() {
///     let (tx, rx) = mpsc::unbounded_channel();
///     tx.send(10).unwrap();
///     drop(tx);
///     let mut both: Vec<i32> = stream::select(rx, stream::iter(vec![1, 2])).collect().await;
///     both.sort();
///     assert_eq!(both, [1, 2, 10]);
/// }
/// ```
///
/// *From futures-util's documentation, where this is `futures_util::stream::select`:*
///
#[doc(inline)]
pub use futures_util::stream::select;

/// Merges any number of streams of one item type into one: [`select`] for a list.
///
/// ```
/// use weft::stream::{self, StreamExt};
///
/// #[weft::main]
/// async fn main() {
///     let parts = (0..3).map(|i| stream::iter(vec![i * 10, i * 10 + 1]));
///     let mut all: Vec<i32> = stream::select_all(parts).collect().await;
///     all.sort();
///     assert_eq!(all, [0, 1, 10, 11, 20, 21]);
/// }
/// ```
///
/// *From futures-util's documentation, where this is `futures_util::stream::select_all`:*
///
#[doc(inline)]
pub use futures_util::stream::select_all;

/// The stream of [`select_all()`]; more streams can be pushed into it while it is read.
///
/// ```
/// use weft::stream::{self, SelectAll, StreamExt};
///
/// #[weft::main]
/// async fn main() {
///     let mut all = SelectAll::new();
///     all.push(stream::iter(vec![1]));
///     all.push(stream::iter(vec![2]));
///     let mut got: Vec<i32> = all.collect().await;
///     got.sort();
///     assert_eq!(got, [1, 2]);
/// }
/// ```
///
/// *From futures-util's documentation, where this is `futures_util::stream::SelectAll`:*
///
#[doc(inline)]
pub use futures_util::stream::SelectAll;

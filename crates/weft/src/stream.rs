//! Async streams: a [`Stream`] yields values over time, as an async iterator does; `async for` in
//! asyncio is `while let Some(x) = stream.next().await` here, with [`StreamExt`] in scope.
//!
//! The trait is the ecosystem's (`futures-core`'s), so streams from other libraries work with
//! weft's and the other way round. Weft's own sequences are streams: the channel receivers of
//! [`weft::sync::mpsc`](crate::sync::mpsc) and a directory listing from
//! [`weft::fs::read_dir`](crate::fs::read_dir). [`iter`], [`once`] and [`unfold`] build streams
//! from values and closures.
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

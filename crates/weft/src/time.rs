//! Time: [`sleep`] (asyncio's `sleep`), [`timeout`] (asyncio's `wait_for` and `timeout`),
//! [`interval`] for periodic work, and [`Instant`], which follows paused time in tests.
//!
//! | weft | asyncio |
//! |---|---|
//! | [`sleep`], [`sleep_until`] | `asyncio.sleep` |
//! | [`timeout`], [`timeout_at`] | `asyncio.wait_for`, `asyncio.timeout` |
//! | [`interval`] | a loop around `asyncio.sleep` that does not drift; also a stream of its ticks |
//! | [`StreamTimeExt::timeout`], [`StreamTimeExt::throttle`] | `wait_for` around each `__anext__`; a pause between items |
//! | [`Instant::now`] | `loop.time()` |
//!
//! Timers need the runtime's timer driver, which every runtime built by `weft` has
//! ([`weft::run`](crate::run), [`weft::block_on`](crate::block_on), `#[weft::main]`,
//! [`runtime::Builder`](crate::runtime::Builder)). A timer never fires early, and fires within
//! about a millisecond (plus scheduling) after its deadline.
//!
//! **Paused time** makes tests that wait for hours run in milliseconds: on a current-thread
//! runtime started paused (`#[weft::main(flavor = "current_thread", start_paused = true)]`), the
//! clock stands still while tasks run and jumps to the next timer when every task waits;
//! [`advance`] moves it by hand.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use weft::time::{interval, sleep, timeout, Instant};
//!
//! #[weft::main]
//! async fn main() {
//!     let start = Instant::now();
//!     sleep(Duration::from_millis(10)).await;
//!     assert!(start.elapsed() >= Duration::from_millis(10));
//!
//!     // A slow call is cancelled after 20 ms: the error says the time ran out.
//!     let slow = timeout(Duration::from_millis(20), sleep(Duration::from_secs(60))).await;
//!     assert!(slow.is_err());
//!
//!     // Three ticks, 5 ms apart; the first is immediate.
//!     let mut ticks = interval(Duration::from_millis(5));
//!     for _ in 0..3 {
//!         ticks.tick().await;
//!     }
//! }
//! ```

pub use weft_io::time::{
    interval_at, sleep_until, timeout_at, Interval, StreamTimeout, Throttle, Timeout,
};

/// The future of [`sleep`]: `!Unpin` (as tokio's), so pin it to poll it more than once or to
/// [`reset`](Sleep::reset) it.
///
/// ```
/// use std::pin::pin;
/// use std::time::Duration;
/// use weft::time::{sleep, Instant};
///
/// #[weft::main]
/// async fn main() {
///     // An idle timeout that activity pushes back: reset in place.
///     let mut idle = pin!(sleep(Duration::from_secs(30)));
///     idle.as_mut().reset(Instant::now() + Duration::from_millis(5));
///     idle.as_mut().await;
///     assert!(idle.is_elapsed());
/// }
/// ```
///
/// *From weft-io's documentation, where this is `weft_io::time::Sleep`:*
///
#[doc(inline)]
pub use weft_io::time::Sleep;

/// `timeout` and `throttle` for every stream (tokio-stream's shapes): a limit on the wait for each
/// item, and a minimum gap between items. An [`Interval`] is itself a stream of its ticks.
///
/// ```
/// use std::time::Duration;
/// use weft::stream::{self, StreamExt};
/// use weft::time::{interval, Instant, StreamTimeExt};
///
/// #[weft::main(flavor = "current_thread", start_paused = true)]
/// async fn main() {
///     // At most one item per second.
///     let start = Instant::now();
///     let paced = stream::iter(1..).throttle(Duration::from_secs(1));
///     let paced: Vec<u32> = paced.take(3).collect().await;
///     assert_eq!(paced, [1, 2, 3]);
///     assert_eq!(start.elapsed(), Duration::from_secs(2));
///
///     // A source that goes quiet: each gap longer than 5 s is reported once.
///     let quiet = stream::stream! {
///         yield 1;
///         std::future::pending::<()>().await;
///     };
///     let mut watched = quiet.timeout(Duration::from_secs(5));
///     assert_eq!(watched.next().await, Some(Ok(1)));
///     assert!(watched.next().await.unwrap().is_err());
///
///     // `Interval` is a `Stream<Item = Instant>`.
///     let ticks: Vec<Instant> = interval(Duration::from_secs(1)).take(3).collect().await;
///     assert_eq!(ticks[2] - ticks[0], Duration::from_secs(2));
/// }
/// ```
///
/// *From weft-io's documentation, where this is `weft_io::time::StreamTimeExt`:*
///
#[doc(inline)]
pub use weft_io::time::StreamTimeExt;

/// Moves paused time forward by `duration` and runs the timers that became due.
///
/// ```
/// use std::time::Duration;
/// use weft::time::{advance, Instant};
///
/// #[weft::main(flavor = "current_thread", start_paused = true)]
/// async fn main() {
///     let start = Instant::now();
///     advance(Duration::from_secs(90)).await; // no real waiting
///     assert_eq!(start.elapsed(), Duration::from_secs(90));
/// }
/// ```
///
/// *From weft-io's documentation, where this is `weft_io::time::advance`:*
///
#[doc(inline)]
pub use weft_io::time::advance;

/// Pauses time on a current-thread runtime: it then moves only by [`advance`], or jumps to the
/// next timer when every task is idle, so a test of timeouts runs at once.
///
/// ```
/// use std::time::Duration;
/// use weft::time::{pause, resume, sleep, timeout, Instant};
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     pause();
///     let start = Instant::now();
///     let slow = timeout(Duration::from_secs(30), sleep(Duration::from_secs(60))).await;
///     assert!(slow.is_err()); // timed out after 30 virtual seconds, at once
///     assert_eq!(start.elapsed(), Duration::from_secs(30));
///     resume();
/// }
/// ```
///
/// *From weft-io's documentation, where this is `weft_io::time::pause`:*
///
#[doc(inline)]
pub use weft_io::time::pause;

/// Lets paused time run again from where it stands (see [`pause`]).
///
/// ```
/// use std::time::Duration;
/// use weft::time::{pause, resume, Instant};
///
/// #[weft::main(flavor = "current_thread", start_paused = true)]
/// async fn main() {
///     weft::time::advance(Duration::from_secs(5)).await;
///     let before = Instant::now();
///     resume();
///     weft::time::sleep(Duration::from_millis(5)).await; // real waiting again
///     assert!(before.elapsed() >= Duration::from_millis(5));
///     pause();
/// }
/// ```
///
/// *From weft-io's documentation, where this is `weft_io::time::resume`:*
///
#[doc(inline)]
pub use weft_io::time::resume;

/// The error of [`timeout`]: the deadline passed before the future completed.
///
/// ```
/// use std::time::Duration;
///
/// #[weft::main]
/// async fn main() {
///     let never = std::future::pending::<()>();
///     let err = weft::time::timeout(Duration::from_millis(5), never).await.unwrap_err();
///     assert_eq!(err.to_string(), "deadline has elapsed");
/// }
/// ```
///
/// *From weft-io's documentation, where this is `weft_io::time::Elapsed`:*
///
#[doc(inline)]
pub use weft_io::time::Elapsed;

/// A point in time that follows the runtime's clock, paused time included.
///
/// ```
/// use std::time::Duration;
/// use weft::time::Instant;
///
/// #[weft::main]
/// async fn main() {
///     let start = Instant::now();
///     weft::time::sleep(Duration::from_millis(5)).await;
///     assert!(start.elapsed() >= Duration::from_millis(5));
///     assert_eq!((start + Duration::from_secs(1)) - start, Duration::from_secs(1));
/// }
/// ```
///
/// *From weft-io's documentation, where this is `weft_io::time::Instant`:*
///
#[doc(inline)]
pub use weft_io::time::Instant;

/// Ticks every `period`, the first tick at once; a loop around it does not drift.
///
/// ```
/// use std::time::Duration;
/// use weft::time::{interval, Instant};
///
/// #[weft::main(flavor = "current_thread", start_paused = true)]
/// async fn main() {
///     let start = Instant::now();
///     let mut every_second = interval(Duration::from_secs(1));
///     for _ in 0..3 {
///         every_second.tick().await; // at 0 s, 1 s and 2 s (paused time: no real waiting)
///     }
///     assert_eq!(start.elapsed(), Duration::from_secs(2));
/// }
/// ```
///
/// *From weft-io's documentation, where this is `weft_io::time::interval`:*
///
#[doc(inline)]
pub use weft_io::time::interval;

/// What an [`Interval`] does with ticks it missed because its task was busy.
///
/// ```
/// use std::time::Duration;
/// use weft::time::{interval, MissedTickBehavior};
///
/// #[weft::main]
/// async fn main() {
///     let mut ticks = interval(Duration::from_millis(10));
///     // After a stall, go on at the next multiple of the period, not with a burst of ticks.
///     ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
///     ticks.tick().await; // the first tick is immediate
/// }
/// ```
///
/// *From weft-io's documentation, where this is `weft_io::time::MissedTickBehavior`:*
///
#[doc(inline)]
pub use weft_io::time::MissedTickBehavior;

/// Waits until `duration` has passed: asyncio's `sleep`.
///
/// ```
/// use std::time::{Duration, Instant};
///
/// #[weft::main]
/// async fn main() {
///     let start = Instant::now();
///     // Two sleeps in two tasks overlap: about 50 ms in all, not 100.
///     let a = weft::spawn(weft::time::sleep(Duration::from_millis(50)));
///     let b = weft::spawn(weft::time::sleep(Duration::from_millis(50)));
///     let _ = weft::join!(a, b);
///     assert!(start.elapsed() >= Duration::from_millis(50));
/// }
/// ```
///
/// *From weft-io's documentation, where this is `weft_io::time::sleep`:*
///
#[doc(inline)]
pub use weft_io::time::sleep;

/// Runs a future with a time limit: asyncio's `wait_for`. Past the limit the future is dropped
/// (cancelled) and the result is `Err(Elapsed)`.
///
/// ```
/// use std::time::Duration;
/// use weft::time::{sleep, timeout};
///
/// #[weft::main]
/// async fn main() {
///     let fast = timeout(Duration::from_secs(5), async { 7 }).await;
///     assert_eq!(fast, Ok(7));
///     let slow = timeout(Duration::from_millis(10), sleep(Duration::from_secs(10))).await;
///     assert!(slow.is_err());
/// }
/// ```
///
/// *From weft-io's documentation, where this is `weft_io::time::timeout`:*
///
#[doc(inline)]
pub use weft_io::time::timeout;

//! Multi-producer, single-consumer channels: asyncio's `Queue`.
//!
//! - [`channel(capacity)`](channel) is bounded: [`Sender::send`] waits while the channel is full,
//!   so a fast producer is held back to the consumer's pace.
//! - [`unbounded_channel()`](unbounded_channel): [`UnboundedSender::send`] never waits.
//!
//! Values arrive in the order each sender sent them. Once every sender is dropped and the buffered
//! values are read, [`Receiver::recv`] returns `None`. A send to a dropped receiver gives the value
//! back in the error. Both receivers are also [`Stream`](crate::stream::Stream)s.
//!
//! # Examples
//!
//! ```
//! use weft::sync::mpsc;
//!
//! #[weft::main]
//! async fn main() {
//!     let (tx, mut rx) = mpsc::channel(8);
//!     for producer in 0..3 {
//!         let tx = tx.clone();
//!         weft::spawn(async move {
//!             for i in 0..10 {
//!                 tx.send(producer * 100 + i).await.expect("the receiver is alive");
//!             }
//!         });
//!     }
//!     drop(tx); // the producers hold the remaining senders
//!
//!     let mut received = Vec::new();
//!     while let Some(value) = rx.recv().await {
//!         received.push(value);
//!     }
//!     assert_eq!(received.len(), 30); // `None` came once every producer was done
//! }
//! ```

/// Creates a bounded channel: sends wait while `capacity` values are queued.
///
/// ```
/// use weft::sync::mpsc::{self, error::TrySendError};
///
/// #[weft::main]
/// async fn main() {
///     let (tx, mut rx) = mpsc::channel(1);
///     tx.send("first").await.unwrap();
///     // Full: `try_send` hands the value back instead of waiting.
///     assert_eq!(tx.try_send("second"), Err(TrySendError::Full("second")));
///     assert_eq!(rx.recv().await, Some("first"));
///     tx.try_send("second").unwrap();
/// }
/// ```
///
/// *From weft-sync's documentation, where this is `weft_sync::mpsc::channel`:*
///
#[doc(inline)]
pub use weft_sync::mpsc::channel;

/// Creates an unbounded channel: sends never wait, memory is the only limit.
///
/// ```
/// use weft::sync::mpsc;
///
/// #[weft::main]
/// async fn main() {
///     let (tx, mut rx) = mpsc::unbounded_channel();
///     weft::spawn(async move {
///         for line in ["a", "b", "c"] {
///             tx.send(line).unwrap(); // not async: it never waits
///         }
///     });
///     let mut lines = Vec::new();
///     while let Some(line) = rx.recv().await {
///         lines.push(line);
///     }
///     assert_eq!(lines, ["a", "b", "c"]);
/// }
/// ```
///
/// *From weft-sync's documentation, where this is `weft_sync::mpsc::unbounded_channel`:*
///
#[doc(inline)]
pub use weft_sync::mpsc::unbounded_channel;

/// Sends values to a bounded [`Receiver`]; clone it for more producers.
///
/// ```
/// use weft::sync::mpsc;
///
/// #[weft::main]
/// async fn main() {
///     let (tx, mut rx) = mpsc::channel(1);
///     // Wait for room first, then send without waiting: nothing is lost if the wait is
///     // cancelled, because the value was not moved yet.
///     let permit = tx.reserve().await.unwrap();
///     permit.send(42);
///     assert_eq!(rx.recv().await, Some(42));
/// }
/// ```
///
/// *From weft-sync's documentation, where this is `weft_sync::mpsc::Sender`:*
///
#[doc(inline)]
pub use weft_sync::mpsc::Sender;

pub use weft_sync::mpsc::{
    error, OwnedPermit, Permit, Receiver, UnboundedReceiver, UnboundedSender, WeakSender,
    WeakUnboundedSender,
};

//! A channel for one value: the reply to a request, the result of a job.
//!
//! [`Sender::send`] never waits; the [`Receiver`] is a future that resolves to the value, or to an
//! error if the sender was dropped without sending.
//!
//! # Examples
//!
//! ```
//! use weft::sync::oneshot;
//!
//! #[weft::main]
//! async fn main() {
//!     let (reply, answer) = oneshot::channel();
//!     weft::spawn(async move {
//!         let _ = reply.send(6 * 7); // Err(value) if nobody waits any more
//!     });
//!     assert_eq!(answer.await, Ok(42));
//!
//!     let (reply, answer) = oneshot::channel::<u32>();
//!     drop(reply); // a job that gave up
//!     assert!(answer.await.is_err());
//! }
//! ```

/// Creates a oneshot channel.
///
/// ```
/// use weft::sync::oneshot;
///
/// #[weft::main]
/// async fn main() {
///     let (tx, rx) = oneshot::channel();
///     tx.send("done").unwrap();
///     assert_eq!(rx.await, Ok("done"));
/// }
/// ```
///
/// *From weft-sync's documentation, where this is `weft_sync::oneshot::channel`:*
///
#[doc(inline)]
pub use weft_sync::oneshot::channel;

/// Receives the one value of a oneshot channel: await it.
///
/// ```
/// use weft::sync::oneshot::{self, error::TryRecvError};
///
/// #[weft::main]
/// async fn main() {
///     let (tx, mut rx) = oneshot::channel();
///     assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
///     tx.send(1).unwrap();
///     assert_eq!(rx.try_recv(), Ok(1));
/// }
/// ```
///
/// *From weft-sync's documentation, where this is `weft_sync::oneshot::Receiver`:*
///
#[doc(inline)]
pub use weft_sync::oneshot::Receiver;

/// Sends the one value of a oneshot channel.
///
/// ```
/// use weft::sync::oneshot;
///
/// #[weft::main]
/// async fn main() {
///     let (tx, rx) = oneshot::channel();
///     drop(rx); // nobody waits for the value any more
///     assert_eq!(tx.send(3), Err(3)); // so it comes back
/// }
/// ```
///
/// *From weft-sync's documentation, where this is `weft_sync::oneshot::Sender`:*
///
#[doc(inline)]
pub use weft_sync::oneshot::Sender;

pub use weft_sync::oneshot::error;

//! A channel holding one value that receivers read and watch for changes: configuration, status,
//! progress; asyncio's `Event` when the value is a `bool`.
//!
//! Receivers read the latest value with [`Receiver::borrow`] and wait for the next change with
//! [`Receiver::changed`]; values in between may be skipped, the latest is never missed. Once every
//! sender is dropped and the latest value was seen, `changed` returns an error; the last value
//! stays readable.
//!
//! # Examples
//!
//! ```
//! use weft::sync::watch;
//!
//! #[weft::main]
//! async fn main() {
//!     let (status, mut watcher) = watch::channel("starting");
//!     let server = weft::spawn(async move {
//!         status.send("loading").unwrap();
//!         status.send("ready").unwrap();
//!     });
//!
//!     // Wait until the server says it is ready.
//!     while *watcher.borrow_and_update() != "ready" {
//!         watcher.changed().await.expect("the server reports ready before it stops");
//!     }
//!     server.await.unwrap();
//!     assert_eq!(*watcher.borrow(), "ready");
//! }
//! ```

/// A read lock on the channel's value: read it and let it go; do not hold it across an `.await`.
///
/// ```
/// use weft::sync::watch;
///
/// #[weft::main]
/// async fn main() {
///     let (tx, rx) = watch::channel(vec![1, 2, 3]);
///     let sum: i32 = rx.borrow().iter().sum(); // the lock ends with this statement
///     tx.send(vec![sum]).unwrap(); // so sending does not wait
///     assert_eq!(*rx.borrow(), [6]);
/// }
/// ```
///
/// *From weft-sync's documentation, where this is `weft_sync::watch::Ref`:*
///
#[doc(inline)]
pub use weft_sync::watch::Ref;

pub use weft_sync::watch::{channel, error, Receiver, Sender};

//! Multi-producer, single-consumer channels (asyncio's `Queue`).
//!
//! - [`channel(cap)`](channel): bounded. [`Sender::send`] waits while `cap` values are queued
//!   (back-pressure); [`Sender::reserve`] waits for a slot first and returns a [`Permit`] that sends
//!   without waiting, so a `select!` that cancels the wait loses no value. Waiting senders are
//!   served first-in, first-out.
//! - [`unbounded_channel()`](unbounded_channel): [`UnboundedSender::send`] never waits.
//!
//! Both receivers yield values in send order (per sender), implement
//! [`Stream`](futures_core::Stream), and end (`recv` returns `None`) once every sender is dropped
//! and the buffered values are drained. A send to a closed channel gives the value back in the
//! error.
//!
//! # Examples
//!
//! ```
//! use weft_sync::mpsc;
//!
//! # futures_executor::block_on(async {
//! let (tx, mut rx) = mpsc::channel(8);
//! for i in 0..3 {
//!     let tx = tx.clone();
//!     std::thread::spawn(move || futures_executor::block_on(tx.send(i)).unwrap());
//! }
//! drop(tx);
//! let mut got = Vec::new();
//! while let Some(v) = rx.recv().await {
//!     got.push(v);
//! }
//! got.sort();
//! assert_eq!(got, [0, 1, 2]);
//! # });
//! ```

mod bounded;
mod chan;
mod unbounded;

pub use self::bounded::{channel, OwnedPermit, Permit, Receiver, Sender, WeakSender};
pub use self::unbounded::{
    unbounded_channel, UnboundedReceiver, UnboundedSender, WeakUnboundedSender,
};

/// Errors of the mpsc channels.
pub mod error {
    use std::fmt;

    crate::util::send_error! {
        /// The receiver is closed or gone; the value that could not be sent is `.0`.
        "channel closed: the receiver is closed or dropped"
    }

    /// Why [`try_send`](super::Sender::try_send) failed; the value is returned in both cases.
    #[derive(PartialEq, Eq, Clone, Copy)]
    pub enum TrySendError<T> {
        /// The channel is at capacity.
        Full(T),
        /// The receiver is closed or gone.
        Closed(T),
    }

    impl<T> TrySendError<T> {
        /// The value that was not sent.
        pub fn into_inner(self) -> T {
            match self {
                TrySendError::Full(v) | TrySendError::Closed(v) => v,
            }
        }
    }

    impl<T> fmt::Debug for TrySendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TrySendError::Full(_) => f.write_str("Full(..)"),
                TrySendError::Closed(_) => f.write_str("Closed(..)"),
            }
        }
    }

    impl<T> fmt::Display for TrySendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TrySendError::Full(_) => f.write_str("channel full"),
                TrySendError::Closed(_) => f.write_str("channel closed"),
            }
        }
    }

    impl<T> std::error::Error for TrySendError<T> {}

    impl<T> From<SendError<T>> for TrySendError<T> {
        fn from(e: SendError<T>) -> Self {
            TrySendError::Closed(e.0)
        }
    }

    /// Why [`try_recv`](super::Receiver::try_recv) returned no value.
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub enum TryRecvError {
        /// Nothing buffered right now.
        Empty,
        /// Nothing buffered and nothing ever will be: every sender is gone (or the channel was
        /// closed and drained).
        Disconnected,
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("channel empty"),
                TryRecvError::Disconnected => f.write_str("channel disconnected"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

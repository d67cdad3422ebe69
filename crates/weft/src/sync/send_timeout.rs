//! Channel operations that need a clock: they live in the facade, because weft-sync knows no
//! time (it depends only on weft-core) and weft-io's timers sit above it.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::time::Duration;

use weft_sync::mpsc::Sender;

/// The error of [`SendTimeoutExt::send_timeout`]: the value comes back either way.
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum SendTimeoutError<T> {
    /// No capacity freed up before the time-out.
    Timeout(T),
    /// The receiver is gone.
    Closed(T),
}

impl<T> SendTimeoutError<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            SendTimeoutError::Timeout(v) | SendTimeoutError::Closed(v) => v,
        }
    }
}

impl<T> fmt::Debug for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendTimeoutError::Timeout(_) => f.write_str("Timeout(..)"),
            SendTimeoutError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendTimeoutError::Timeout(_) => f.write_str("timed out waiting on a full channel"),
            SendTimeoutError::Closed(_) => f.write_str("channel closed"),
        }
    }
}

impl<T> Error for SendTimeoutError<T> {}

/// `send_timeout` for the bounded [`mpsc::Sender`](weft_sync::mpsc::Sender).
pub trait SendTimeoutExt<T> {
    /// Sends `value`, waiting at most `timeout` for capacity.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::sync::{mpsc, SendTimeoutError, SendTimeoutExt};
    ///
    /// weft::block_on(async {
    ///     let (tx, _rx) = mpsc::channel(1);
    ///     tx.send_timeout(1, Duration::from_millis(5)).await.unwrap();
    ///     // Full, and nobody receives: the value comes back.
    ///     let err = tx.send_timeout(2, Duration::from_millis(5)).await.unwrap_err();
    ///     assert_eq!(err, SendTimeoutError::Timeout(2));
    /// });
    /// ```
    ///
    /// # Errors
    ///
    /// [`SendTimeoutError::Timeout`] if no capacity freed up in time, [`SendTimeoutError::Closed`]
    /// if the receiver is gone; both carry the value.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime (the time-out needs its timers).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the value is moved into the channel only once capacity is reserved, so a
    /// cancelled call drops `value` and nothing was queued.
    fn send_timeout(
        &self,
        value: T,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), SendTimeoutError<T>>> + Send
    where
        T: Send;
}

impl<T> SendTimeoutExt<T> for Sender<T> {
    async fn send_timeout(&self, value: T, timeout: Duration) -> Result<(), SendTimeoutError<T>>
    where
        T: Send,
    {
        match weft_io::time::timeout(timeout, self.reserve()).await {
            Ok(Ok(permit)) => {
                permit.send(value);
                Ok(())
            }
            Ok(Err(_closed)) => Err(SendTimeoutError::Closed(value)),
            Err(_elapsed) => Err(SendTimeoutError::Timeout(value)),
        }
    }
}

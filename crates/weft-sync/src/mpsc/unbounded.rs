//! The unbounded channel.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::chan::{self, Rx, Tx, WeakTx};
use super::error::{SendError, TryRecvError};

/// Creates an unbounded channel: sends never wait, memory is the only limit.
///
/// # Examples
///
/// ```
/// # futures_executor::block_on(async {
/// let (tx, mut rx) = weft_sync::mpsc::unbounded_channel();
/// tx.send("a").unwrap();
/// drop(tx);
/// assert_eq!(rx.recv().await, Some("a"));
/// assert_eq!(rx.recv().await, None);
/// # });
/// ```
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let (tx, rx) = chan::channel(None);
    (UnboundedSender { chan: tx }, UnboundedReceiver { rx })
}

/// Sends values to an [`UnboundedReceiver`]; clone it for more producers.
pub struct UnboundedSender<T> {
    chan: Tx<T>,
}

/// Receives the values of an unbounded channel.
pub struct UnboundedReceiver<T> {
    rx: Rx<T>,
}

impl<T> UnboundedSender<T> {
    /// Sends a value without waiting.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if the receiver is closed or dropped.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.chan.push(value, false).map_err(SendError)
    }

    /// Whether the receiver is closed or dropped.
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// Waits until the receiver is closed or dropped.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn closed(&self) {
        self.chan.closed().await
    }

    /// Whether both senders feed the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        self.chan.same_channel(&other.chan)
    }

    /// The number of live senders of this channel.
    pub fn strong_count(&self) -> usize {
        self.chan.sender_count()
    }

    /// The number of weak senders of this channel.
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }

    /// A weak handle: it does not keep the channel open, and can be upgraded back into a
    /// sender while some sender is alive.
    pub fn downgrade(&self) -> WeakUnboundedSender<T> {
        WeakUnboundedSender {
            chan: self.chan.downgrade(),
        }
    }
}

/// An unbounded sender that does not keep the channel open (see
/// [`UnboundedSender::downgrade`]).
pub struct WeakUnboundedSender<T> {
    chan: WeakTx<T>,
}

impl<T> WeakUnboundedSender<T> {
    /// An `UnboundedSender` again, or `None` if every sender is gone.
    pub fn upgrade(&self) -> Option<UnboundedSender<T>> {
        self.chan.upgrade().map(|chan| UnboundedSender { chan })
    }
}

impl<T> Clone for WeakUnboundedSender<T> {
    fn clone(&self) -> Self {
        WeakUnboundedSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> fmt::Debug for WeakUnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("WeakUnboundedSender")
            .field(&self.chan)
            .finish()
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        UnboundedSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("UnboundedSender").field(&self.chan).finish()
    }
}

impl<T> UnboundedReceiver<T> {
    /// Receives the next value; `None` once every sender is gone (or the channel was closed) and
    /// the buffer is drained.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a value is removed from the channel only when `recv` returns it.
    #[track_caller]
    pub fn recv(&mut self) -> impl std::future::Future<Output = Option<T>> + '_ {
        weft_core::task::wait_on(
            weft_core::task::Resource::Recv,
            std::future::poll_fn(move |cx| self.rx.poll_recv(cx)),
        )
    }

    /// Polls for the next value (the `Stream` and hand-written-future form of `recv`).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.rx.poll_recv(cx)
    }

    /// Receives up to `limit` values at once into `buffer` (appended), waiting if none is
    /// buffered. Returns how many were received; 0 means the channel is finished (or `limit` is 0).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: values are moved into `buffer` only when the call returns.
    pub async fn recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        std::future::poll_fn(|cx| self.rx.poll_recv_many(cx, buffer, limit)).await
    }

    /// Polls for up to `limit` values (see [`recv_many`](Self::recv_many)).
    pub fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        self.rx.poll_recv_many(cx, buffer, limit)
    }

    /// Takes the next value without waiting.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] or [`TryRecvError::Disconnected`].
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.rx.try_recv()
    }

    /// Blocks the current thread for the next value (for synchronous code outside any executor).
    ///
    /// # Panics
    ///
    /// On a thread that runs a weft runtime's tasks (a worker, or inside `block_on`), where
    /// blocking would stall them: `.await` the async method there, or call this from
    /// `spawn_blocking`.
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        crate::util::block_on("mpsc::UnboundedReceiver::blocking_recv", self.recv())
    }

    /// Closes the channel: sends fail from now on; buffered values can still be received.
    pub fn close(&mut self) {
        self.rx.close();
    }

    /// Whether the channel is closed (by [`close`](Self::close)).
    pub fn is_closed(&self) -> bool {
        self.rx.chan.is_closed()
    }

    /// The number of buffered values.
    pub fn len(&self) -> usize {
        self.rx.len()
    }

    /// Whether no value is buffered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of live senders.
    pub fn sender_strong_count(&self) -> usize {
        self.rx.chan.sender_count()
    }
}

impl<T> futures_core::Stream for UnboundedReceiver<T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.rx.poll_recv(cx)
    }
}

impl<T> fmt::Debug for UnboundedReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("UnboundedReceiver").field(&self.rx).finish()
    }
}

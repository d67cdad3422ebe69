//! The bounded channel.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::chan::{self, Chan, Rx, Tx, WeakTx};
use super::error::{SendError, TryRecvError, TrySendError};
use crate::batch_semaphore::{DeferredCell, RawSemaphore, TryAcquireError};

/// Creates a bounded channel holding at most `capacity` values.
///
/// # Examples
///
/// ```
/// use weft_sync::mpsc::{self, error::TrySendError};
///
/// # futures_executor::block_on(async {
/// let (tx, mut rx) = mpsc::channel(1);
/// tx.send(1).await.unwrap();
/// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
/// assert_eq!(rx.recv().await, Some(1));
/// tx.try_send(2).unwrap();
/// # });
/// ```
///
/// # Panics
///
/// If `capacity` is 0 (use a [`oneshot`](crate::oneshot) or `Notify` to hand over without a
/// buffer) or exceeds [`Semaphore::MAX_PERMITS`](crate::Semaphore::MAX_PERMITS).
#[track_caller]
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(
        capacity > 0,
        "mpsc::channel needs a capacity of at least 1; for a rendezvous use a oneshot channel"
    );
    assert!(
        capacity <= crate::Semaphore::MAX_PERMITS,
        "mpsc::channel capacity {capacity} exceeds the maximum of {}",
        crate::Semaphore::MAX_PERMITS
    );
    let (tx, rx) = chan::channel(Some(capacity));
    (Sender { chan: tx }, Receiver { rx })
}

/// Sends values to a bounded [`Receiver`]; clone it for more producers.
pub struct Sender<T> {
    chan: Tx<T>,
}

/// Receives the values of a bounded channel.
pub struct Receiver<T> {
    rx: Rx<T>,
}

fn sem<T>(chan: &Chan<T>) -> &RawSemaphore<DeferredCell> {
    &chan
        .sem
        .as_ref()
        .expect("bounded channel has a semaphore")
        .0
}

impl<T> Sender<T> {
    /// Sends a value, waiting while the channel is full.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if the receiver is closed or dropped.
    ///
    /// # Cancel safety
    ///
    /// If the future is dropped before it completes, the value was not sent, and it is dropped
    /// with the future. To keep the value across cancellation (in `select!`), wait with
    /// [`reserve`](Self::reserve) and send with the permit. The place in the queue of waiting
    /// senders is given up.
    #[track_caller]
    pub fn send(
        &self,
        value: T,
    ) -> impl std::future::Future<Output = Result<(), SendError<T>>> + '_ {
        weft_core::task::wait_on(weft_core::task::Resource::Send, async move {
            match sem(&self.chan).acquire(1).await {
                Ok(()) => self.chan.push(value, true).map_err(|v| {
                    sem(&self.chan).release(1);
                    SendError(v)
                }),
                Err(_) => Err(SendError(value)),
            }
        })
    }

    /// Sends a value if there is room right now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`], with the value.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match sem(&self.chan).try_acquire(1) {
            Ok(()) => self.chan.push(value, true).map_err(|v| {
                sem(&self.chan).release(1);
                TrySendError::Closed(v)
            }),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(value)),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(value)),
        }
    }

    /// Blocks the current thread until the value is sent (for synchronous code outside any
    /// executor).
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    ///
    /// # Panics
    ///
    /// On a thread that runs a weft runtime's tasks (a worker, or inside `block_on`), where
    /// blocking would stall them: `.await` the async method there, or call this from
    /// `spawn_blocking`.
    #[track_caller]
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        crate::util::block_on("mpsc::Sender::blocking_send", self.send(value))
    }

    /// Waits for a free slot and reserves it.
    ///
    /// # Errors
    ///
    /// [`SendError`] if the receiver is closed or dropped.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: nothing is lost if the future is dropped (only its place in the queue).
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let (tx, mut rx) = weft_sync::mpsc::channel(1);
    /// let permit = tx.reserve().await.unwrap();
    /// assert!(tx.try_send(9).is_err()); // the slot is reserved
    /// permit.send(1);
    /// assert_eq!(rx.recv().await, Some(1));
    /// # });
    /// ```
    pub async fn reserve(&self) -> Result<Permit<'_, T>, SendError<()>> {
        match sem(&self.chan).acquire(1).await {
            Ok(()) => Ok(Permit { chan: &self.chan }),
            Err(_) => Err(SendError(())),
        }
    }

    /// Reserves a slot if one is free right now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`].
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        match sem(&self.chan).try_acquire(1) {
            Ok(()) => Ok(Permit { chan: &self.chan }),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(())),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(())),
        }
    }

    /// Waits for a free slot, returning a permit that owns the sender (`'static`).
    ///
    /// # Errors
    ///
    /// [`SendError`] with the sender if the receiver is closed or dropped.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, except that the sender moved into the future is dropped with it.
    pub async fn reserve_owned(self) -> Result<OwnedPermit<T>, SendError<Self>> {
        match sem(&self.chan).acquire(1).await {
            Ok(()) => Ok(OwnedPermit { sender: Some(self) }),
            Err(_) => Err(SendError(self)),
        }
    }

    /// Reserves a slot (owned) if one is free right now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`], with the sender.
    pub fn try_reserve_owned(self) -> Result<OwnedPermit<T>, TrySendError<Self>> {
        match sem(&self.chan).try_acquire(1) {
            Ok(()) => Ok(OwnedPermit { sender: Some(self) }),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(self)),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(self)),
        }
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

    /// The number of free slots right now.
    pub fn capacity(&self) -> usize {
        sem(&self.chan).available_permits()
    }

    /// The capacity the channel was created with.
    pub fn max_capacity(&self) -> usize {
        self.chan.sem.as_ref().map_or(0, |(_, cap)| *cap)
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
    /// `Sender` while some sender is alive.
    pub fn downgrade(&self) -> WeakSender<T> {
        WeakSender {
            chan: self.chan.downgrade(),
        }
    }
}

/// A sender that does not keep the channel open (see [`Sender::downgrade`]).
pub struct WeakSender<T> {
    chan: WeakTx<T>,
}

impl<T> WeakSender<T> {
    /// A `Sender` again, or `None` if every sender is gone.
    pub fn upgrade(&self) -> Option<Sender<T>> {
        self.chan.upgrade().map(|chan| Sender { chan })
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        WeakSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("WeakSender").field(&self.chan).finish()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Sender").field(&self.chan).finish()
    }
}

/// One reserved slot of a bounded channel: [`send`](Self::send) never waits and never fails.
/// Dropping it unused frees the slot.
#[must_use = "the slot is freed as soon as the permit is dropped"]
pub struct Permit<'a, T> {
    chan: &'a Chan<T>,
}

impl<T> Permit<'_, T> {
    /// Sends `value` into the reserved slot. If the receiver was dropped meanwhile, the value is
    /// dropped.
    pub fn send(self, value: T) {
        let chan = self.chan;
        std::mem::forget(self);
        if chan.push(value, true).is_err() {
            sem(chan).release(1);
        }
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        sem(self.chan).release(1);
        self.chan.wake_rx_if_closed();
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Permit { .. }")
    }
}

/// One reserved slot that owns its [`Sender`].
#[must_use = "the slot is freed as soon as the permit is dropped"]
pub struct OwnedPermit<T> {
    sender: Option<Sender<T>>,
}

impl<T> OwnedPermit<T> {
    /// Sends `value` into the reserved slot and gives the sender back.
    pub fn send(mut self, value: T) -> Sender<T> {
        let sender = self.sender.take().expect("OwnedPermit holds its sender");
        if sender.chan.push(value, true).is_err() {
            sem(&sender.chan).release(1);
        }
        sender
    }

    /// Gives the slot back unused and returns the sender.
    pub fn release(mut self) -> Sender<T> {
        let sender = self.sender.take().expect("OwnedPermit holds its sender");
        sem(&sender.chan).release(1);
        sender.chan.wake_rx_if_closed();
        sender
    }
}

impl<T> Drop for OwnedPermit<T> {
    fn drop(&mut self) {
        if let Some(sender) = self.sender.take() {
            sem(&sender.chan).release(1);
            sender.chan.wake_rx_if_closed();
        }
    }
}

impl<T> fmt::Debug for OwnedPermit<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OwnedPermit { .. }")
    }
}

impl<T> Receiver<T> {
    /// Receives the next value; `None` once every sender is gone (or the channel was closed and
    /// no permit is outstanding) and the buffer is drained.
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
        crate::util::block_on("mpsc::Receiver::blocking_recv", self.recv())
    }

    /// Closes the channel: new sends and reservations fail; buffered values, and values sent
    /// through permits taken before the close, can still be received.
    pub fn close(&mut self) {
        self.rx.close();
    }

    /// Whether the channel is closed.
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

    /// The number of free slots right now.
    pub fn capacity(&self) -> usize {
        sem(&self.rx.chan).available_permits()
    }

    /// The capacity the channel was created with.
    pub fn max_capacity(&self) -> usize {
        self.rx.chan.sem.as_ref().map_or(0, |(_, cap)| *cap)
    }

    /// The number of live senders.
    pub fn sender_strong_count(&self) -> usize {
        self.rx.chan.sender_count()
    }
}

impl<T> futures_core::Stream for Receiver<T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.rx.poll_recv(cx)
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Receiver").field(&self.rx).finish()
    }
}

//! A multi-producer, multi-consumer channel where every receiver sees every value.
//!
//! [`channel(cap)`](channel) keeps the last `cap` values in a ring. [`Sender::send`] never waits:
//! when the ring is full it overwrites the oldest value. A receiver that falls more than `cap`
//! values behind gets [`RecvError::Lagged(n)`](RecvError::Lagged) once (n = values it missed) and
//! then continues from the oldest value still kept. Values are `Clone`d to each receiver; the last
//! receiver to read a value gets it moved out instead.
//!
//! The ring sits behind one lock (a send is a slot write; a receive is a clone under the lock), so
//! keep `T` cheap to clone (an `Arc` for large values).
//!
//! # Examples
//!
//! ```
//! use weft_sync::broadcast::{self, error::RecvError};
//!
//! # futures_executor::block_on(async {
//! let (tx, mut a) = broadcast::channel(2);
//! let mut b = tx.subscribe();
//! tx.send(1).unwrap();
//! assert_eq!(a.recv().await, Ok(1));
//! assert_eq!(b.recv().await, Ok(1));
//!
//! // `a` falls behind by one value more than the ring holds.
//! for v in 2..=4 {
//!     tx.send(v).unwrap();
//! }
//! assert_eq!(a.recv().await, Err(RecvError::Lagged(1)));
//! assert_eq!(a.recv().await, Ok(3));
//! drop(tx);
//! assert_eq!(a.recv().await, Ok(4));
//! assert_eq!(a.recv().await, Err(RecvError::Closed));
//! # });
//! ```

use std::fmt;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

use weft_core::coop;
use weft_core::loom::sync::Arc;
use weft_core::loom::sync::Mutex;

use crate::notify::Notify;
use crate::util::wait_list::WaitList;
use crate::util::wake_list::WakeList;

/// Errors of the broadcast channel.
pub mod error {
    use std::fmt;

    crate::util::send_error! {
        /// Every receiver is gone; the value that could not be sent is `.0`.
        "broadcast channel has no receivers"
    }

    /// Why [`recv`](super::Receiver::recv) returned no value.
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub enum RecvError {
        /// Every sender is gone and this receiver has seen every value.
        Closed,
        /// This receiver fell behind and missed this many values; the next receive continues
        /// with the oldest value still kept.
        Lagged(u64),
    }

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                RecvError::Closed => f.write_str("broadcast channel closed"),
                RecvError::Lagged(n) => write!(f, "broadcast receiver lagged by {n} values"),
            }
        }
    }

    impl std::error::Error for RecvError {}

    /// Why [`try_recv`](super::Receiver::try_recv) returned no value.
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub enum TryRecvError {
        /// No new value right now.
        Empty,
        /// Every sender is gone and this receiver has seen every value.
        Closed,
        /// This receiver missed this many values (see [`RecvError::Lagged`]).
        Lagged(u64),
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("broadcast channel empty"),
                TryRecvError::Closed => f.write_str("broadcast channel closed"),
                TryRecvError::Lagged(n) => write!(f, "broadcast receiver lagged by {n} values"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use self::error::{RecvError, SendError, TryRecvError};

/// Creates a broadcast channel keeping the last `capacity` values.
///
/// # Panics
///
/// If `capacity` is 0.
#[track_caller]
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(
        capacity > 0,
        "broadcast::channel needs a capacity of at least 1"
    );
    let buf = (0..capacity)
        .map(|_| Slot {
            pos: 0,
            rem: 0,
            val: None,
        })
        .collect();
    let shared = Arc::new(Shared {
        tail: Mutex::new(Tail {
            buf,
            pos: 0,
            rx_count: 1,
            tx_count: 1,
            closed: false,
            waiters: WaitList::new(),
        }),
        cap: capacity as u64,
        no_receivers: Notify::new(),
    });
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver {
            shared,
            next: 0,
            waiter: None,
        },
    )
}

struct Slot<T> {
    /// The position of the value in this slot.
    pos: u64,
    /// Receivers that have not read it yet.
    rem: usize,
    val: Option<T>,
}

/// # Invariants
///
/// For each kept position `p` in `pos - min(pos, cap) .. pos`, `buf[p % cap].pos == p` and its
/// `rem` counts the live receivers with `next <= p`; `val` is `None` once `rem` is 0.
struct Tail<T> {
    buf: Box<[Slot<T>]>,
    /// The position the next value gets.
    pos: u64,
    rx_count: usize,
    tx_count: usize,
    /// Every sender is gone.
    closed: bool,
    /// Receivers waiting for a value (one entry per waiting receiver).
    waiters: WaitList<Option<Waker>>,
}

struct Shared<T> {
    tail: Mutex<Tail<T>>,
    cap: u64,
    no_receivers: Notify,
}

impl<T> Shared<T> {
    fn wake_all(tail: &mut Tail<T>) -> WakeList {
        let mut wakers = WakeList::new();
        while let Some(key) = tail.waiters.pop_front() {
            if let Some(w) = tail.waiters.get_mut(key).take() {
                wakers.push(w);
            }
        }
        wakers
    }
}

/// Sends values to every [`Receiver`]; clone it for more producers.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// Receives every value sent after it subscribed.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The position of the next value to read.
    next: u64,
    /// Our entry in the waiter list while a receive waits. One entry per `Receiver` is
    /// enough: `recv` takes `&mut self`, so one task at a time waits through it; every receiver
    /// (each clone, each `subscribe`) has its own entry in the shared list.
    waiter: Option<usize>,
}

impl<T> Sender<T> {
    /// Sends a value to every current receiver, without waiting. Returns how many receivers
    /// will see it.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if there is no receiver.
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let (old, wakers, n) = {
            let mut tail = self.shared.tail.lock();
            if tail.rx_count == 0 {
                return Err(SendError(value));
            }
            let pos = tail.pos;
            let rx = tail.rx_count;
            let idx = (pos % self.shared.cap) as usize;
            let slot = &mut tail.buf[idx];
            let old = slot.val.replace(value);
            slot.pos = pos;
            slot.rem = rx;
            tail.pos += 1;
            (old, Shared::wake_all(&mut tail), rx)
        };
        drop(old);
        wakers.wake_all();
        Ok(n)
    }

    /// A new receiver that sees the values sent from now on.
    pub fn subscribe(&self) -> Receiver<T> {
        subscribe(&self.shared)
    }

    /// The number of live receivers.
    pub fn receiver_count(&self) -> usize {
        self.shared.tail.lock().rx_count
    }

    /// The number of live senders.
    pub fn strong_count(&self) -> usize {
        self.shared.tail.lock().tx_count
    }

    /// Whether both senders feed the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Waits until every receiver is dropped.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn closed(&self) {
        loop {
            let notified = self.shared.no_receivers.notified_untracked();
            if self.receiver_count() == 0 {
                return;
            }
            notified.await;
        }
    }
}

fn subscribe<T>(shared: &Arc<Shared<T>>) -> Receiver<T> {
    let mut tail = shared.tail.lock();
    tail.rx_count += 1;
    Receiver {
        shared: shared.clone(),
        next: tail.pos,
        waiter: None,
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.tail.lock().tx_count += 1;
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let wakers = {
            let mut tail = self.shared.tail.lock();
            tail.tx_count -= 1;
            if tail.tx_count > 0 {
                return;
            }
            tail.closed = true;
            Shared::wake_all(&mut tail)
        };
        wakers.wake_all();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Sender")
            .field("capacity", &self.shared.cap)
            .finish()
    }
}

impl<T: Clone> Receiver<T> {
    fn try_recv_locked(&mut self, tail: &mut Tail<T>) -> Result<T, TryRecvError> {
        if self.next >= tail.pos {
            return Err(if tail.closed {
                TryRecvError::Closed
            } else {
                TryRecvError::Empty
            });
        }
        let oldest = tail.pos.saturating_sub(self.shared.cap);
        if self.next < oldest {
            let missed = oldest - self.next;
            self.next = oldest;
            return Err(TryRecvError::Lagged(missed));
        }
        let slot = &mut tail.buf[(self.next % self.shared.cap) as usize];
        debug_assert_eq!(slot.pos, self.next, "broadcast ring out of step");
        self.next += 1;
        slot.rem -= 1;
        let v = if slot.rem == 0 {
            slot.val.take()
        } else {
            slot.val.clone()
        };
        Ok(v.expect("broadcast slot read by more receivers than it was sent to"))
    }

    /// Takes the next value without waiting.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`], [`TryRecvError::Closed`] or [`TryRecvError::Lagged`].
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let shared = self.shared.clone();
        let mut tail = shared.tail.lock();
        self.try_recv_locked(&mut tail)
    }

    /// Polls for the next value (the `Stream` and hand-written-future form of `recv`).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        let coop = ready!(coop::poll_proceed(cx));
        let shared = self.shared.clone();
        let mut tail = shared.tail.lock();
        if let Some(key) = self.waiter {
            if !tail.waiters.is_linked(key) {
                tail.waiters.remove(key);
                self.waiter = None;
            }
        }
        let r = match self.try_recv_locked(&mut tail) {
            Ok(v) => Ok(v),
            Err(TryRecvError::Closed) => Err(RecvError::Closed),
            Err(TryRecvError::Lagged(n)) => Err(RecvError::Lagged(n)),
            Err(TryRecvError::Empty) => {
                match self.waiter {
                    Some(key) => {
                        let slot = tail.waiters.get_mut(key);
                        match slot {
                            Some(w) if w.will_wake(cx.waker()) => {}
                            _ => *slot = Some(cx.waker().clone()),
                        }
                    }
                    None => self.waiter = Some(tail.waiters.push_back(Some(cx.waker().clone()))),
                }
                return Poll::Pending;
            }
        };
        if let Some(key) = self.waiter.take() {
            tail.waiters.remove(key);
        }
        drop(tail);
        coop.made_progress();
        Poll::Ready(r)
    }

    /// Receives the next value.
    ///
    /// # Errors
    ///
    /// [`RecvError::Lagged`] if values were missed (the next call continues), and
    /// [`RecvError::Closed`] once every sender is gone and every value was seen.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a value is consumed only when `recv` returns it.
    #[track_caller]
    pub fn recv(&mut self) -> impl std::future::Future<Output = Result<T, RecvError>> + '_ {
        weft_core::task::wait_on(weft_core::task::Resource::BroadcastRecv, async move {
            std::future::poll_fn(|cx| self.poll_recv(cx)).await
        })
    }

    /// Blocks the current thread for the next value (for synchronous code outside any executor).
    ///
    /// # Errors
    ///
    /// As [`recv`](Self::recv).
    ///
    /// # Panics
    ///
    /// On a thread that runs a weft runtime's tasks (a worker, or inside `block_on`), where
    /// blocking would stall them: `.await` the async method there, or call this from
    /// `spawn_blocking`.
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Result<T, RecvError> {
        crate::util::block_on("broadcast::Receiver::blocking_recv", self.recv())
    }
}

impl<T> Receiver<T> {
    /// A new receiver on the same channel that sees the values sent from now on.
    pub fn resubscribe(&self) -> Receiver<T> {
        subscribe(&self.shared)
    }

    /// How many values this receiver has not read yet (including ones it will find lagged).
    pub fn len(&self) -> usize {
        let tail = self.shared.tail.lock();
        (tail.pos - self.next) as usize
    }

    /// Whether this receiver has read every value sent so far.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether every sender is gone.
    pub fn is_closed(&self) -> bool {
        self.shared.tail.lock().closed
    }

    /// The number of live senders.
    pub fn sender_strong_count(&self) -> usize {
        self.shared.tail.lock().tx_count
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut dropped = Vec::new();
        let last = {
            let mut tail = self.shared.tail.lock();
            if let Some(key) = self.waiter.take() {
                tail.waiters.remove(key);
            }
            tail.rx_count -= 1;
            let oldest = tail.pos.saturating_sub(self.shared.cap);
            for p in self.next.max(oldest)..tail.pos {
                let slot = &mut tail.buf[(p % self.shared.cap) as usize];
                slot.rem -= 1;
                if slot.rem == 0 {
                    dropped.extend(slot.val.take());
                }
            }
            tail.rx_count == 0
        };
        drop(dropped);
        if last {
            self.shared.no_receivers.notify_waiters();
        }
    }
}

// A receiver never pins a value.
impl<T> Unpin for Receiver<T> {}

/// A receiver is a stream of `Result<T, RecvError>` that ends when the channel closes: the only
/// error it yields is [`RecvError::Lagged`], after which it continues.
impl<T: Clone> futures_core::Stream for Receiver<T> {
    type Item = Result<T, RecvError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match ready!(self.get_mut().poll_recv(cx)) {
            Err(RecvError::Closed) => Poll::Ready(None),
            r => Poll::Ready(Some(r)),
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Receiver")
            .field("next", &self.next)
            .finish()
    }
}

//! A channel for sending exactly one value between tasks.
//!
//! [`channel`] returns a [`Sender`] and a [`Receiver`]. [`Sender::send`] is synchronous and
//! consumes the sender; the [`Receiver`] is itself a future resolving to the value, or to
//! [`error::RecvError`] if the sender was dropped without sending. This answers a single-use
//! asyncio `Future` whose result is set from elsewhere.
//!
//! The hot path takes no lock: one state word, one value cell and two atomic waker cells
//! (the receiver's, and the sender's for [`Sender::closed`]).
//!
//! # Examples
//!
//! ```
//! use weft_sync::oneshot;
//!
//! # futures_executor::block_on(async {
//! let (tx, rx) = oneshot::channel();
//! std::thread::spawn(move || tx.send(7).unwrap());
//! assert_eq!(rx.await, Ok(7));
//!
//! let (tx, rx) = oneshot::channel::<u8>();
//! drop(tx);
//! assert!(rx.await.is_err());
//! # });
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use weft_core::coop;
use weft_core::loom::cell::UnsafeCell;
use weft_core::loom::sync::atomic::{AtomicUsize, Ordering::*};
use weft_core::loom::sync::Arc;
use weft_core::task::AtomicWaker;

/// Errors of the oneshot channel.
pub mod error {
    use std::fmt;

    /// The sender was dropped without sending (or the receiver closed the channel first).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct RecvError(pub(crate) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("oneshot channel closed: the sender was dropped without sending")
        }
    }

    impl std::error::Error for RecvError {}

    /// Why [`Receiver::try_recv`](super::Receiver::try_recv) returned no value.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum TryRecvError {
        /// No value yet; the sender is still alive.
        Empty,
        /// The sender was dropped without sending, or the value was already received.
        Closed,
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("oneshot channel empty"),
                TryRecvError::Closed => f.write_str("oneshot channel closed"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use self::error::{RecvError, TryRecvError};

/// The sender finished: a value was stored or the sender was dropped.
const COMPLETE: usize = 0b001;
/// A value is stored in the cell (set together with `COMPLETE`).
const VALUE: usize = 0b010;
/// The receiver was dropped or closed: no value will ever be read that is sent from now on.
const RX_CLOSED: usize = 0b100;
/// The receiver registered a waker: completing must wake it. (Set after registering, so a
/// sender that sees it finds the waker; a receiver whose set finds `COMPLETE` returns at once.
/// Without it, the uncontended send skips the waker cell entirely.)
const RX_WAITING: usize = 0b1000;
/// The sender registered a waker in `poll_closed`: closing must wake it.
const TX_WAITING: usize = 0b1_0000;

/// Creates a oneshot channel.
///
/// # Examples
///
/// ```
/// let (tx, rx) = weft_sync::oneshot::channel();
/// tx.send("done").unwrap();
/// assert_eq!(futures_executor::block_on(rx), Ok("done"));
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Inner {
        state: AtomicUsize::new(0),
        value: UnsafeCell::new(None),
        rx_waker: AtomicWaker::new(),
        tx_waker: AtomicWaker::new(),
    });
    (
        Sender {
            inner: Some(inner.clone()),
        },
        Receiver { inner: Some(inner) },
    )
}

/// The shared cell.
///
/// # Invariants
///
/// `value` is written only by the sender, before it sets `COMPLETE | VALUE` (release) and only if
/// `RX_CLOSED` was not set; once `VALUE` is set, only the receiver (after an acquire load seeing
/// `VALUE`) or the destructor touches it. If the sender finds `RX_CLOSED` it takes its value back
/// before publishing anything.
struct Inner<T> {
    state: AtomicUsize,
    value: UnsafeCell<Option<T>>,
    /// The receiving task. One slot is enough: the `Receiver` is not `Clone` and is polled
    /// through `Pin<&mut Receiver>`, so one task waits here.
    rx_waker: AtomicWaker,
    /// The task in `Sender::closed`. One slot is enough: `closed` and `poll_closed` take
    /// `&mut self` on a `Sender` that is not `Clone`.
    tx_waker: AtomicWaker,
}

// SAFETY: the value cell is handed from the sender to the receiver through the state word
// (type invariant), so sharing `Inner` across threads moves a `T` between threads: T: Send.
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as above; no `&T` is ever shared between the two sides.
unsafe impl<T: Send> Sync for Inner<T> {}

impl<T> Inner<T> {
    /// Takes the stored value. Call only after observing `VALUE` with an acquire load, on the
    /// receiving side.
    fn take_value(&self) -> Option<T> {
        // SAFETY: `VALUE` was observed (acquire), so the sender is done with the cell and only
        // the receiver, which is us (&mut Receiver), touches it (type invariant).
        self.value.with_mut(|p| unsafe { (*p).take() })
    }
}

/// Sends the one value of a oneshot channel.
///
/// Dropping it without sending makes the receiver resolve to [`RecvError`].
pub struct Sender<T> {
    inner: Option<Arc<Inner<T>>>,
}

/// Receives the one value of a oneshot channel: await it.
///
/// Resolves to `Ok(value)`, or `Err(RecvError)` when the sender was dropped without sending.
///
/// # Panics
///
/// Polling it again after it resolved panics (it is a `FusedFuture`: `select!` skips it).
///
/// # Cancel safety
///
/// Dropping the receiver before it resolves drops the value if one was sent; nothing else is lost.
/// Polling it in a `select!` loop by `&mut` reference is fine: a value is taken only when it is
/// returned.
pub struct Receiver<T> {
    inner: Option<Arc<Inner<T>>>,
}

impl<T> Sender<T> {
    /// Sends `value`, consuming the sender.
    ///
    /// # Errors
    ///
    /// Returns the value back in `Err` if the receiver was dropped or closed first.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = weft_sync::oneshot::channel();
    /// drop(rx);
    /// assert_eq!(tx.send(3), Err(3));
    /// ```
    ///
    /// `send` consumes the sender, so a second value cannot be sent:
    ///
    /// ```compile_fail
    /// let (tx, _rx) = weft_sync::oneshot::channel::<u8>();
    /// let _ = tx.send(1);
    /// let _ = tx.send(2); // error: use of moved value `tx`
    /// ```
    pub fn send(mut self, value: T) -> Result<(), T> {
        let inner = self.inner.take().expect("oneshot sender used after send");
        let mut state = inner.state.load(Acquire);
        if state & RX_CLOSED != 0 {
            return Err(value);
        }
        // SAFETY: COMPLETE is not set and we are the only sender, so the cell is ours until we
        // publish VALUE (type invariant).
        inner.value.with_mut(|p| unsafe { *p = Some(value) });
        loop {
            if state & RX_CLOSED != 0 {
                // SAFETY: we never published VALUE, so the cell is still ours.
                let v = inner.value.with_mut(|p| unsafe { (*p).take() });
                // Mark the sender done so a receiver polling after `close` gets Closed.
                inner.state.fetch_or(COMPLETE, Release);
                return Err(v.expect("oneshot value vanished before publication"));
            }
            match inner.state.compare_exchange_weak(
                state,
                state | COMPLETE | VALUE,
                AcqRel,
                Acquire,
            ) {
                Ok(_) => break,
                Err(actual) => state = actual,
            }
        }
        if state & RX_WAITING != 0 {
            inner.rx_waker.wake();
        }
        Ok(())
    }

    /// Whether the receiver was dropped or closed (a `send` now fails).
    pub fn is_closed(&self) -> bool {
        self.inner
            .as_ref()
            .is_some_and(|i| i.state.load(Acquire) & RX_CLOSED != 0)
    }

    /// Polls for the receiver being dropped or closed. See [`closed`](Self::closed).
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let inner = self.inner.as_ref().expect("oneshot sender used after send");
        if inner.state.load(Acquire) & RX_CLOSED != 0 {
            return Poll::Ready(());
        }
        inner.tx_waker.register(cx.waker());
        if inner.state.fetch_or(TX_WAITING, AcqRel) & RX_CLOSED != 0 {
            return Poll::Ready(());
        }
        Poll::Pending
    }

    /// Waits until the receiver is dropped or closed: a way to stop computing a value nobody wants.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let (mut tx, rx) = weft_sync::oneshot::channel::<u32>();
    /// drop(rx);
    /// tx.closed().await;
    /// assert!(tx.is_closed());
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn closed(&mut self) {
        std::future::poll_fn(|cx| self.poll_closed(cx)).await
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            if inner.state.fetch_or(COMPLETE, AcqRel) & RX_WAITING != 0 {
                inner.rx_waker.wake();
            }
        }
    }
}

impl<T> Receiver<T> {
    /// Closes the channel without dropping the receiver: a later `send` fails, and a value
    /// sent before this call can still be received with [`try_recv`](Self::try_recv) or by
    /// awaiting.
    pub fn close(&mut self) {
        if let Some(inner) = &self.inner {
            let prev = inner.state.fetch_or(RX_CLOSED, AcqRel);
            if prev & (RX_CLOSED | TX_WAITING) == TX_WAITING {
                inner.tx_waker.wake();
            }
        }
    }

    /// Whether the receiver has resolved (returned the value or the error, by `await` or
    /// [`try_recv`](Self::try_recv)) and must not be polled again.
    pub fn is_terminated(&self) -> bool {
        self.inner.is_none()
    }

    /// Whether a value is waiting to be received.
    pub fn is_empty(&self) -> bool {
        self.inner
            .as_ref()
            .is_none_or(|i| i.state.load(Acquire) & VALUE == 0)
    }

    /// Takes the value if it was sent, without waiting.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if nothing was sent yet; [`TryRecvError::Closed`] if the sender
    /// was dropped without sending, the receiver was closed before a send, or the value was
    /// already received.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft_sync::oneshot::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let Some(inner) = &self.inner else {
            return Err(TryRecvError::Closed);
        };
        let state = inner.state.load(Acquire);
        if state & VALUE != 0 {
            let v = inner.take_value();
            self.inner = None;
            v.ok_or(TryRecvError::Closed)
        } else if state & (COMPLETE | RX_CLOSED) != 0 {
            self.inner = None;
            Err(TryRecvError::Closed)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    /// Blocks the current thread until the value arrives (for synchronous code outside any
    /// executor).
    ///
    /// # Errors
    ///
    /// [`RecvError`] if the sender was dropped without sending.
    ///
    /// # Panics
    ///
    /// On a thread that runs a weft runtime's tasks (a worker, or inside `block_on`), where
    /// blocking would stall them: `.await` the async method there, or call this from
    /// `spawn_blocking`.
    #[track_caller]
    pub fn blocking_recv(self) -> Result<T, RecvError> {
        crate::util::block_on("oneshot::Receiver::blocking_recv", self)
    }

    fn finish(&mut self, state: usize) -> Poll<Result<T, RecvError>> {
        let inner = self.inner.take().expect("checked by caller");
        if state & VALUE != 0 {
            Poll::Ready(inner.take_value().ok_or(RecvError(())))
        } else {
            Poll::Ready(Err(RecvError(())))
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    // `#[track_caller]`: `.await` passes its line, which a task dump shows as what the task waits
    // on.
    #[track_caller]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let Some(inner) = &this.inner else {
            panic!("oneshot::Receiver polled after it resolved: await it only once");
        };
        let coop = ready!(coop::poll_proceed(cx));
        let state = inner.state.load(Acquire);
        if state & (COMPLETE | VALUE | RX_CLOSED) != 0 {
            coop.made_progress();
            return this.finish(state);
        }
        inner.rx_waker.register(cx.waker());
        let state = inner.state.fetch_or(RX_WAITING, AcqRel);
        if state & (COMPLETE | VALUE | RX_CLOSED) != 0 {
            coop.made_progress();
            return this.finish(state);
        }
        weft_core::task::record_wait(
            weft_core::task::Resource::OneshotRecv,
            std::panic::Location::caller(),
        );
        Poll::Pending
    }
}

/// For `futures::select!`: a resolved receiver reports itself terminated and is skipped.
impl<T> futures_core::FusedFuture for Receiver<T> {
    fn is_terminated(&self) -> bool {
        self.inner.is_none()
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            let prev = inner.state.fetch_or(RX_CLOSED, AcqRel);
            if prev & (RX_CLOSED | TX_WAITING) == TX_WAITING {
                inner.tx_waker.wake();
            }
            // A value sent but never received is dropped with `Inner` by whichever side is last.
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("oneshot::Sender")
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("oneshot::Receiver")
            .field("terminated", &self.is_terminated())
            .finish()
    }
}

//! The queue shared by the bounded and unbounded channels.
//!
//! ```text
//!   senders --push--> Mutex<Shared { queue, rx_waker, tx_closed, rx_closed }> --swap--> Receiver.local
//!       \-- bounded: one semaphore permit per value; the receiver releases it on each receive,
//!           through the semaphore's deferred word (a line of its own: see `batch_semaphore`)
//! ```
//!
//! A send is one short lock: push, take the receiver's waker (if it is waiting), unlock, wake.
//! The receiver drains in batches: when its private `local` buffer is empty it swaps it with the
//! shared queue under the lock, so most receives touch no lock at all.
//!
//! Both flavours wrap the same handles: [`Tx`] (a counted sender), [`WeakTx`] and [`Rx`]; the
//! bounded one adds the semaphore on top.

use std::collections::VecDeque;
use std::fmt;
use std::mem;
use std::ops::Deref;
use std::task::{ready, Context, Poll, Waker};

use weft_core::coop;
use weft_core::loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::*};
use weft_core::loom::sync::Arc;
use weft_core::loom::sync::Mutex;

use crate::batch_semaphore::{DeferredCell, RawSemaphore};
use crate::notify::Notify;

use super::error::TryRecvError;

pub(crate) struct Shared<T> {
    queue: VecDeque<T>,
    /// The receiving task. One slot is enough: there is one `Rx`, and every receive takes
    /// `&mut self`, so one task waits here. (Senders waiting for room wait in the semaphore's
    /// list, senders in `closed` in `closed_notify`: both keep every waiter.)
    rx_waker: Option<Waker>,
    /// Every sender is gone.
    tx_closed: bool,
    /// The receiver closed the channel (`close`) or was dropped.
    rx_closed: bool,
    /// The receiver was dropped: values sent now are dropped at once.
    rx_dropped: bool,
}

pub(crate) struct Chan<T> {
    shared: Mutex<Shared<T>>,
    /// Free slots of a bounded channel (`None`: unbounded).
    pub(crate) sem: Option<(RawSemaphore<DeferredCell>, usize)>,
    /// Live senders; only `Tx` (clone, drop) and `WeakTx::upgrade` change it.
    tx_count: AtomicUsize,
    /// Live weak senders; only `WeakTx` (and `Tx::downgrade`) change it.
    weak_count: AtomicUsize,
    rx_closed: AtomicBool,
    /// Woken (all) when the receiver closes, for `Sender::closed`.
    closed_notify: Notify,
}

/// Creates a channel (`bound`: the capacity of a bounded one) with its first sender and its
/// receiver.
pub(crate) fn channel<T>(bound: Option<usize>) -> (Tx<T>, Rx<T>) {
    let chan = Arc::new(Chan {
        shared: Mutex::new(Shared {
            queue: VecDeque::new(),
            rx_waker: None,
            tx_closed: false,
            rx_closed: false,
            rx_dropped: false,
        }),
        sem: bound.map(|cap| (RawSemaphore::new(cap), cap)),
        tx_count: AtomicUsize::new(1),
        weak_count: AtomicUsize::new(0),
        rx_closed: AtomicBool::new(false),
        closed_notify: Notify::new(),
    });
    (
        Tx { chan: chan.clone() },
        Rx {
            chan,
            local: VecDeque::new(),
        },
    )
}

impl<T> Chan<T> {
    /// Pushes a value. For a bounded channel the caller holds one permit, which the value now
    /// carries (the receiver releases it).
    ///
    /// # Errors
    ///
    /// Gives the value back if the receiver closed the channel (unbounded: the caller checks
    /// nothing else; bounded: permits obtained before `close` may still send, so `force` is set).
    pub(crate) fn push(&self, value: T, force: bool) -> Result<(), T> {
        let mut shared = self.shared.lock();
        if shared.rx_dropped || (shared.rx_closed && !force) {
            drop(shared);
            return Err(value);
        }
        shared.queue.push_back(value);
        let waker = shared.rx_waker.take();
        drop(shared);
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    pub(crate) fn sender_count(&self) -> usize {
        self.tx_count.load(Acquire)
    }

    pub(crate) fn weak_count(&self) -> usize {
        self.weak_count.load(Acquire)
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.rx_closed.load(Acquire)
    }

    /// Waits until the receiver closes the channel or is dropped (`Sender::closed`).
    pub(crate) async fn closed(&self) {
        loop {
            let notified = self.closed_notify.notified_untracked();
            if self.is_closed() {
                return;
            }
            notified.await;
        }
    }

    /// Receiver-side close: no new sends (bounded: no new permits); buffered values stay.
    pub(crate) fn close(&self) {
        {
            let mut shared = self.shared.lock();
            shared.rx_closed = true;
        }
        self.rx_closed.store(true, Release);
        if let Some((sem, _)) = &self.sem {
            sem.close();
        }
        self.closed_notify.notify_waiters();
    }

    /// Wakes the receiver if it is closed (a bounded permit was given back unused: after `close`,
    /// the receiver may be waiting for the last outstanding permit before it reports the end).
    ///
    /// The check is made under the shared lock, not on the `rx_closed` atomic: the receiver checks
    /// "closed and no permit out" under that lock, and an atomic flag read here could miss a close
    /// racing with the permit release (the store-buffer pattern). Unused permits are rare, so the
    /// lock costs nothing on the hot path.
    pub(crate) fn wake_rx_if_closed(&self) {
        let waker = {
            let mut shared = self.shared.lock();
            if !shared.rx_closed {
                return;
            }
            shared.rx_waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// The receiver's release of the permits of `n` received values.
    fn release_received(&self, n: usize) {
        if let Some((sem, _)) = &self.sem {
            sem.release_deferred(n);
        }
    }

    /// Whether no permit of a bounded channel is out (always true for unbounded).
    fn permits_idle(&self) -> bool {
        match &self.sem {
            Some((sem, cap)) => sem.available_permits() == *cap,
            None => true,
        }
    }
}

impl<T> fmt::Debug for Chan<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chan")
            .field("senders", &self.sender_count())
            .field("closed", &self.is_closed())
            .field("bound", &self.sem.as_ref().map(|(_, c)| *c))
            .finish()
    }
}

/// The sending half shared by both flavours: one counted sender. Cloning adds a sender; dropping
/// removes one, and the last one closes the sending side.
pub(crate) struct Tx<T> {
    chan: Arc<Chan<T>>,
}

impl<T> Tx<T> {
    pub(crate) fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    pub(crate) fn downgrade(&self) -> WeakTx<T> {
        self.chan.weak_count.fetch_add(1, Relaxed);
        WeakTx {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Deref for Tx<T> {
    type Target = Chan<T>;

    fn deref(&self) -> &Chan<T> {
        &self.chan
    }
}

impl<T> Clone for Tx<T> {
    fn clone(&self) -> Self {
        self.chan.tx_count.fetch_add(1, Relaxed);
        Tx {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Tx<T> {
    /// The last sender closes the sending side.
    fn drop(&mut self) {
        if self.chan.tx_count.fetch_sub(1, AcqRel) != 1 {
            return;
        }
        let waker = {
            let mut shared = self.chan.shared.lock();
            shared.tx_closed = true;
            shared.rx_waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> fmt::Debug for Tx<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.chan.fmt(f)
    }
}

/// A weak sender shared by both flavours: counted apart, it does not keep the channel open.
pub(crate) struct WeakTx<T> {
    chan: Arc<Chan<T>>,
}

impl<T> WeakTx<T> {
    /// A sender again, or `None` if every sender is gone (the sending side never reopens).
    pub(crate) fn upgrade(&self) -> Option<Tx<T>> {
        let tx_count = &self.chan.tx_count;
        let mut n = tx_count.load(Acquire);
        while n != 0 {
            match tx_count.compare_exchange_weak(n, n + 1, AcqRel, Acquire) {
                Ok(_) => {
                    let chan = self.chan.clone();
                    return Some(Tx { chan });
                }
                Err(actual) => n = actual,
            }
        }
        None
    }
}

impl<T> Clone for WeakTx<T> {
    fn clone(&self) -> Self {
        self.chan.weak_count.fetch_add(1, Relaxed);
        WeakTx {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for WeakTx<T> {
    fn drop(&mut self) {
        self.chan.weak_count.fetch_sub(1, Relaxed);
    }
}

impl<T> fmt::Debug for WeakTx<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.chan.fmt(f)
    }
}

/// The receiving half shared by both flavours.
pub(crate) struct Rx<T> {
    pub(crate) chan: Arc<Chan<T>>,
    local: VecDeque<T>,
}

// The buffered values are never pinned: the receivers are Unpin whatever `T` is.
impl<T> Unpin for Rx<T> {}

impl<T> Rx<T> {
    fn take_local(&mut self) -> Option<T> {
        let v = self.local.pop_front()?;
        self.chan.release_received(1);
        Some(v)
    }

    /// Makes sure `local` holds values if any were sent: if it is empty, swaps in the shared
    /// queue. `Ready(true)`: values are in `local`; `Ready(false)`: the channel is finished;
    /// `Pending`: nothing yet (the receiver's waker is registered when `cx` is given).
    fn fill(&mut self, cx: Option<&mut Context<'_>>) -> Poll<bool> {
        if !self.local.is_empty() {
            return Poll::Ready(true);
        }
        let mut shared = self.chan.shared.lock();
        if !shared.queue.is_empty() {
            mem::swap(&mut shared.queue, &mut self.local);
            return Poll::Ready(true);
        }
        if shared.tx_closed || (shared.rx_closed && self.chan.permits_idle()) {
            return Poll::Ready(false);
        }
        if let Some(cx) = cx {
            match &shared.rx_waker {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => shared.rx_waker = Some(cx.waker().clone()),
            }
        }
        Poll::Pending
    }

    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let coop = ready!(coop::poll_proceed(cx));
        let more = ready!(self.fill(Some(cx)));
        coop.made_progress();
        Poll::Ready(if more { self.take_local() } else { None })
    }

    pub(crate) fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        let coop = ready!(coop::poll_proceed(cx));
        if !ready!(self.fill(Some(cx))) {
            coop.made_progress();
            return Poll::Ready(0);
        }
        coop.made_progress();
        let n = limit.min(self.local.len());
        buffer.extend(self.local.drain(..n));
        self.chan.release_received(n);
        Poll::Ready(n)
    }

    pub(crate) fn try_recv(&mut self) -> Result<T, TryRecvError> {
        match self.fill(None) {
            Poll::Ready(true) => Ok(self.take_local().expect("fill found values")),
            Poll::Ready(false) => Err(TryRecvError::Disconnected),
            Poll::Pending => Err(TryRecvError::Empty),
        }
    }

    pub(crate) fn close(&mut self) {
        self.chan.close();
    }

    pub(crate) fn len(&self) -> usize {
        self.local.len() + self.chan.shared.lock().queue.len()
    }
}

impl<T> Drop for Rx<T> {
    fn drop(&mut self) {
        let drained = {
            let mut shared = self.chan.shared.lock();
            shared.rx_dropped = true;
            shared.rx_waker = None;
            mem::take(&mut shared.queue)
        };
        self.chan.close();
        // Values are dropped outside the lock (their destructors may do anything).
        drop(drained);
    }
}

impl<T> fmt::Debug for Rx<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.chan.fmt(f)
    }
}

//! A single-value channel where receivers see the latest value and wait for changes.
//!
//! [`channel(init)`](channel) holds one value. [`Sender::send`] replaces it (never waits) and
//! wakes every receiver waiting in [`Receiver::changed`]. Receivers read the current value with
//! [`borrow`](Receiver::borrow); intermediate values may be skipped, only the latest counts. This
//! answers asyncio's `Event` (a `watch<bool>`) and state broadcast ("the config changed").
//!
//! # Examples
//!
//! ```
//! # futures_executor::block_on(async {
//! let (tx, mut rx) = weft_sync::watch::channel("starting");
//! let t = std::thread::spawn(move || {
//!     tx.send("ready").unwrap();
//! });
//! while *rx.borrow_and_update() != "ready" {
//!     if rx.changed().await.is_err() {
//!         break; // the sender is gone; the last value stays readable
//!     }
//! }
//! assert_eq!(*rx.borrow(), "ready");
//! t.join().unwrap();
//! # });
//! ```

use std::fmt;
use std::ops::Deref;

use weft_core::loom::sync::atomic::{AtomicUsize, Ordering::*};
use weft_core::loom::sync::Arc;
use weft_core::loom::sync::{RwLock, RwLockReadGuard};

use crate::notify::Notify;

/// Errors of the watch channel.
pub mod error {
    use std::fmt;

    crate::util::send_error! {
        /// Every receiver is gone; the value that was not stored is `.0`.
        "watch channel has no receivers"
    }

    /// Every sender is gone (the last value stays readable through `borrow`).
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub struct RecvError(pub(crate) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("watch channel closed: every sender is gone")
        }
    }

    impl std::error::Error for RecvError {}
}

use self::error::{RecvError, SendError};

/// The version counts up by 2; bit 0 says every sender is gone.
const CLOSED: usize = 1;
const STEP: usize = 2;

struct Shared<T> {
    value: RwLock<T>,
    state: AtomicUsize,
    rx_count: AtomicUsize,
    tx_count: AtomicUsize,
    /// Woken (all) on every change and on close.
    changed: Notify,
    /// Woken (all) when the last receiver goes.
    no_receivers: Notify,
}

/// Waits for a version newer than `*version` and records it.
async fn changed<T>(shared: &Shared<T>, version: &mut usize) -> Result<(), RecvError> {
    crate::util::consume_budget().await;
    loop {
        let notified = shared.changed.notified_untracked();
        let s = shared.state.load(Acquire);
        if s & !CLOSED != *version {
            *version = s & !CLOSED;
            return Ok(());
        }
        if s & CLOSED != 0 {
            return Err(RecvError(()));
        }
        notified.await;
    }
}

/// Creates a watch channel holding `init`.
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        value: RwLock::new(init),
        state: AtomicUsize::new(0),
        rx_count: AtomicUsize::new(1),
        tx_count: AtomicUsize::new(1),
        changed: Notify::new(),
        no_receivers: Notify::new(),
    });
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver { shared, version: 0 },
    )
}

/// Replaces the value of a watch channel; clone it for more writers.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// Reads the latest value of a watch channel and waits for changes; clone it for more readers.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The version this receiver has seen.
    version: usize,
}

/// A read lock on the value: do not hold it across an `.await` (it blocks senders), and do not
/// take a second `borrow` on the same thread while holding one (with a send waiting in between,
/// that deadlocks, as with any fair reader-writer lock).
///
/// A `Ref` is not `Send`, so a `Send` future cannot hold one across an `.await`:
///
/// ```compile_fail
/// fn assert_send<T: Send>(_: T) {}
/// let (_tx, rx) = weft_sync::watch::channel(0);
/// assert_send(rx.borrow()); // error: `Ref` cannot be sent between threads
/// ```
pub struct Ref<'a, T> {
    guard: RwLockReadGuard<'a, T>,
    has_changed: bool,
}

impl<T> Ref<'_, T> {
    /// Whether the value was new to the receiver when it was borrowed.
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T> Sender<T> {
    /// Stores `value` and notifies the receivers.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value (not stored) if every receiver is gone.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.shared.rx_count.load(Acquire) == 0 {
            return Err(SendError(value));
        }
        self.send_replace(value);
        Ok(())
    }

    /// Stores `value` whether or not anyone listens and returns the previous value.
    pub fn send_replace(&self, value: T) -> T {
        let mut value = value;
        self.send_modify(|v| std::mem::swap(v, &mut value));
        value
    }

    /// Modifies the value in place and notifies the receivers.
    pub fn send_modify(&self, modify: impl FnOnce(&mut T)) {
        self.send_if_modified(|v| {
            modify(v);
            true
        });
    }

    /// Modifies the value in place; notifies the receivers only if `modify` returns `true`.
    pub fn send_if_modified(&self, modify: impl FnOnce(&mut T) -> bool) -> bool {
        {
            let mut v = self.shared.value.write();
            if !modify(&mut v) {
                return false;
            }
            self.shared.state.fetch_add(STEP, Release);
        }
        self.shared.changed.notify_waiters();
        true
    }

    /// Reads the current value.
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            guard: self.shared.value.read(),
            has_changed: false,
        }
    }

    /// A new receiver that has seen the current value.
    pub fn subscribe(&self) -> Receiver<T> {
        self.shared.rx_count.fetch_add(1, Relaxed);
        Receiver {
            shared: self.shared.clone(),
            version: self.shared.state.load(Acquire) & !CLOSED,
        }
    }

    /// The number of live receivers.
    pub fn receiver_count(&self) -> usize {
        self.shared.rx_count.load(Acquire)
    }

    /// The number of live senders.
    pub fn sender_count(&self) -> usize {
        self.shared.tx_count.load(Acquire)
    }

    /// Whether every receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }

    /// Waits until every receiver is gone.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn closed(&self) {
        loop {
            let notified = self.shared.no_receivers.notified_untracked();
            if self.is_closed() {
                return;
            }
            notified.await;
        }
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.tx_count.fetch_add(1, Relaxed);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.shared.tx_count.fetch_sub(1, AcqRel) == 1 {
            self.shared.state.fetch_or(CLOSED, Release);
            self.shared.changed.notify_waiters();
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Sender")
            .field("value", &*self.borrow())
            .finish()
    }
}

impl<T> Receiver<T> {
    /// Reads the current value without marking it seen.
    pub fn borrow(&self) -> Ref<'_, T> {
        let guard = self.shared.value.read();
        let has_changed = self.shared.state.load(Acquire) & !CLOSED != self.version;
        Ref { guard, has_changed }
    }

    /// Reads the current value and marks it seen (the next `changed` waits for a newer one).
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let guard = self.shared.value.read();
        let current = self.shared.state.load(Acquire) & !CLOSED;
        let has_changed = current != self.version;
        self.version = current;
        Ref { guard, has_changed }
    }

    /// Whether a value newer than the last seen one is stored.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if every sender is gone.
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let s = self.shared.state.load(Acquire);
        if s & CLOSED != 0 {
            return Err(RecvError(()));
        }
        Ok(s & !CLOSED != self.version)
    }

    /// Marks the current value as not seen, so the next `changed` returns at once.
    pub fn mark_changed(&mut self) {
        self.version = self.version.wrapping_sub(STEP);
    }

    /// Marks the current value as seen.
    pub fn mark_unchanged(&mut self) {
        self.version = self.shared.state.load(Acquire) & !CLOSED;
    }

    /// Waits for a value newer than the last one seen, and marks it seen.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if every sender is gone and no unseen value is stored.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the value is marked seen only when `changed` returns.
    #[track_caller]
    pub fn changed(&mut self) -> impl std::future::Future<Output = Result<(), RecvError>> + '_ {
        weft_core::task::wait_on(weft_core::task::Resource::WatchChanged, async move {
            changed(&self.shared, &mut self.version).await
        })
    }

    /// Waits until the value satisfies `f`, marks it seen and returns a read lock on it.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if every sender is gone before the value satisfies `f`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    #[track_caller]
    pub fn wait_for<'a, F: FnMut(&T) -> bool + 'a>(
        &'a mut self,
        mut f: F,
    ) -> impl std::future::Future<Output = Result<Ref<'a, T>, RecvError>> + 'a {
        weft_core::task::wait_on(weft_core::task::Resource::WatchChanged, async move {
            // Field-level borrows, so the guard we return can outlive the loop's waits.
            let shared: &Shared<T> = &self.shared;
            let version = &mut self.version;
            loop {
                {
                    let guard = shared.value.read();
                    let current = shared.state.load(Acquire) & !CLOSED;
                    let has_changed = current != *version;
                    *version = current;
                    if f(&guard) {
                        return Ok(Ref { guard, has_changed });
                    }
                }
                changed(shared, version).await?;
            }
        })
    }

    /// Whether both receivers watch the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.shared.rx_count.fetch_add(1, Relaxed);
        Receiver {
            shared: self.shared.clone(),
            version: self.version,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if self.shared.rx_count.fetch_sub(1, AcqRel) == 1 {
            self.shared.no_receivers.notify_waiters();
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Receiver")
            .field("value", &*self.borrow())
            .finish()
    }
}

//! [`AtomicWaker`]: one waker, registered by a waiting side and taken by a waking side without a
//! lock. weft's one implementation: weft-sync's oneshot and weft-io's timers use it.
//!
//! The algorithm is the one of `futures::task::AtomicWaker`, written against the loom shim
//! ([`crate::loom`]) so loom checks it as part of every model that uses it.

use std::fmt;
use std::task::Waker;

use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};

/// Nobody holds the cell: a registrant or a waker-taker may claim it.
const WAITING: usize = 0;
/// A registrant holds the cell and is storing its waker.
const REGISTERING: usize = 0b01;
/// A wake was requested. Alone: the taker holds the cell. With `REGISTERING`: the registrant
/// still holds it and wakes the waker it stored itself.
const WAKING: usize = 0b10;

/// A slot for one waker: the waiting side [`register`](AtomicWaker::register)s its task's waker,
/// the waking side [`take`](AtomicWaker::take)s it (or [`wake`](AtomicWaker::wake)s it), from
/// any threads, without a lock. A registration racing a wake is never lost: the registering
/// side then wakes its own waker.
///
/// One registrant at a time: a waiting side registers from one task (two tasks registering at
/// once each get woken at once, so neither sleeps, but only one waker stays stored).
///
/// # Invariants
/// `waker` is read or written only by the thread that moved `state` from `WAITING` to
/// `REGISTERING` (a registrant) or set `WAKING` while the state was `WAITING` (a waker-taker).
/// Both act as a lock over the cell; at most one holds it at a time.
///
/// # Examples
///
/// ```
/// use std::future::Future;
/// use std::pin::pin;
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::task::{Context, Poll, Waker};
/// use weft_core::task::AtomicWaker;
///
/// let slot = AtomicWaker::new();
/// let done = AtomicBool::new(false);
/// let mut wait = pin!(std::future::poll_fn(|cx: &mut Context<'_>| {
///     slot.register(cx.waker());
///     if done.load(Ordering::Acquire) { Poll::Ready(()) } else { Poll::Pending }
/// }));
/// let mut cx = Context::from_waker(Waker::noop());
/// assert!(wait.as_mut().poll(&mut cx).is_pending());
/// done.store(true, Ordering::Release);
/// slot.wake(); // wakes the registered waker (here a no-op one)
/// assert!(wait.as_mut().poll(&mut cx).is_ready());
/// ```
pub struct AtomicWaker {
    state: AtomicUsize,
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the `waker` cell is only touched under the state-word protocol described in
// `# Invariants`, which gives exclusive access; `Waker` is Send + Sync.
unsafe impl Send for AtomicWaker {}
// SAFETY: as above.
unsafe impl Sync for AtomicWaker {}

impl AtomicWaker {
    /// An empty slot.
    pub fn new() -> Self {
        AtomicWaker {
            state: AtomicUsize::new(WAITING),
            waker: UnsafeCell::new(None),
        }
    }

    /// Stores `waker` to be woken by the next [`wake`](Self::wake). If a `wake` runs at the same
    /// time, `waker` is woken right away instead, so a registration is never lost.
    pub fn register(&self, waker: &Waker) {
        match self
            .state
            .compare_exchange(WAITING, REGISTERING, Acquire, Acquire)
            .unwrap_or_else(|s| s)
        {
            WAITING => {
                // SAFETY: we moved the state from WAITING to REGISTERING, which gives us the
                // cell exclusively (type invariant) until we leave REGISTERING.
                let old = self.waker.with_mut(|p| unsafe {
                    match &*p {
                        Some(w) if w.will_wake(waker) => None,
                        _ => (*p).replace(waker.clone()),
                    }
                });
                match self
                    .state
                    .compare_exchange(REGISTERING, WAITING, AcqRel, Acquire)
                {
                    Ok(_) => drop(old),
                    Err(_) => {
                        // A wake ran while we registered (state is REGISTERING | WAKING): it
                        // could not take the waker, so we wake it ourselves.
                        // SAFETY: still REGISTERING, so the cell is still ours.
                        let w = self.waker.with_mut(|p| unsafe { (*p).take() });
                        self.state.swap(WAITING, AcqRel);
                        drop(old);
                        if let Some(w) = w {
                            w.wake();
                        }
                    }
                }
            }
            WAKING => {
                // A wake is taking the old waker right now; make sure this task is polled again.
                waker.wake_by_ref();
            }
            _ => {
                // Another registration at the same time: the API is single-registrant, so this
                // is a concurrent register from the same side, which our callers never do.
                waker.wake_by_ref();
            }
        }
    }

    /// Takes the registered waker, if any, for the caller to wake after its own locks are released.
    pub fn take(&self) -> Option<Waker> {
        match self.state.fetch_or(WAKING, AcqRel) {
            WAITING => {
                // SAFETY: we set WAKING while the state was WAITING, which gives us the cell
                // exclusively (type invariant) until we clear WAKING.
                let w = self.waker.with_mut(|p| unsafe { (*p).take() });
                self.state.fetch_and(!WAKING, Release);
                w
            }
            // A registration is in progress (it will see WAKING and wake itself) or another
            // wake is taking the waker.
            _ => None,
        }
    }

    /// Wakes the registered waker, if any.
    pub fn wake(&self) {
        if let Some(w) = self.take() {
            w.wake();
        }
    }
}

impl Default for AtomicWaker {
    fn default() -> Self {
        AtomicWaker::new()
    }
}

impl fmt::Debug for AtomicWaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AtomicWaker")
            .field("state", &self.state.load(Relaxed))
            .finish()
    }
}

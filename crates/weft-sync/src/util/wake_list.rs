//! Wakers collected under a lock and called after it is released: a woken task may run at once on
//! another thread and take the same lock, and a waker that calls back into the primitive must not
//! deadlock (docs/contributing.md, "Concurrency").

use std::task::Waker;

/// A list of wakers to call once the lock that found them is released.
///
/// The first waker is stored inline, so the common case (one waiter to hand a permit or a value
/// to) does not allocate.
#[derive(Debug, Default)]
pub(crate) struct WakeList {
    first: Option<Waker>,
    rest: Vec<Waker>,
}

impl WakeList {
    pub(crate) const fn new() -> Self {
        WakeList {
            first: None,
            rest: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, waker: Waker) {
        if self.first.is_none() {
            self.first = Some(waker);
        } else {
            self.rest.push(waker);
        }
    }

    /// Calls every waker. Call this only after releasing the lock the wakers were found under.
    pub(crate) fn wake_all(self) {
        if let Some(w) = self.first {
            w.wake();
        }
        for w in self.rest {
            w.wake();
        }
    }
}

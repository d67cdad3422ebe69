//! The concurrency primitives weft-io uses, from one place: std's, or loom's under `--cfg loom`, so
//! the loom models run the same code that ships.

pub(crate) use weft_core::loom::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
pub(crate) use weft_core::loom::sync::{Arc, Mutex};

use std::task::Waker;

/// A slot for one waker that a waiter and a waker may touch at the same time (futures' or loom's
/// `AtomicWaker` behind one API).
#[derive(Debug, Default)]
pub(crate) struct AtomicWaker {
    #[cfg(not(loom))]
    inner: futures_util::task::AtomicWaker,
    #[cfg(loom)]
    inner: loom::future::AtomicWaker,
}

impl AtomicWaker {
    /// An empty slot.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Stores `waker` (a clone, unless the stored one would wake the same task).
    #[inline]
    pub(crate) fn register(&self, waker: &Waker) {
        #[cfg(not(loom))]
        self.inner.register(waker);
        #[cfg(loom)]
        self.inner.register_by_ref(waker);
    }

    /// Takes the stored waker out, for waking after locks are released.
    #[inline]
    pub(crate) fn take(&self) -> Option<Waker> {
        #[cfg(not(loom))]
        return self.inner.take();
        #[cfg(loom)]
        return self.inner.take_waker();
    }
}

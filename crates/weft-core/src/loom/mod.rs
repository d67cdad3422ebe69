//! The one place concurrent code gets its atomics, cells, `Arc`, locks and threads from.
//!
//! Under `--cfg loom` these are loom's model-checked types; otherwise they are std's (with a
//! zero-cost `UnsafeCell` wrapper that has loom's `with`/`with_mut` API, so the same code compiles
//! both ways) and parking_lot's locks. Every weft crate with concurrent code imports from here, so
//! the loom models run the same code that ships (docs/contributing.md, "Concurrency").
//!
//! # Locks
//! [`sync::Mutex`], [`sync::RwLock`] and [`sync::Condvar`] are the blocking locks of every weft
//! crate (waiter lists, queues, registries, the reactor's tables). Outside loom they are
//! parking_lot's: small, fast uncontended, and spinning briefly before they park, which suits
//! critical sections a few pointer moves long. Under loom they are loom's, behind the same API.
//!
//! **Poisoning: none.** A panic while a guard is held leaves the data as the panic left it, and
//! the next `lock` proceeds. weft's critical sections are bookkeeping that never runs user code
//! (wakers are called, callbacks run and user values are dropped after the guard is released), so
//! a panic inside one is a bug in weft itself, and poisoning would turn that one bug into a panic
//! in every later caller, far from the cause. Under loom a poisoned lock is entered the same way.

#[cfg(loom)]
pub use loom::{cell, hint, thread};

#[cfg(not(loom))]
pub use std::{hint, thread};

mod lock;

/// Atomics, `Arc` and the blocking locks: std's and parking_lot's, or loom's under `--cfg loom`.
pub mod sync {
    #[cfg(loom)]
    pub use loom::sync::{atomic, Arc};
    #[cfg(not(loom))]
    pub use std::sync::{atomic, Arc};

    pub use super::lock::{Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
}

/// `UnsafeCell` with loom's closure-based API.
#[cfg(not(loom))]
pub mod cell {
    /// A std `UnsafeCell` exposing loom's `with`/`with_mut` API.
    #[derive(Debug, Default)]
    #[repr(transparent)]
    pub struct UnsafeCell<T: ?Sized>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        /// Wraps `value`.
        #[inline]
        pub const fn new(value: T) -> Self {
            Self(std::cell::UnsafeCell::new(value))
        }

        /// Unwraps the value.
        #[inline]
        pub fn into_inner(self) -> T {
            self.0.into_inner()
        }
    }

    impl<T: ?Sized> UnsafeCell<T> {
        /// Runs `f` with a shared raw pointer to the contents.
        #[inline]
        pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        /// Runs `f` with a mutable raw pointer to the contents.
        #[inline]
        pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }

        /// A raw pointer to the contents (not available under loom; prefer `with`/`with_mut`).
        #[inline]
        pub fn get(&self) -> *mut T {
            self.0.get()
        }
    }
}

//! The one place concurrent code gets its atomics, cells, `Arc` and threads from.
//!
//! Under `--cfg loom` these are loom's model-checked types; otherwise they are std's (with a
//! zero-cost `UnsafeCell` wrapper that has loom's `with`/`with_mut` API, so the same code compiles
//! both ways). Every weft crate with concurrent code imports from here, so the loom models run the
//! same code that ships (docs/contributing.md, "Concurrency").

#[cfg(loom)]
pub use loom::{cell, hint, sync, thread};

#[cfg(not(loom))]
pub use std::{hint, sync, thread};

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

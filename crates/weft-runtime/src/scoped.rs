//! A thread-local pointer to a value that lives on the stack for the duration of a call.

use std::cell::Cell;
use std::ptr;

/// Holds `&T` while [`Scoped::set`] runs; [`Scoped::with`] reads it.
///
/// # Invariants
/// `inner` is null or points to the `T` passed to the innermost active `set` call on this thread,
/// which outlives that call.
pub(crate) struct Scoped<T> {
    inner: Cell<*const T>,
}

impl<T> Scoped<T> {
    pub(crate) const fn new() -> Self {
        Scoped {
            inner: Cell::new(ptr::null()),
        }
    }

    /// Runs `f` with `value` installed; the previous value comes back afterwards, also on panic.
    pub(crate) fn set<R>(&self, value: &T, f: impl FnOnce() -> R) -> R {
        struct Reset<'a, T> {
            cell: &'a Cell<*const T>,
            prev: *const T,
        }
        impl<T> Drop for Reset<'_, T> {
            fn drop(&mut self) {
                self.cell.set(self.prev);
            }
        }
        let prev = self.inner.replace(value);
        let _reset = Reset {
            cell: &self.inner,
            prev,
        };
        f()
    }

    /// Runs `f` with the installed value, if any.
    pub(crate) fn with<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
        let p = self.inner.get();
        // SAFETY: by the type invariant `p` is null or points to a value that lives until the
        // `set` call that installed it returns, which is after this call (same thread, nested).
        f(unsafe { p.as_ref() })
    }
}

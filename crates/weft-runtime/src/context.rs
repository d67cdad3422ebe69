//! The thread-local runtime context: which runtime `spawn` and `Handle::current` refer to on this
//! thread, and whether this thread is inside a runtime (where blocking is forbidden: the flag is
//! weft-core's [`blocking`](weft_core::blocking), so weft-sync's `blocking_*` see it too).
//!
//! - Worker threads and `block_on` set both for their whole run.
//! - [`Handle::enter`](crate::Handle::enter) and blocking-pool threads set only the current handle,
//!   so `spawn` works there and so do `block_on` and the `blocking_*` methods.

use std::cell::RefCell;

use weft_core::blocking::{self, RuntimeThreadGuard};

use crate::scheduler::Handle;

struct ThreadContext {
    handle: RefCell<Option<Handle>>,
}

thread_local! {
    static CONTEXT: ThreadContext = const {
        ThreadContext {
            handle: RefCell::new(None),
        }
    };
}

/// Runs `f` with the current handle (`None` outside any runtime or while the thread is exiting).
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Handle>) -> R) -> R {
    let mut f = Some(f);
    match CONTEXT.try_with(|c| match c.handle.try_borrow() {
        Ok(h) => Some((f.take().expect("called once"))(h.as_ref())),
        Err(_) => None,
    }) {
        Ok(Some(r)) => r,
        _ => (f.take().expect("called once"))(None),
    }
}

/// A clone of the current handle.
pub(crate) fn current() -> Option<Handle> {
    with_current(|h| h.cloned())
}

/// Restores the previous current handle when dropped.
#[derive(Debug)]
pub(crate) struct SetCurrentGuard {
    prev: Option<Handle>,
    /// Guards restore in reverse order on the thread that made them.
    _not_send: std::marker::PhantomData<*const ()>,
}

/// Makes `handle` the current handle until the guard drops.
pub(crate) fn set_current(handle: &Handle) -> SetCurrentGuard {
    let prev = CONTEXT.with(|c| c.handle.borrow_mut().replace(handle.clone()));
    SetCurrentGuard {
        prev,
        _not_send: std::marker::PhantomData,
    }
}

impl Drop for SetCurrentGuard {
    fn drop(&mut self) {
        let prev = self.prev.take();
        let _ = CONTEXT.try_with(|c| {
            let old = std::mem::replace(&mut *c.handle.borrow_mut(), prev);
            drop(old);
        });
    }
}

/// Marks this thread as running a runtime (a worker, or a thread inside `block_on`).
#[derive(Debug)]
pub(crate) struct EnterRuntimeGuard {
    // Dropped in this order: the current handle is restored, then the thread is unmarked.
    _current: SetCurrentGuard,
    _runtime_thread: RuntimeThreadGuard,
}

/// Enters `handle`'s runtime on this thread.
///
/// # Panics
/// If this thread already runs a runtime.
#[track_caller]
pub(crate) fn enter_runtime(handle: &Handle) -> EnterRuntimeGuard {
    let Some(runtime_thread) = blocking::enter_runtime_thread() else {
        panic!(
            "cannot block_on inside a weft runtime: .await the future instead, or use \
             spawn_blocking (this thread is already running a runtime)"
        );
    };
    EnterRuntimeGuard {
        _current: set_current(handle),
        _runtime_thread: runtime_thread,
    }
}

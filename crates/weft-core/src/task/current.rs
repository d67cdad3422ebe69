//! The id of the task being polled on this thread, for `task::id()` / `try_id()`, and the
//! runner's reset of the task-local context.
//!
//! The runner sets the id around each poll of a task (and around the drop of a cancelled task's
//! future), restoring the previous value afterwards, so a task polled inside another's poll (a
//! `LocalSet` inside `block_on`, say) sees its own id and the outer one sees its own again. It
//! clears the task-local context the same way: a task sees only the context it inherited (its
//! future installs that itself, see `local.rs`), never the one of the code that polls it.

use std::cell::Cell;
use std::ptr::NonNull;

use super::cell::{Diag, Header};

use super::local::{self, Raw};
use super::TaskId;

thread_local! {
    /// The header of the task being polled (or cancelled) on this thread. Valid while set: the
    /// runner holds a reference to the task until after the guard that set it is dropped.
    static CURRENT: Cell<Option<NonNull<Header>>> = const { Cell::new(None) };
}

/// Runs `f` on the header of the task being polled on this thread, if any.
#[inline]
pub(super) fn with_current_header(f: impl FnOnce(&Header)) {
    if let Ok(Some(ptr)) = CURRENT.try_with(Cell::get) {
        // SAFETY: set only by `CurrentIdGuard`, whose creator (the runner) holds a reference to
        // the task for the guard's whole life; the guard restores the previous value on drop.
        f(unsafe { Header::from_ptr(ptr) })
    }
}

/// Runs `f` on the diagnostics of the task being polled on this thread, if any.
#[inline]
pub(super) fn with_current_diag(f: impl FnOnce(&Diag)) {
    if let Ok(Some(ptr)) = CURRENT.try_with(Cell::get) {
        // SAFETY: as in `with_current_header`.
        f(unsafe { Diag::from_ptr(ptr) })
    }
}

/// The id of the task being polled (or cancelled) on this thread, if any.
///
/// `None` outside tasks: on a plain thread, or in the future `block_on` drives directly.
///
/// # Examples
///
/// ```
/// # use std::sync::{Arc, Mutex};
/// # use weft_core::task::{self, Runnable, Schedule, ScheduleInfo, SpawnOptions};
/// # #[derive(Default)]
/// # struct Queue(Mutex<Vec<Runnable>>);
/// # impl Schedule for Queue {
/// #     fn schedule(&self, task: Runnable, _info: ScheduleInfo) { self.0.lock().unwrap().push(task); }
/// # }
/// assert_eq!(task::try_current_id(), None);
/// let (runnable, handle) =
///     task::spawn(async { task::try_current_id() }, Arc::new(Queue::default()), SpawnOptions::new());
/// let id = handle.id();
/// runnable.run();
/// assert_eq!(futures_executor::block_on(handle).unwrap(), Some(id));
/// ```
pub fn try_current_id() -> Option<TaskId> {
    let mut id = None;
    with_current_header(|h| id = Some(h.id));
    id
}

/// Sets the current task id until dropped, then restores the previous one.
/// Also clears the task-local context until dropped.
pub(super) struct CurrentIdGuard {
    prev: Option<NonNull<Header>>,
    prev_locals: Raw,
}

impl CurrentIdGuard {
    #[inline]
    ///
    /// The caller (the runner) holds a reference to the task `header` belongs to until the guard
    /// is dropped.
    pub(super) fn enter(header: NonNull<Header>) -> CurrentIdGuard {
        let prev = CURRENT.try_with(|c| c.replace(Some(header))).ok().flatten();
        let prev_locals = local::replace_raw(Raw::NONE);
        CurrentIdGuard { prev, prev_locals }
    }
}

impl Drop for CurrentIdGuard {
    #[inline]
    fn drop(&mut self) {
        local::replace_raw(self.prev_locals);
        let _ = CURRENT.try_with(|c| c.set(self.prev));
    }
}

//! The task being polled on this thread, for `task::id()` / `try_id()`, task dumps and
//! task-locals.
//!
//! The runner sets it around each poll of a task (and around the drop of a cancelled task's
//! future), restoring the previous value afterwards, so a task polled inside another's poll (a
//! `LocalSet` inside `block_on`, say) sees its own id and the outer one sees its own again. That
//! is all the runner does per poll: the task-local context remembers which task installed it
//! (`local.rs`), so a task polled inside code that has a context in scope does not see it
//! without the runner clearing and restoring it.

use std::cell::Cell;
use std::ptr::NonNull;

use super::cell::{Diag, Header};

use super::TaskId;

thread_local! {
    /// The header of the task being polled (or cancelled) on this thread. Valid while set: the
    /// runner holds a reference to the task until after the guard that set it is dropped.
    static CURRENT: Cell<Option<NonNull<Header>>> = const { Cell::new(None) };
}

/// The task being polled (or cancelled) on this thread, if any: only compared, for task-locals.
#[inline]
pub(super) fn current_task() -> Option<NonNull<Header>> {
    CURRENT.try_with(Cell::get).ok().flatten()
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

/// Sets the current task until dropped, then restores the previous one.
pub(super) struct CurrentIdGuard {
    prev: Option<NonNull<Header>>,
}

impl CurrentIdGuard {
    /// The caller (the runner) holds a reference to the task `header` belongs to until the guard
    /// is dropped.
    #[inline]
    pub(super) fn enter(header: NonNull<Header>) -> CurrentIdGuard {
        let prev = CURRENT.try_with(|c| c.replace(Some(header))).ok().flatten();
        CurrentIdGuard { prev }
    }
}

impl Drop for CurrentIdGuard {
    #[inline]
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|c| c.set(self.prev));
    }
}

//! Whether this thread may block: a thread that runs an executor's tasks (a weft worker, a thread
//! inside `block_on`) must not, or every task it runs stalls, and a task waiting for a value that
//! another of its tasks would produce never gets it (a deadlock).
//!
//! The runtime marks its threads with [`enter_runtime_thread`]; synchronous, blocking APIs in any
//! crate (weft-sync's `blocking_send`, `blocking_recv`, `blocking_lock`, ...) call
//! [`assert_can_block`] first and panic with a message that says what to do instead. It lives here,
//! beneath both, so weft-sync needs no runtime to ask. Threads of the blocking pool
//! (`spawn_blocking`) and threads of your own are not marked: blocking there is what they are for.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

thread_local! {
    static ON_RUNTIME_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// Marks this thread as running a runtime's tasks until dropped (see [`enter_runtime_thread`]).
#[must_use = "the thread is marked only until the guard is dropped"]
pub struct RuntimeThreadGuard {
    /// Unmarks the thread that marked itself.
    _not_send: PhantomData<*const ()>,
}

/// Marks this thread as one that runs a runtime's tasks (a worker, or a thread inside
/// `block_on`) until the guard drops. Returns `None`, and marks nothing, if it already is one:
/// the caller (a nested `block_on`) decides what that means.
///
/// # Examples
///
/// ```
/// use weft_core::blocking;
///
/// assert!(!blocking::on_runtime_thread());
/// let guard = blocking::enter_runtime_thread().expect("not marked yet");
/// assert!(blocking::on_runtime_thread());
/// assert!(blocking::enter_runtime_thread().is_none(), "nested");
/// drop(guard);
/// assert!(!blocking::on_runtime_thread());
/// ```
pub fn enter_runtime_thread() -> Option<RuntimeThreadGuard> {
    let nested = ON_RUNTIME_THREAD.with(|on| on.replace(true));
    if nested {
        None
    } else {
        Some(RuntimeThreadGuard {
            _not_send: PhantomData,
        })
    }
}

impl Drop for RuntimeThreadGuard {
    fn drop(&mut self) {
        let _ = ON_RUNTIME_THREAD.try_with(|on| on.set(false));
    }
}

impl fmt::Debug for RuntimeThreadGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeThreadGuard").finish_non_exhaustive()
    }
}

/// Whether this thread runs a runtime's tasks (where it must not block).
pub fn on_runtime_thread() -> bool {
    ON_RUNTIME_THREAD.try_with(Cell::get).unwrap_or(false)
}

/// Panics if this thread runs a runtime's tasks: the check at the top of every blocking API.
/// `operation` names the API (e.g. `"mpsc::Sender::blocking_send"`).
///
/// # Panics
/// On a runtime thread, with a message naming `operation` and what to use instead.
///
/// # Examples
///
/// ```
/// weft_core::blocking::assert_can_block("my_blocking_call"); // fine: not a runtime thread
///
/// let _guard = weft_core::blocking::enter_runtime_thread();
/// let result = std::panic::catch_unwind(|| weft_core::blocking::assert_can_block("my_blocking_call"));
/// assert!(result.is_err());
/// ```
#[track_caller]
pub fn assert_can_block(operation: &str) {
    if on_runtime_thread() {
        panic!(
            "{operation} was called on a weft runtime thread: blocking it would stall every task \
             that thread runs (and deadlock if the awaited value comes from one of them). In async \
             code, .await the async version instead; call blocking APIs from spawn_blocking or a \
             thread of your own"
        );
    }
}

//! `AbortHandle`: the right to cancel a task (and ask whether it finished), without its output.

use std::fmt;

use super::{TaskId, TaskRef};

/// Cancels a task without owning its output: asyncio's `Task.cancel()` on a shared reference.
///
/// Made by [`JoinHandle::abort_handle`](super::JoinHandle::abort_handle) (and returned by a
/// `JoinSet`'s `spawn`). It is `Clone + Send + Sync`, so any number of places may hold one. It
/// keeps the task's cell allocated (not its future: a finished task's future is already gone),
/// and dropping it does nothing to the task.
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use weft_core::task::{self, Runnable, Schedule, ScheduleInfo, SpawnOptions};
///
/// #[derive(Default)]
/// struct Queue(Mutex<Vec<Runnable>>);
/// impl Schedule for Queue {
///     fn schedule(&self, task: Runnable, _info: ScheduleInfo) {
///         self.0.lock().unwrap().push(task);
///     }
/// }
///
/// let queue = Arc::new(Queue::default());
/// let (runnable, handle) =
///     task::spawn(std::future::pending::<()>(), queue.clone(), SpawnOptions::new());
/// let abort = handle.abort_handle();
/// assert_eq!(abort.id(), handle.id());
/// runnable.run(); // pending
/// let other = abort.clone();
/// std::thread::spawn(move || other.abort()).join().unwrap();
/// queue.0.lock().unwrap().pop().unwrap().run(); // the runner cancels it
/// assert!(abort.is_finished());
/// assert!(futures_executor::block_on(handle).unwrap_err().is_cancelled());
/// ```
#[derive(Clone)]
pub struct AbortHandle {
    task: TaskRef,
}

impl AbortHandle {
    pub(super) fn new(task: TaskRef) -> AbortHandle {
        AbortHandle { task }
    }

    /// Aborts the task: an idle task is cancelled by its scheduler's next run of it, a running
    /// one when its current poll returns; a finished one is unaffected. Its `JoinHandle` then
    /// gives a cancelled `JoinError` (unless the task finished first).
    pub fn abort(&self) {
        self.task.abort();
    }

    /// Whether the task has finished (with a value, a panic, or cancelled).
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.task.id()
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("id", &self.id())
            .field("finished", &self.is_finished())
            .finish()
    }
}

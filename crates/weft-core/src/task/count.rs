//! Live task allocation counting (the `test-util` feature).

use std::sync::atomic::{AtomicUsize, Ordering};

// A plain statistic, not part of any concurrent protocol: std's atomic, process-global even
// under loom.
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// The number of task cells currently allocated in this process (spawned and not yet freed).
///
/// Only with the `test-util` feature. Tests use it to check that no task allocation is left
/// (nothing leaked, nothing kept alive by a forgotten waker). It counts every task in the process,
/// so tests that use it should not run tasks concurrently with other tests (use one test per
/// binary, or a lock).
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
/// let before = task::live_task_count();
/// let (runnable, handle) = task::spawn(async {}, Arc::new(Queue::default()), SpawnOptions::new());
/// assert_eq!(task::live_task_count(), before + 1);
/// runnable.run();
/// drop(handle);
/// assert_eq!(task::live_task_count(), before);
/// ```
pub fn live_task_count() -> usize {
    LIVE.load(Ordering::SeqCst)
}

#[inline]
pub(super) fn inc() {
    LIVE.fetch_add(1, Ordering::SeqCst);
}

#[inline]
pub(super) fn dec() {
    LIVE.fetch_sub(1, Ordering::SeqCst);
}

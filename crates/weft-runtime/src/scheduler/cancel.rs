//! Cancelling the tasks of a runtime that shuts down: dropping `Runnable`s without recursing, and
//! draining queues and the registry until no task is left.

use std::cell::RefCell;

use weft_core::task::Runnable;

use crate::inject::Inject;
use crate::registry::Registry;

thread_local! {
    /// `Some` while a [`cancel_runnable`] runs on this thread: nested cancellations queue here.
    static DEFERRED: RefCell<Option<Vec<Runnable>>> = const { RefCell::new(None) };
}

/// Drops (cancels) a `Runnable` that can no longer be scheduled (the runtime shut down).
///
/// Cancelling a task wakes whoever awaits it, whose `Runnable` then also lands here: done
/// inline, a long chain of tasks awaiting each other would recurse once per task and overflow
/// the stack. So a cancellation that starts while another is running on this thread is queued,
/// and the outermost call drains the queue in a loop.
pub(crate) fn cancel_runnable(task: Runnable) {
    let mut slot = Some(task);
    let outermost = DEFERRED
        .try_with(|d| {
            let mut d = d.borrow_mut();
            match d.as_mut() {
                Some(queue) => {
                    queue.push(slot.take().expect("task"));
                    false
                }
                None => {
                    *d = Some(Vec::new());
                    true
                }
            }
        })
        .unwrap_or(false);
    let Some(task) = slot else { return };
    if !outermost {
        // The thread-local is gone (thread exiting): nothing to defer to.
        drop(task);
        return;
    }
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            let rest = DEFERRED.try_with(|d| d.borrow_mut().take()).ok().flatten();
            // Only non-empty if a destructor panicked: drop the rest inline.
            drop(rest);
        }
    }
    let _reset = Reset;
    drop(task);
    while let Some(next) = DEFERRED.with(|d| d.borrow_mut().as_mut().and_then(Vec::pop)) {
        drop(next);
    }
}

/// Drops every queued `Runnable` and aborts every registered task (an idle task's `Runnable` then
/// comes back through `schedule`, finds the queues closed and is dropped, which cancels it),
/// repeating until no registered task is left. With `until_empty` false (a thread is still stuck
/// in a poll) one pass is made; the stuck thread cancels the rest.
pub(crate) fn cancel_all(registry: &Registry, queues: &[&Inject<Runnable>], until_empty: bool) {
    let drain = |q: &Inject<Runnable>| {
        for task in q.take_all() {
            cancel_runnable(task);
        }
    };
    loop {
        for q in queues {
            drain(q);
        }
        let tasks = registry.snapshot();
        if tasks.is_empty() {
            return;
        }
        for t in &tasks {
            t.abort();
        }
        drop(tasks);
        for q in queues {
            drain(q);
        }
        if !until_empty || registry.len() == 0 {
            return;
        }
        // A `Runnable` is in flight on another thread (a wake racing with shutdown): it will
        // find the queue closed and be dropped.
        std::thread::yield_now();
    }
}

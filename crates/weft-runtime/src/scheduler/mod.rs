//! The two schedulers and what they share.

pub(crate) mod current_thread;
pub(crate) mod multi_thread;

use std::any::Any;
use std::cell::RefCell;

use weft_core::task::{self, Runnable, TaskRef};

use crate::builder::Config;
use crate::inject::Inject;
use crate::registry::Registry;

/// Reports a panic nobody will see, unless the builder turned reports off.
pub(crate) fn unhandled_panic(config: &Config, task: &TaskRef, payload: &(dyn Any + Send)) {
    if config.report_unhandled_panics {
        task::report_unhandled_panic(task, payload);
    }
}

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

/// The end of a shutdown: drops every queued `Runnable` and aborts every registered task (an idle
/// task's `Runnable` then comes back through `schedule`, finds the queues closed and is dropped,
/// which cancels it), repeating until no registered task is left. With `until_empty` false (a
/// worker is still stuck in a poll) one pass is made; the stuck worker cancels the rest.
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

/// A small xorshift generator for picking steal victims.
#[derive(Debug)]
pub(crate) struct FastRand(u32);

impl FastRand {
    pub(crate) fn new(seed: u32) -> Self {
        FastRand(seed.max(1))
    }

    /// A number in `0..n`.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        ((u64::from(x) * n as u64) >> 32) as usize
    }
}

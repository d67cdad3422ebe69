//! The two schedulers and what they share.

pub(crate) mod current_thread;
pub(crate) mod multi_thread;

use std::any::Any;

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

/// The end of a shutdown: drops every queued `Runnable` and aborts every registered task (an idle
/// task's `Runnable` then comes back through `schedule`, finds the queues closed and is dropped,
/// which cancels it), repeating until no registered task is left. With `until_empty` false (a
/// worker is still stuck in a poll) one pass is made; the stuck worker cancels the rest.
pub(crate) fn cancel_all(registry: &Registry, queues: &[&Inject<Runnable>], until_empty: bool) {
    loop {
        for q in queues {
            drop(q.take_all());
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
            drop(q.take_all());
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

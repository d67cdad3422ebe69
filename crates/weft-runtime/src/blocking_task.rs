//! `spawn_blocking`: a blocking closure as a task on the blocking pool.
//!
//! The closure is wrapped in a future that runs it on its first poll, spawned as an ordinary
//! task cell (so it gets a `JoinHandle`, panic capture, cancellation before start), and its
//! `Runnable` is queued on the [`Pool`](crate::blocking::Pool).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use weft_core::task::{self, JoinHandle, Runnable, Schedule, ScheduleInfo, SpawnOptions, TaskRef};

use crate::blocking::{Job, Pool, PoolConfig};
use crate::builder::{Config, ThreadSettings};
use crate::context;
use crate::handle::Handle;

/// The runtime's blocking pool: jobs are task `Runnable`s, threads enter the runtime's handle.
pub(crate) type BlockingPool = Pool<BlockingJob, Handle>;

/// A blocking task's `Runnable`. Dropping it unrun cancels the task.
#[derive(Debug)]
pub(crate) struct BlockingJob(Runnable);

impl Job for BlockingJob {
    fn run(self) {
        self.0.run();
    }
}

/// Runs the closure on the first poll.
struct BlockingFn<F>(Option<F>);

impl<F> Unpin for BlockingFn<F> {}

impl<F: FnOnce() -> R, R> Future for BlockingFn<F> {
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let f = self
            .0
            .take()
            .expect("a blocking task is polled once: it always completes");
        // Blocking code is not cooperative: no budget applies.
        Poll::Ready(weft_core::coop::unconstrained(f))
    }
}

/// The scheduling hook of blocking tasks. Their future never returns `Pending`, so a `Runnable`
/// only reaches `schedule` if something schedules an idle task, which cannot happen; it is dropped
/// (cancelled) rather than lost.
struct BlockingSchedule {
    report_unhandled_panics: bool,
}

impl Schedule for BlockingSchedule {
    fn schedule(&self, task: Runnable, _info: ScheduleInfo) {
        drop(task);
    }

    fn unhandled_panic(&self, task: &TaskRef, payload: &(dyn std::any::Any + Send)) {
        if self.report_unhandled_panics {
            task::report_unhandled_panic(task, payload);
        }
    }
}

/// Creates the pool for a runtime.
pub(crate) fn pool(settings: &ThreadSettings, config: &Config) -> BlockingPool {
    Pool::new(PoolConfig {
        thread_name: settings.thread_name.clone(),
        stack_size: settings.stack_size,
        thread_cap: settings.max_blocking_threads,
        keep_alive: settings.keep_alive,
        on_start: config.on_thread_start.clone(),
        on_stop: config.on_thread_stop.clone(),
        enter: |handle, body| {
            let _current = context::set_current(handle);
            body();
        },
    })
}

/// Spawns `f` on `handle`'s blocking pool.
pub(crate) fn spawn<F, R>(handle: &Handle, f: F, opts: SpawnOptions) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let sched = BlockingSchedule {
        report_unhandled_panics: handle.common().config.report_unhandled_panics,
    };
    let (runnable, join) = task::spawn(BlockingFn(Some(f)), sched, opts);
    if let Err(job) = handle
        .common()
        .blocking
        .spawn(BlockingJob(runnable), handle)
    {
        // The runtime shut down: cancel.
        drop(job);
    }
    join
}

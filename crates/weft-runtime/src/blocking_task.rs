//! `spawn_blocking`: a blocking closure as a task, run on the runtime's blocking pool.
//!
//! The closure is wrapped in a future that runs it on its first poll and spawned as an ordinary
//! task cell (so it gets a `JoinHandle`, panic capture, and cancellation before it starts); its
//! `Runnable` is the job queued on the [`BlockingPool`](crate::blocking_pool::BlockingPool).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use weft_core::task::{JoinHandle, Runnable, ScheduleInfo, SpawnOptions};

use crate::blocking_pool::ThreadBody;
use crate::context;
use crate::registry::Registry;
use crate::scheduler::common::{Common, TaskHook, TaskQueue};
use crate::scheduler::Handle;

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

/// The task queue of blocking tasks: the pool runs them, and they are not listed in the registry.
#[derive(Clone)]
struct BlockingTasks(Handle);

impl TaskQueue for BlockingTasks {
    /// A blocking task's future never returns `Pending`, so its `Runnable` only reaches here as
    /// the first schedule of [`TaskHook::spawn`]: it goes to the pool. After shutdown, or when no
    /// pool thread exists and none can start, the pool hands it back and dropping it cancels the
    /// task (its `JoinHandle` resolves to a cancelled `JoinError`).
    fn schedule(&self, task: Runnable, _info: ScheduleInfo) {
        let handle = &self.0;
        let body = || -> ThreadBody {
            let handle = handle.clone();
            Box::new(move |run| {
                // Pool threads have the runtime current (so `spawn` works there) but are not
                // inside it: they may block.
                let _current = context::set_current(&handle);
                run();
            })
        };
        if let Err(task) = handle.common().blocking.spawn(task, &body) {
            drop(task);
        }
    }

    fn common(&self) -> &Common {
        self.0.common()
    }

    fn registry(&self) -> Option<&Registry> {
        None
    }
}

/// Spawns `f` on `handle`'s blocking pool.
pub(crate) fn spawn<F, R>(handle: &Handle, f: F, opts: SpawnOptions) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    TaskHook::spawn(&BlockingTasks(handle.clone()), BlockingFn(Some(f)), opts)
}

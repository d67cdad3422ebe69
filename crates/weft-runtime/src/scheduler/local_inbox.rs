//! Local (`!Send`) tasks handed back to the thread that owns them, to be cancelled there.
//!
//! A current-thread runtime is `Send`, so it may be shut down (dropped) on a thread other than
//! the one that spawned its `spawn_local` tasks, where their futures may not be dropped. The
//! shutdown then hands those tasks (their queued `Runnable`s and their registry references) to
//! the owner thread's [`Inbox`]; so does a wake that reaches such a task on another thread after
//! the shutdown. The owner cancels them (each future's destructor runs there) the next time it
//! enters a runtime (`block_on`) or, at the latest, when it exits (the inbox's thread-local
//! destructor). Only if the owner thread has already exited are the tasks leaked, with a
//! message on stderr: no thread may drop them any more.

use std::cell::RefCell;
use std::sync::Arc;

use weft_core::loom::sync::atomic::{AtomicBool, Ordering::*};
use weft_core::loom::sync::Mutex;
use weft_core::task::{Runnable, TaskRef};

use super::cancel::cancel_runnable;

/// The tasks handed to one owner thread. (Public only for the loom models, through `__loom`.)
#[derive(Default)]
pub struct Inbox {
    inner: Mutex<Inner>,
    /// Something is waiting in `inner` (read without the lock at each `block_on`).
    pending: AtomicBool,
}

#[derive(Default)]
struct Inner {
    /// The owner thread exited: nothing is accepted any more.
    closed: bool,
    runnables: Vec<Runnable>,
    tasks: Vec<TaskRef>,
}

/// What [`Inbox::hand_over`] could not hand over: the owner thread exited.
#[derive(Debug)]
pub struct OwnerGone {
    /// The `Runnable`s handed back.
    pub runnables: Vec<Runnable>,
    /// The task references handed back.
    pub tasks: Vec<TaskRef>,
}

impl std::fmt::Debug for Inbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.inner.lock();
        f.debug_struct("Inbox")
            .field("closed", &inner.closed)
            .field("runnables", &inner.runnables.len())
            .field("tasks", &inner.tasks.len())
            .finish()
    }
}

impl Inbox {
    /// Queues `runnables` (to be dropped) and `tasks` (to be aborted) for the owner thread, or
    /// gives them back if it exited.
    pub fn hand_over(
        &self,
        runnables: Vec<Runnable>,
        tasks: Vec<TaskRef>,
    ) -> Result<(), OwnerGone> {
        if runnables.is_empty() && tasks.is_empty() {
            return Ok(());
        }
        let mut inner = self.inner.lock();
        if inner.closed {
            return Err(OwnerGone { runnables, tasks });
        }
        inner.runnables.extend(runnables);
        inner.tasks.extend(tasks);
        self.pending.store(true, Release);
        Ok(())
    }

    /// On the owner thread: cancels everything handed over, including what the cancellations
    /// themselves hand over (an aborted idle task comes back as a `Runnable`), until the inbox
    /// is empty; with `close`, it then refuses anything more (the thread exits).
    pub fn drain(&self, close: bool) {
        loop {
            let (runnables, tasks) = {
                let mut inner = self.inner.lock();
                if inner.runnables.is_empty() && inner.tasks.is_empty() {
                    inner.closed |= close;
                    self.pending.store(false, Relaxed);
                    return;
                }
                (
                    std::mem::take(&mut inner.runnables),
                    std::mem::take(&mut inner.tasks),
                )
            };
            for runnable in runnables {
                cancel_runnable(runnable);
            }
            for task in &tasks {
                task.abort();
            }
            drop(tasks);
        }
    }
}

impl Drop for Inbox {
    fn drop(&mut self) {
        // The owner's thread-local holds a reference until it drains and closes the inbox, so
        // the last reference goes with an empty inbox; never drop a local task here anyway.
        let inner = std::mem::take(self.inner.get_mut());
        if !inner.runnables.is_empty() || !inner.tasks.is_empty() {
            std::mem::forget(inner);
        }
    }
}

/// This thread's inbox, made when the thread first owns local tasks.
struct Slot(RefCell<Option<Arc<Inbox>>>);

impl Drop for Slot {
    fn drop(&mut self) {
        // The thread exits: cancel what was handed over, then refuse more.
        if let Some(inbox) = self.0.borrow_mut().take() {
            inbox.drain(true);
        }
    }
}

thread_local! {
    static SLOT: Slot = const { Slot(RefCell::new(None)) };
}

/// The calling thread's inbox (made on first use), or `None` while the thread exits.
pub(crate) fn this_thread() -> Option<Arc<Inbox>> {
    SLOT.try_with(|s| {
        s.0.borrow_mut()
            .get_or_insert_with(Default::default)
            .clone()
    })
    .ok()
}

/// Cancels, here, the local tasks handed back to this thread, if any: called when the thread
/// enters a runtime, so a thread that keeps using weft frees them at once.
pub(crate) fn drain_here() {
    let inbox = SLOT
        .try_with(|s| {
            s.0.borrow()
                .as_ref()
                .filter(|i| i.pending.load(Acquire))
                .cloned()
        })
        .ok()
        .flatten();
    if let Some(inbox) = inbox {
        inbox.drain(false);
    }
}

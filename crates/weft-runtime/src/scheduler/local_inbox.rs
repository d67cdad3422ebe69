//! Local (`!Send`) tasks handed back to the thread that owns them, to be cancelled there.
//!
//! A current-thread runtime is `Send`, so it may be shut down (dropped) on a thread other than
//! the one that spawned its `spawn_local` tasks, where their futures may not be dropped. The
//! shutdown then hands those tasks (their queued `Runnable`s and their registry references) to
//! the owner thread's [`Inbox`]; so does a wake that reaches such a task on another thread after
//! the shutdown. The owner cancels them (each future's destructor runs there) in its next poll
//! of a `block_on` future (a hand-over wakes the `block_on` the owner is in, so a `JoinHandle` of
//! such a task awaited there resolves) or, at the latest, when it exits (the inbox's thread-local
//! destructor). Only if the owner thread has already exited are the tasks leaked, with a
//! message on stderr: no thread may drop them any more.
//!
//! Threads that never owned local tasks pay one thread-local load per `block_on` poll.

use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::task::Waker;

use weft_core::loom::sync::atomic::{AtomicBool, Ordering::*};
use weft_core::loom::sync::Mutex;
use weft_core::task::{AtomicWaker, Runnable, TaskRef};

use super::cancel::cancel_runnable;

/// The tasks handed to one owner thread. (Public only for the loom models, through `__loom`.)
#[derive(Default)]
pub struct Inbox {
    inner: Mutex<Inner>,
    /// Something is waiting in `inner` (read without the lock at each `block_on` poll).
    pending: AtomicBool,
    /// The `block_on` the owner thread is in, woken by a hand-over.
    owner_waker: AtomicWaker,
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
        drop(inner);
        self.owner_waker.wake();
        Ok(())
    }

    /// On the owner thread, at each poll of a `block_on` future: registers `waker` to be woken
    /// by the next hand-over, then says whether something was handed over (to
    /// [`drain`](Self::drain)). Registered before the check, so a hand-over racing it is either
    /// seen now or wakes `waker`.
    pub fn owner_poll(&self, waker: &Waker) -> bool {
        self.owner_waker.register(waker);
        self.pending.load(Acquire)
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
        let _ = HAS_INBOX.try_with(|h| h.set(false));
        // The thread exits: cancel what was handed over, then refuse more.
        if let Some(inbox) = self.0.borrow_mut().take() {
            inbox.drain(true);
        }
    }
}

thread_local! {
    static SLOT: Slot = const { Slot(RefCell::new(None)) };
    /// Whether `SLOT` holds an inbox: what each `block_on` poll reads (no destructor, so one
    /// load).
    static HAS_INBOX: Cell<bool> = const { Cell::new(false) };
}

/// The calling thread's inbox (made on first use), or `None` while the thread exits.
pub(crate) fn this_thread() -> Option<Arc<Inbox>> {
    let inbox = SLOT
        .try_with(|s| {
            s.0.borrow_mut()
                .get_or_insert_with(Default::default)
                .clone()
        })
        .ok()?;
    let _ = HAS_INBOX.try_with(|h| h.set(true));
    Some(inbox)
}

/// Called at each poll of a `block_on` future: on a thread that owns local tasks, registers
/// `waker` to be woken by a hand-over, and cancels, here, what was handed back.
#[inline]
pub(crate) fn on_block_on_poll(waker: &Waker) {
    if HAS_INBOX.try_with(Cell::get).unwrap_or(false) {
        owner_poll(waker);
    }
}

#[cold]
fn owner_poll(waker: &Waker) {
    let inbox = SLOT
        .try_with(|s| {
            let slot = s.0.borrow();
            let inbox = slot.as_ref()?;
            // Cloned out only when there is work: the drain runs destructors, which may use
            // this thread-local again.
            inbox.owner_poll(waker).then(|| inbox.clone())
        })
        .ok()
        .flatten();
    if let Some(inbox) = inbox {
        inbox.drain(false);
    }
}

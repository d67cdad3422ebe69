//! Tasks: the one-allocation task cell, [`Runnable`], [`JoinHandle`] and the task's waker.
//!
//! [`spawn`] puts a future and a scheduling hook ([`Schedule`]) into one heap allocation and
//! returns two handles: a [`Runnable`], the right to poll the task once, and a [`JoinHandle`],
//! the right to its output. Waking the task creates the next `Runnable` and hands it to the hook.
//! A runtime is a loop over queues of `Runnable`s; everything a task needs to be woken, cancelled
//! and joined lives in its cell.
//!
//! # Vocabulary
//!
//! - **task**: a spawned future with its cell. **runner**: whoever is inside [`Runnable::run`] (or
//!   cancelling a dropped `Runnable`).
//! - **reference**: each `Runnable`, `JoinHandle`, task `Waker` and [`TaskRef`] owns one; the last
//!   one frees the cell.
//! - **stage**: the future, then its output (value, panic payload or cancellation), then nothing.
//!
//! # Examples
//!
//! A complete (tiny) executor: a queue of `Runnable`s.
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use weft_core::task::{self, Runnable, Schedule, ScheduleInfo, SpawnOptions};
//!
//! #[derive(Default)]
//! struct Queue(Mutex<Vec<Runnable>>);
//! impl Schedule for Queue {
//!     fn schedule(&self, task: Runnable, _info: ScheduleInfo) {
//!         self.0.lock().unwrap().push(task);
//!     }
//! }
//!
//! let queue = Arc::new(Queue::default());
//! let (runnable, handle) = task::spawn(
//!     async {
//!         weft_core::future::yield_now().await;
//!         "done"
//!     },
//!     queue.clone(),
//!     SpawnOptions::new().name("example"),
//! );
//! runnable.schedule();
//! loop {
//!     let next = queue.0.lock().unwrap().pop();
//!     match next {
//!         Some(runnable) => { runnable.run(); }
//!         None => break,
//!     }
//! }
//! assert_eq!(futures_executor::block_on(handle).unwrap(), "done");
//! ```
//!
//! # The state word
//!
//! Six flags, the outcome and the reference count share one atomic word (`state.rs`, the only
//! code that touches it): `RUNNING`, `COMPLETE`, `NOTIFIED`, `CANCELLED`, `JOIN_INTEREST` (the
//! `JoinHandle` is alive), `JOIN_WAKER` (the join waker slot is
//! published to the runner), and two outcome bits set with `COMPLETE` (value, panic or
//! cancellation: what the stage holds, which therefore needs no tag of its own).
//!
//! # Life cycle
//!
//! ```text
//!  spawn (NOTIFIED | JOIN_INTEREST, 2 refs: Runnable + JoinHandle)
//!    |
//!    v       (1) transition_to_running                  (3) transition_to_complete
//! NOTIFIED ---------------------------------> RUNNING ---------------------------> COMPLETE
//!    ^  ^                                     |     |   (Ready, panicked or cancelled)
//!    |  |  (2) transition_to_idle: OkNotified |     |
//!    |  +-------------------------------------+     | (2) transition_to_idle: Ok
//!    |     (woken while running: rescheduled once)  |
//!    |                                              v
//!    +------------------------------------------- IDLE
//!       (4) transition_to_notified_by_val / _by_ref
//!       (5) transition_to_notified_and_cancel (abort)
//!
//!  (6) transition_to_running_for_cancel: a dropped, un-run Runnable takes NOTIFIED to
//!      RUNNING | CANCELLED; the future is dropped and (3) follows.
//!  (5) abort of a NOTIFIED task only sets CANCELLED (its Runnable cancels at (1)); of a RUNNING
//!      task too ((2) then returns Cancelled and the runner cancels); of a COMPLETE one: nothing.
//!  (7) transition_to_join_handle_dropped (the JoinHandle, at any time; rule 4).
//!  (8) set_join_waker / unset_waker (the JoinHandle) and unset_waker_after_complete (the runner,
//!      after (3)): the join waker handshake (rule 5).
//!  (9) ref_inc / ref_dec: any reference holder (rule 1); the last one frees the cell.
//! ```
//!
//! # Ownership protocol
//!
//! Who may touch which part of the cell, and when. Every `unsafe` access in this module cites one
//! of these rules.
//!
//! 1. **References.** Each `Runnable`, `JoinHandle`, task `Waker` and `TaskRef` owns one
//!    reference. A wake that creates a `Runnable` either hands the waker's reference to it
//!    (`wake`) or adds one (`wake_by_ref`, abort); the runner's reference is the `Runnable`'s.
//!    Whoever drops the count to zero frees the cell (`dealloc`).
//! 2. **One runnable.** While `NOTIFIED` is set and `RUNNING` and `COMPLETE` are not, exactly one
//!    `Runnable` exists. A wake while `RUNNING` only sets `NOTIFIED`; the runner then creates the
//!    `Runnable` itself at (2). A wake while `NOTIFIED` or `COMPLETE` does nothing.
//! 3. **The future.** Only the runner touches the stage while it holds `RUNNING`: it polls the
//!    future in place, then drops it in place and stores the output (or the cancellation or
//!    panic) before (3).
//! 4. **The output.** At (3) the output belongs to the `JoinHandle` if `JOIN_INTEREST` is set
//!    in the word (3) produced, else to the runner, which drops it (reporting an unseen panic). A
//!    handle dropped before (3) clears `JOIN_INTEREST` at (7) and so leaves the output to the
//!    runner; a handle dropped after (3) drops it itself, unless it took it (the handle remembers
//!    that it returned `Ready`). The outcome bits say which output it is; nothing is left in a
//!    complete task's stage once its owner is done.
//! 5. **The join waker slot.** With `JOIN_INTEREST` set and `JOIN_WAKER` clear, only the
//!    `JoinHandle` touches the slot; it publishes a waker by setting `JOIN_WAKER` (8), which fails
//!    once `COMPLETE` is set. With `JOIN_WAKER` set, both sides may only read it; the handle takes
//!    it back with `unset_waker` (fails after `COMPLETE`). After (3) with `JOIN_WAKER` set, the
//!    runner wakes it, then clears `JOIN_WAKER`; if `JOIN_INTEREST` is gone by then, the runner
//!    empties the slot, else the handle owns it again. A handle dropped before (3) takes the slot
//!    back at (7).
//! 6. **Immutable parts.** The header's vtable, id and spawn site and the scheduler never
//!    change after spawn; any reference holder may read them.
//! 7. **End of life.** [`Schedule::release_ref`] (by default [`Schedule::release`]) is called
//!    once, by the runner, right after (3); a reference it hands back is dropped with the
//!    runner's.
//!    [`Schedule::unhandled_panic`] is called at most once: by the runner at (3) when no handle
//!    is left, or by the handle at (7) when it drops a panic it never returned.
//! 8. **Freeing.** When the count reaches zero no one else can reach the cell: `dealloc` drops
//!    the future of a task that never completed (it can never be woken again; a complete task's
//!    output was taken or dropped by its owner, rule 4), the scheduler and the header, and frees
//!    the memory.
//!
//! Panics: a panic in `poll` or in the future's destructor is caught and becomes the
//! [`JoinError`]; a panic in a destructor run by the cell elsewhere, in the join waker or in the
//! scheduler's `release`/`unhandled_panic` is caught and dropped; a panic inside a state
//! transition (a broken invariant) aborts the process.

mod abort;
mod atomic_waker;
mod cell;
#[cfg(feature = "test-util")]
mod count;
mod current;
mod guard;
mod harness;
mod join;
mod local;
mod runnable;
mod site;
mod state;
mod wait;
mod waker;

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::num::NonZeroU64;
use std::panic::Location;

pub use abort::AbortHandle;
pub use atomic_waker::AtomicWaker;
pub use current::try_current_id;
pub use join::{JoinError, JoinHandle};
pub use local::{AccessError, LocalKey, TaskLocalFuture};
pub use runnable::{Runnable, TaskRef, TaskState};
pub use wait::{record_wait, wait_on, Resource, WaitOn, WaitSite, WaitingOn};

#[cfg(feature = "test-util")]
pub use count::live_task_count;

/// Without `test-util`, allocation counting costs nothing.
#[cfg(not(feature = "test-util"))]
mod count {
    #[inline(always)]
    pub(super) fn inc() {}
    #[inline(always)]
    pub(super) fn dec() {}
}

/// A task's id: unique among all tasks spawned in this process.
///
/// Ids rise in spawn order on each thread; across threads they are unique but not in spawn
/// order (threads take ids in blocks).
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
/// let q = Arc::new(Queue::default());
/// let (_r1, a) = task::spawn(async {}, q.clone(), SpawnOptions::new());
/// let (_r2, b) = task::spawn(async {}, q, SpawnOptions::new());
/// assert_ne!(a.id(), b.id());
/// assert!(a.id() < b.id());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct TaskId(NonZeroU64);

impl TaskId {
    #[inline]
    fn next() -> TaskId {
        use std::cell::Cell;
        use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

        // Threads take ids in blocks so that workers spawning at the same time do not fight over
        // one counter's cache line: one shared increment per `BLOCK` spawns. Ids stay unique and
        // increase per thread but are not dense (a thread that exits leaves its block's rest
        // unused); 64 bits do not run out at any spawn rate. A plain counter, not part of any
        // concurrent protocol: std's atomic (not the loom shim), so that it stays process-global
        // under loom too.
        const BLOCK: u64 = 256;
        static NEXT_BLOCK: AtomicU64 = AtomicU64::new(1);
        thread_local! {
            static RANGE: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
        }
        let id = RANGE
            .try_with(|range| {
                let (mut next, mut end) = range.get();
                if next == end {
                    next = NEXT_BLOCK.fetch_add(BLOCK, Relaxed);
                    end = next + BLOCK;
                }
                range.set((next + 1, end));
                next
            })
            .unwrap_or_else(|_| NEXT_BLOCK.fetch_add(1, Relaxed));
        TaskId(NonZeroU64::new(id).expect("task id counter wrapped around"))
    }

    /// The id as a number.
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// How to spawn a task: its name and spawn location, for diagnostics.
///
/// # Examples
///
/// ```
/// use weft_core::task::SpawnOptions;
///
/// let opts = SpawnOptions::new().name("fetch");
/// assert_eq!(opts.get_name(), Some("fetch"));
/// assert_eq!(opts.get_location().file(), file!());
/// ```
#[derive(Clone, Debug)]
pub struct SpawnOptions {
    name: Option<Box<str>>,
    location: &'static Location<'static>,
}

impl SpawnOptions {
    /// No name; the spawn location is the caller of `new` (pass a `#[track_caller]` function's
    /// caller through with [`location`](Self::location)).
    #[track_caller]
    pub fn new() -> SpawnOptions {
        SpawnOptions {
            name: None,
            location: Location::caller(),
        }
    }

    /// Names the task (shown by `JoinError`, panic reports and `Debug`).
    pub fn name(mut self, name: impl Into<String>) -> SpawnOptions {
        self.name = Some(name.into().into_boxed_str());
        self
    }

    /// Sets the spawn location reported for the task.
    pub fn location(mut self, location: &'static Location<'static>) -> SpawnOptions {
        self.location = location;
        self
    }

    /// The name, if set.
    pub fn get_name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The spawn location.
    pub fn get_location(&self) -> &'static Location<'static> {
        self.location
    }
}

impl Default for SpawnOptions {
    #[track_caller]
    fn default() -> Self {
        SpawnOptions::new()
    }
}

/// What the task's cell tells the scheduler along with a [`Runnable`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScheduleInfo {
    /// The task was woken while it was being polled: it woke itself (`yield_now`, a spent budget)
    /// or another thread woke it during the poll. The cell reschedules it once when the poll
    /// returns, with this set. Put it at the BACK of a queue, never in a LIFO slot, or it starves
    /// the others.
    pub woken_while_running: bool,
}

/// The scheduling hook of a task: where its `Runnable`s go.
///
/// A runtime implements it (usually on an `Arc` of its shared state, or a small handle); the cell
/// stores it next to the future and calls it when the task is woken.
///
/// `schedule` may be called from any thread that holds a waker (for tasks spawned with
/// [`spawn`]), including from inside `Runnable::run` and from inside `schedule` itself (a
/// `Runnable` dropped there cancels its task, which calls `release`). A scheduler that has shut
/// down drops the `Runnable`: that cancels the task.
///
/// # Examples
///
/// A scheduler that keeps a registry of live tasks, as a runtime does for shutdown:
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::{Arc, Mutex};
/// use weft_core::task::{self, Runnable, Schedule, ScheduleInfo, SpawnOptions, TaskId, TaskRef};
///
/// #[derive(Default)]
/// struct Rt {
///     queue: Mutex<Vec<Runnable>>,
///     live: Mutex<HashMap<TaskId, TaskRef>>,
/// }
/// impl Schedule for Rt {
///     fn schedule(&self, task: Runnable, _info: ScheduleInfo) {
///         self.queue.lock().unwrap().push(task);
///     }
///     fn release(&self, task: &TaskRef) {
///         // Dropped after the lock is released.
///         let entry = self.live.lock().unwrap().remove(&task.id());
///         drop(entry);
///     }
/// }
///
/// let rt = Arc::new(Rt::default());
/// let (runnable, handle) = task::spawn(async { 7 }, rt.clone(), SpawnOptions::new());
/// rt.live.lock().unwrap().insert(runnable.id(), runnable.task()); // before it can run
/// runnable.schedule();
/// let next = rt.queue.lock().unwrap().pop().unwrap();
/// next.run();
/// assert!(rt.live.lock().unwrap().is_empty());
/// assert_eq!(futures_executor::block_on(handle).unwrap(), 7);
/// ```
pub trait Schedule: Send + Sync + 'static {
    /// Queues `task` to be run.
    fn schedule(&self, task: Runnable, info: ScheduleInfo);

    /// Called exactly once when the task reaches its end (output stored, panicked, or cancelled),
    /// so a runtime can drop it from its live-task registry.
    fn release(&self, task: &TaskRef) {
        let _ = task;
    }

    /// [`release`](Schedule::release), for a scheduler that holds a reference to the task itself
    /// (a runtime's registry of live tasks): it may hand that reference back instead of dropping
    /// it, and the cell drops it together with the runner's own in one atomic step. The cell
    /// calls this one (not `release`) at the task's end. The default calls `release` and hands
    /// nothing back.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use weft_core::task::{self, Runnable, Schedule, ScheduleInfo, SpawnOptions, TaskRef};
    ///
    /// #[derive(Default)]
    /// struct Rt {
    ///     queue: Mutex<Vec<Runnable>>,
    ///     live: Mutex<Vec<TaskRef>>,
    /// }
    /// impl Schedule for Rt {
    ///     fn schedule(&self, task: Runnable, _info: ScheduleInfo) {
    ///         self.queue.lock().unwrap().push(task);
    ///     }
    ///     fn release_ref(&self, task: &TaskRef) -> Option<TaskRef> {
    ///         let mut live = self.live.lock().unwrap();
    ///         let i = live.iter().position(|t| t == task)?;
    ///         Some(live.swap_remove(i))
    ///     }
    /// }
    ///
    /// let rt = Arc::new(Rt::default());
    /// let (runnable, handle) = task::spawn(async { 7 }, rt.clone(), SpawnOptions::new());
    /// rt.live.lock().unwrap().push(runnable.task());
    /// runnable.run();
    /// assert!(rt.live.lock().unwrap().is_empty());
    /// assert_eq!(futures_executor::block_on(handle).unwrap(), 7);
    /// ```
    fn release_ref(&self, task: &TaskRef) -> Option<TaskRef> {
        self.release(task);
        None
    }

    /// A panic nobody will ever see: the task panicked with its `JoinHandle` already dropped, or
    /// the `JoinHandle` was dropped while holding an unretrieved panic. Called at most once per
    /// task. The default prints one line to stderr (see [`report_unhandled_panic`]).
    fn unhandled_panic(&self, task: &TaskRef, payload: &(dyn Any + Send)) {
        report_unhandled_panic(task, payload);
    }
}

impl<S: Schedule> Schedule for std::sync::Arc<S> {
    #[inline]
    fn schedule(&self, task: Runnable, info: ScheduleInfo) {
        (**self).schedule(task, info)
    }

    #[inline]
    fn release(&self, task: &TaskRef) {
        (**self).release(task)
    }

    #[inline]
    fn release_ref(&self, task: &TaskRef) -> Option<TaskRef> {
        (**self).release_ref(task)
    }

    fn unhandled_panic(&self, task: &TaskRef, payload: &(dyn Any + Send)) {
        (**self).unhandled_panic(task, payload)
    }
}

/// Prints the one-line report of a panic that no `JoinHandle` will see, like asyncio's "Task
/// exception was never retrieved": task id, name, spawn location and the panic message.
pub fn report_unhandled_panic(task: &TaskRef, payload: &(dyn Any + Send)) {
    eprintln!("weft: {}", unhandled_panic_message(task, payload));
}

/// The text [`report_unhandled_panic`] prints (without the `weft: ` prefix).
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
/// let (runnable, _handle) = task::spawn(async {}, Arc::new(Queue::default()), SpawnOptions::new().name("fetch"));
/// let task = runnable.task();
/// let msg = task::unhandled_panic_message(&task, &"boom");
/// assert!(msg.starts_with(&format!("task {} (\"fetch\") spawned at ", task.id())));
/// assert!(msg.ends_with("panicked and its JoinHandle was dropped: boom"));
/// ```
pub fn unhandled_panic_message(task: &TaskRef, payload: &(dyn Any + Send)) -> String {
    let name = match task.name() {
        Some(name) => format!(" ({name:?})"),
        None => String::new(),
    };
    let msg = join::payload_message(payload).unwrap_or("<non-string panic payload>");
    format!(
        "task {}{name} spawned at {} panicked and its JoinHandle was dropped: {msg}",
        task.id(),
        task.location()
    )
}

/// Spawns `future` as a task scheduled through `scheduler`.
///
/// Returns the task's first [`Runnable`] (run or schedule it to start the task; dropping it
/// cancels the task) and its [`JoinHandle`]. One allocation holds everything.
///
/// Called inside a [`LocalKey::scope`], the task inherits the task-locals in scope for its whole
/// life (one reference-count increment); outside every scope, task-locals cost it nothing.
///
/// # Examples
///
/// See [`Runnable`] and the [module docs](self). A future that is not `Send` needs
/// [`spawn_unchecked`] (and a scheduler that keeps it on its thread):
///
/// ```compile_fail
/// # use std::sync::{Arc, Mutex};
/// # use weft_core::task::{self, Runnable, Schedule, ScheduleInfo, SpawnOptions};
/// # #[derive(Default)]
/// # struct Queue(Mutex<Vec<Runnable>>);
/// # impl Schedule for Queue {
/// #     fn schedule(&self, task: Runnable, _info: ScheduleInfo) { self.0.lock().unwrap().push(task); }
/// # }
/// let rc = std::rc::Rc::new(1);
/// let (_runnable, _handle) = task::spawn(async move { *rc }, Arc::new(Queue::default()), SpawnOptions::new());
/// ```
pub fn spawn<F, S>(future: F, scheduler: S, opts: SpawnOptions) -> (Runnable, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    // SAFETY: F and F::Output are Send, so the Runnable, its wakers and the JoinHandle may go
    // to any thread.
    unsafe { spawn_unchecked(future, scheduler, opts) }
}

/// Spawns a future that need not be `Send` (for `spawn_local`).
///
/// # Safety
///
/// If `F` or `F::Output` is not `Send`: the `Runnable` (and every `Runnable` of this task made by
/// wakes) must be run and dropped only on the thread that called this, and before that thread
/// ends; and the `JoinHandle` must be polled and dropped only there too if `F::Output` is not
/// `Send`.
pub unsafe fn spawn_unchecked<F, S>(
    future: F,
    scheduler: S,
    opts: SpawnOptions,
) -> (Runnable, JoinHandle<F::Output>)
where
    F: Future + 'static,
    S: Schedule,
{
    // A task spawned inside a task-local scope inherits the context (local.rs); the others are
    // spawned unwrapped, so they pay one thread-local read and nothing else.
    let ptr = match local::capture() {
        None => harness::allocate(future, scheduler, opts),
        Some(ctx) => harness::allocate(local::WithContext::new(ctx, future), scheduler, opts),
    };
    // SAFETY: a fresh cell starts NOTIFIED with two references: one is the Runnable's, the other
    // (with JOIN_INTEREST) the JoinHandle's, whose output type is F::Output.
    unsafe { (Runnable::from_header(ptr), JoinHandle::new(ptr)) }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    struct Nop;
    impl Schedule for Nop {
        fn schedule(&self, task: Runnable, _info: ScheduleInfo) {
            drop(task);
        }
    }

    #[test]
    fn task_cell_layout() {
        fn size_of_cell<F: Future, S>(_: &F, _: &S) -> usize {
            std::mem::size_of::<cell::Cell<F, S>>()
        }
        let sched = std::sync::Arc::new(Nop);
        let size = size_of_cell(&async {}, &sched);
        println!("task cell for `async {{}}` with an Arc scheduler: {size} bytes");
        // Header: state, vtable, id, spawn site (one word), join waker (two).
        assert_eq!(std::mem::size_of::<cell::Header>(), 48);
        // Diag: polls, registry slot, waiting_on.
        assert_eq!(std::mem::size_of::<cell::Diag>(), 16);
        // The stage of a small future: one word, the largest field being the (thin) panic box;
        // no tag (the state word's outcome bits say which field is live).
        assert_eq!(
            std::mem::size_of::<cell::Stage<std::future::Ready<()>>>(),
            8
        );
        assert!(size <= 80, "empty task cell is {size} bytes");
    }
}

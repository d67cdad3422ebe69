//! `Runnable` (the right to poll a task once) and `TaskRef` (a counted reference for registries).

use std::fmt;
use std::mem;
use std::panic::Location;
use std::ptr::NonNull;

use super::cell::{Diag, Header};
use super::state::TransitionToNotifiedByRef;
use super::{ScheduleInfo, TaskId};

/// A task that is ready to be polled: run it once with [`run`](Runnable::run).
///
/// Exactly one `Runnable` exists per scheduled task: spawning creates the first, and each wake of
/// an idle task creates the next and hands it to the task's [`Schedule`](super::Schedule) hook.
/// A runtime is a loop that takes `Runnable`s from queues and runs them.
///
/// Dropping a `Runnable` without running it **cancels** the task: its future is dropped on the
/// dropping thread and its [`JoinHandle`](super::JoinHandle) resolves to a cancelled
/// [`JoinError`](super::JoinError). That is how a runtime that shuts down cancels its queued tasks.
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
/// let (runnable, handle) = task::spawn(async { 1 + 1 }, queue.clone(), SpawnOptions::new());
/// assert!(!runnable.run());
/// assert!(handle.is_finished());
/// assert_eq!(futures_executor::block_on(handle).unwrap(), 2);
/// ```
///
/// # Invariants
///
/// `ptr` points to a live task cell; this value owns one of its references, and the task is
/// `NOTIFIED`, neither `RUNNING` nor `COMPLETE` (rule 2 of the [module docs](super)).
pub struct Runnable {
    ptr: NonNull<Header>,
}

// SAFETY: a Runnable only reaches the cell through the state protocol. For `spawn`, the future,
// output and scheduler are Send; for `spawn_unchecked` the caller promised to keep the Runnable on
// the spawning thread when they are not.
unsafe impl Send for Runnable {}
// SAFETY: `&Runnable` only reads immutable header fields (`id`) or adds a reference (`task`).
unsafe impl Sync for Runnable {}

impl Runnable {
    /// Wraps a reference that stands for the task's one `Runnable`.
    ///
    /// # Safety
    ///
    /// The caller hands over one reference of a live cell that is `NOTIFIED`, not running and not
    /// complete, and no other `Runnable` of it exists.
    pub(super) unsafe fn from_header(ptr: NonNull<Header>) -> Runnable {
        Runnable { ptr }
    }

    fn header(&self) -> &Header {
        // SAFETY: invariant: we own a reference.
        unsafe { Header::from_ptr(self.ptr) }
    }

    /// Polls the task once, catching a panic (which becomes the [`JoinError`](super::JoinError)).
    ///
    /// Returns `true` if the task woke itself during this poll (a `yield_now`, a spent budget): it
    /// has then already been handed back to its scheduler with
    /// [`ScheduleInfo::woken_while_running`] set. A task aborted before this call is cancelled
    /// instead of polled.
    #[inline]
    pub fn run(self) -> bool {
        let ptr = self.ptr;
        let vtable = self.header().vtable;
        mem::forget(self);
        // SAFETY: the Runnable's reference is handed to `run`, as the vtable requires.
        unsafe { (vtable.run)(ptr) }
    }

    /// Hands the task to its scheduler (with default [`ScheduleInfo`]).
    #[inline]
    pub fn schedule(self) {
        let ptr = self.ptr;
        let vtable = self.header().vtable;
        mem::forget(self);
        // SAFETY: the Runnable's reference goes back into a new Runnable inside `schedule`.
        unsafe { (vtable.schedule)(ptr, ScheduleInfo::default()) }
    }

    /// The task's id.
    #[inline]
    pub fn id(&self) -> TaskId {
        self.header().id
    }

    /// A counted reference to the task, for registries and diagnostics.
    #[inline]
    pub fn task(&self) -> TaskRef {
        self.header().state.ref_inc();
        TaskRef { ptr: self.ptr }
    }

    /// Turns the `Runnable` into a raw pointer (for intrusive queues); [`Runnable::from_raw`]
    /// turns it back. Leaking the pointer leaks the task.
    #[inline]
    pub fn into_raw(self) -> NonNull<()> {
        let ptr = self.ptr;
        mem::forget(self);
        ptr.cast()
    }

    /// Rebuilds a `Runnable` from [`Runnable::into_raw`].
    ///
    /// # Safety
    ///
    /// `ptr` must come from `into_raw` and be passed to `from_raw` exactly once.
    #[inline]
    pub unsafe fn from_raw(ptr: NonNull<()>) -> Runnable {
        Runnable { ptr: ptr.cast() }
    }
}

impl Drop for Runnable {
    fn drop(&mut self) {
        let vtable = self.header().vtable;
        // SAFETY: the Runnable's reference is handed to `cancel`.
        unsafe { (vtable.cancel)(self.ptr) }
    }
}

impl fmt::Debug for Runnable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = self.header();
        f.debug_struct("Runnable")
            .field("id", &h.id)
            .field("name", &h.site.name())
            .field("state", &h.state)
            .finish()
    }
}

/// Where a task is in its life, for diagnostics ([`TaskRef::state`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskState {
    /// Waiting to be woken.
    Idle,
    /// Woken, waiting in a queue to be polled.
    Scheduled,
    /// Being polled right now.
    Running,
    /// Done (with a value, a panic or cancelled).
    Finished,
}

impl TaskState {
    /// The lower-case word for a table.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Idle => "idle",
            TaskState::Scheduled => "scheduled",
            TaskState::Running => "running",
            TaskState::Finished => "finished",
        }
    }
}

/// A counted reference to a task: keeps its cell (not its future) alive.
///
/// Runtimes keep one per live task in a registry (to list and cancel tasks at shutdown) and drop it
/// in [`Schedule::release`](super::Schedule::release).
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
///     task::spawn(std::future::pending::<()>(), queue.clone(), SpawnOptions::new().name("idle"));
/// let task = runnable.task();
/// assert_eq!(task.name(), Some("idle"));
/// runnable.run(); // pending: now idle
/// task.abort(); // an idle task is scheduled so that its runner cancels it
/// let runnable = queue.0.lock().unwrap().pop().unwrap();
/// runnable.run();
/// assert!(task.is_finished());
/// assert!(futures_executor::block_on(handle).unwrap_err().is_cancelled());
/// ```
///
/// # Invariants
///
/// `ptr` points to a live task cell and this value owns one of its references.
pub struct TaskRef {
    ptr: NonNull<Header>,
}

// SAFETY: a TaskRef only reads immutable header fields, or goes through the state protocol
// (`abort`, which hands a Runnable to the scheduler like any waker does).
unsafe impl Send for TaskRef {}
// SAFETY: as for Send: every method takes `&self` and is thread-safe.
unsafe impl Sync for TaskRef {}

impl TaskRef {
    /// A `TaskRef` for a reference the caller owns (or, wrapped in `ManuallyDrop`, borrows).
    ///
    /// # Safety
    ///
    /// `ptr` is a live cell and the caller hands over (or lends, for the value's lifetime) one
    /// reference.
    pub(super) unsafe fn from_raw_ref(ptr: NonNull<Header>) -> TaskRef {
        TaskRef { ptr }
    }

    fn header(&self) -> &Header {
        // SAFETY: invariant: we own a reference.
        unsafe { Header::from_ptr(self.ptr) }
    }

    fn diag(&self) -> &Diag {
        // SAFETY: invariant: we own a reference.
        unsafe { Diag::from_ptr(self.ptr) }
    }

    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.header().id
    }

    /// The task's name, if it was spawned with one.
    pub fn name(&self) -> Option<&str> {
        self.header().site.name()
    }

    /// Where the task was spawned.
    pub fn location(&self) -> &'static Location<'static> {
        self.header().site.location()
    }

    /// How many times the task has been polled.
    pub fn polls(&self) -> u32 {
        self.diag().polls.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The number the runtime's task registry gave this task ([`set_registry_slot`]), 0 if
    /// none did.
    ///
    /// [`set_registry_slot`]: TaskRef::set_registry_slot
    #[inline]
    pub fn registry_slot(&self) -> u32 {
        self.diag()
            .registry_slot
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Stores a number for the registry that lists the task (its index there), so that the
    /// registry finds the task again without searching. One word per task, kept for whoever
    /// registers it (a runtime lists each task in one registry); a relaxed store, so the
    /// registry orders it with its own lock.
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
    /// let (runnable, _handle) = task::spawn(async {}, Arc::new(Queue::default()), SpawnOptions::new());
    /// let task = runnable.task();
    /// assert_eq!(task.registry_slot(), 0);
    /// task.set_registry_slot(17);
    /// assert_eq!(runnable.task().registry_slot(), 17);
    /// ```
    #[inline]
    pub fn set_registry_slot(&self, slot: u32) {
        self.diag()
            .registry_slot
            .store(slot, std::sync::atomic::Ordering::Relaxed);
    }

    /// What the task's last poll waited on, if that was a weft resource (see
    /// [`WaitingOn`](super::WaitingOn)). Only meaningful while the task is idle.
    pub fn waiting_on(&self) -> Option<super::WaitingOn> {
        self.diag().waiting_on.get()
    }

    /// Whether the task is idle, scheduled, running or finished, as of this call.
    pub fn state(&self) -> TaskState {
        let s = self.header().state.load();
        if s.is_complete() {
            TaskState::Finished
        } else if s.is_running() {
            TaskState::Running
        } else if s.is_notified() {
            TaskState::Scheduled
        } else {
            TaskState::Idle
        }
    }

    /// Whether the task has finished (with a value, a panic, or cancelled).
    pub fn is_finished(&self) -> bool {
        self.header().state.load().is_complete()
    }

    /// Aborts the task: an idle task is scheduled so that the runner cancels it; a running one is
    /// cancelled when its poll returns; a finished one is left alone.
    pub fn abort(&self) {
        // SAFETY: we own a reference.
        unsafe { abort(self.ptr) }
    }

    /// The raw header pointer, to compare or hash tasks.
    pub fn as_ptr(&self) -> NonNull<()> {
        self.ptr.cast()
    }

    /// Gives up this value, keeping its reference: the task stays alive until
    /// [`from_raw`](TaskRef::from_raw) takes the reference back (and drops it).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use weft_core::task::{self, Runnable, Schedule, ScheduleInfo, SpawnOptions, TaskRef};
    /// # #[derive(Default)]
    /// # struct Queue(Mutex<Vec<Runnable>>);
    /// # impl Schedule for Queue {
    /// #     fn schedule(&self, task: Runnable, _info: ScheduleInfo) { self.0.lock().unwrap().push(task); }
    /// # }
    /// let (runnable, _handle) = task::spawn(async {}, Arc::new(Queue::default()), SpawnOptions::new());
    /// let raw = runnable.task().into_raw();
    /// // SAFETY: `raw` came from `into_raw` and is taken back once.
    /// let task = unsafe { TaskRef::from_raw(raw) };
    /// assert_eq!(task.id(), runnable.id());
    /// ```
    pub fn into_raw(self) -> NonNull<()> {
        let ptr = self.ptr.cast();
        std::mem::forget(self);
        ptr
    }

    /// Takes back a reference given up by [`into_raw`](TaskRef::into_raw).
    ///
    /// # Safety
    ///
    /// `ptr` came from `into_raw` and its reference has not been taken back yet; or the result is
    /// wrapped in `ManuallyDrop` (never dropped) and used only while someone else keeps a
    /// reference to the task alive.
    pub unsafe fn from_raw(ptr: NonNull<()>) -> TaskRef {
        TaskRef { ptr: ptr.cast() }
    }
}

/// Shared by `TaskRef::abort` and `JoinHandle::abort`.
///
/// # Safety
///
/// The caller holds a reference to the live cell `ptr`.
pub(super) unsafe fn abort(ptr: NonNull<Header>) {
    // SAFETY: the caller's reference.
    let header = unsafe { Header::from_ptr(ptr) };
    match header.state.transition_to_notified_and_cancel() {
        TransitionToNotifiedByRef::DoNothing => {}
        // SAFETY: the transition added a reference that stands for the task's one Runnable.
        TransitionToNotifiedByRef::Submit => unsafe {
            (header.vtable.schedule)(ptr, ScheduleInfo::default())
        },
    }
}

impl Clone for TaskRef {
    #[inline]
    fn clone(&self) -> Self {
        self.header().state.ref_inc();
        TaskRef { ptr: self.ptr }
    }
}

impl Drop for TaskRef {
    #[inline]
    fn drop(&mut self) {
        let header = self.header();
        if header.state.ref_dec() {
            // SAFETY: ours was the last reference.
            unsafe { (header.vtable.dealloc)(self.ptr) }
        }
    }
}

impl PartialEq for TaskRef {
    fn eq(&self, other: &Self) -> bool {
        self.ptr == other.ptr
    }
}

impl Eq for TaskRef {}

impl std::hash::Hash for TaskRef {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.ptr.hash(state);
    }
}

impl fmt::Debug for TaskRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = self.header();
        f.debug_struct("TaskRef")
            .field("id", &h.id)
            .field("name", &h.site.name())
            .field("location", &format_args!("{}", h.site.location()))
            .field("state", &h.state)
            .finish()
    }
}

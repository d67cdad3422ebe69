//! The memory layout of a task: one allocation, a non-generic header first.
//!
//! ```text
//!   Cell<F, S>  (#[repr(C)], one Box)
//!   +-- Core<S>  (#[repr(C)])
//!   |   +-- Header     state word, &'static Vtable, TaskId, spawn site (location + name, one
//!   |   |              word: see `site.rs`), join waker slot
//!   |   +-- Diag       polls, registry slot, what the last poll waited on (for task dumps)
//!   |   +-- S          the scheduling hook
//!   +-- stage          UnsafeCell<Stage<F>>: the future, then its output; a union whose live
//!                      field the state word names (no tag of its own)
//! ```
//!
//! For `async {}` with the runtime's scheduler hook (one `Arc`): header 48 + diag 16 + hook 8 +
//! stage 8 (the one-word panic payload is the largest field) = 80 bytes.
//!
//! Handles hold a `NonNull<Header>`. Because every struct is `#[repr(C)]` and starts with the one
//! before it, a pointer to the header is also a pointer to the `Core<S>` and to the `Cell<F, S>`:
//! code that knows only `S` (scheduling) casts to `Core<S>`, code that knows `F` too casts to the
//! whole cell. The vtable holds the functions that need those types.

use std::any::Any;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::task::Waker;

use crate::loom::cell::UnsafeCell;

use super::site::SpawnSite;
use super::state::State;
use super::wait::WaitSlot;
use super::{ScheduleInfo, TaskId};

/// The non-generic start of every task cell.
///
/// # Invariants
///
/// - `vtable`, `id` and `site` never change after spawn.
/// - `join_waker` is accessed only under the rules of the [task module docs](super), rule 5.
/// - `vtable` was built for the `F` and `S` this header's cell was allocated with.
#[repr(C)]
pub(super) struct Header {
    pub(super) state: State,
    pub(super) vtable: &'static Vtable,
    pub(super) id: TaskId,
    /// Spawn location and name (one word; a named task's pair lives in a small heap block).
    /// Dropped by `dealloc` itself (rule 8), which keeps the cell's drop glue small enough to
    /// inline.
    pub(super) site: ManuallyDrop<SpawnSite>,
    /// The waker of the task awaiting the output. One slot is enough: only the `JoinHandle`
    /// reads the output, it is not `Clone`, and it is polled through `Pin<&mut JoinHandle>`, so
    /// at most one task waits here (`AbortHandle` and the registry never wait on the output).
    pub(super) join_waker: UnsafeCell<Option<Waker>>,
}

/// A task's diagnostics, right after its header.
///
/// Relaxed atomics, written only by the thread polling the task (the runner and the task's own
/// resource futures), read by anyone holding a reference.
#[derive(Default)]
pub(super) struct Diag {
    /// Polls so far: written by the runner only (a relaxed load and store), read by dumps.
    pub(super) polls: std::sync::atomic::AtomicU32,
    /// Where the runtime's task registry keeps the task (see [`TaskRef::registry_slot`]); in
    /// what would be padding after `polls`, so it costs no byte.
    ///
    /// [`TaskRef::registry_slot`]: super::TaskRef::registry_slot
    pub(super) registry_slot: std::sync::atomic::AtomicU32,
    /// What the last poll waited on (see `wait.rs`): cleared by the runner before each poll, set
    /// by weft's resource futures inside it, read by dumps.
    pub(super) waiting_on: WaitSlot,
}

impl Diag {
    /// The diagnostics of the task behind a header pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a live task cell (from `allocate`), and the caller must hold one of
    /// its references for `'a`.
    #[inline]
    pub(super) unsafe fn from_ptr<'a>(ptr: NonNull<Header>) -> &'a Diag {
        // SAFETY: every cell is a #[repr(C)] `Core<S>` first, and `Core`'s prefix (header, then
        // diag) has the same layout whatever `S` is, so the field's place is the same as in
        // `Core<()>`; the pointer's provenance is the whole cell (it came from the Box), and the
        // caller's reference keeps it alive. Only shared references to `Diag` are ever made.
        unsafe { &*std::ptr::addr_of!((*ptr.cast::<Core<()>>().as_ptr()).diag) }
    }
}

/// The header and the scheduler: everything that does not depend on the future's type.
#[repr(C)]
pub(super) struct Core<S> {
    pub(super) header: Header,
    pub(super) diag: Diag,
    pub(super) scheduler: S,
}

/// The whole allocation.
#[repr(C)]
pub(super) struct Cell<F: Future, S> {
    pub(super) core: Core<S>,
    pub(super) stage: UnsafeCell<Stage<F>>,
}

/// What the cell holds in place of the future as the task goes on: the future, then its output (a
/// value, a panic payload or nothing), then nothing.
///
/// A union, not an enum: which field is live follows from the state word, so the stage is the
/// size of its largest field with no tag (for `async {}`, the one-word payload: 8 bytes where an
/// enum took 16). The state word's `COMPLETE` bit and its outcome bits say which field is live:
///
/// - not `COMPLETE`: `future`, except inside the runner (rule 3), which drops it in place and
///   writes the output before setting `COMPLETE`;
/// - `COMPLETE` with outcome `Value`: `output`; `Panicked`: `panic`; `Cancelled`: none, until
///   whoever owns the output (rule 4) moves it out or drops it, once: the runner, or the
///   `JoinHandle` (which remembers whether it took the output). Once the last reference is gone
///   nothing is left in a complete task's stage, so `dealloc` drops the stage only if the task is
///   not complete.
///
/// # Invariants
///
/// Exactly the field named above is initialized, and only its owner (rules 3, 4, 8) touches it.
pub(super) union Stage<F: Future> {
    /// Not finished: the future (pinned here, dropped in place).
    pub(super) future: ManuallyDrop<F>,
    /// Finished with a value.
    pub(super) output: ManuallyDrop<F::Output>,
    /// The poll panicked (or the future's destructor did): the payload, in one word.
    pub(super) panic: ManuallyDrop<Payload>,
}

/// A panic payload boxed once more, so that it is one word: a stage is then no bigger than a
/// one-word future, where the two-word `Box<dyn Any>` would add a word to every task with a
/// smaller one (`async {}`). A panic costs one more small allocation.
///
/// Freeing it is kept out of line (a cold function), so that the stage's drop glue stays small
/// enough to be inlined where tasks complete and are freed.
///
/// # Invariants
///
/// The box is taken out of the `ManuallyDrop` at most once: by `into_inner` (which forgets
/// `self`) or by `Drop`.
pub(super) struct Payload(ManuallyDrop<Box<Box<dyn Any + Send>>>);

impl Payload {
    pub(super) fn new(payload: Box<dyn Any + Send>) -> Payload {
        Payload(ManuallyDrop::new(Box::new(payload)))
    }

    /// The payload.
    pub(super) fn get(&self) -> &(dyn Any + Send) {
        &***self.0
    }

    /// The payload, unboxed once.
    pub(super) fn into_inner(self) -> Box<dyn Any + Send> {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: invariant: `this` is never dropped (ManuallyDrop), so the box is taken once.
        *unsafe { ManuallyDrop::take(&mut this.0) }
    }
}

impl Drop for Payload {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: invariant: the value is being dropped, so the box is taken once, here.
        free_payload(unsafe { ManuallyDrop::take(&mut self.0) });
    }
}

#[cold]
#[inline(never)]
fn free_payload(payload: Box<Box<dyn Any + Send>>) {
    drop(payload);
}

/// The functions that need the cell's concrete types, one table per `(F, S)`.
pub(super) struct Vtable {
    /// Polls the task once (consumes the `Runnable`'s reference). Returns `true` if it woke itself.
    pub(super) run: unsafe fn(NonNull<Header>) -> bool,
    /// Cancels the task for a dropped, un-run `Runnable` (consumes its reference).
    pub(super) cancel: unsafe fn(NonNull<Header>),
    /// Hands a `Runnable` (an owned reference) to the scheduler.
    pub(super) schedule: unsafe fn(NonNull<Header>, ScheduleInfo),
    /// `JoinHandle::poll`: writes `Poll<Result<F::Output, JoinError>>` to the pointer if finished,
    /// otherwise registers the waker.
    pub(super) read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    /// `JoinHandle::drop` (consumes its reference); the flag says whether the handle took the
    /// output.
    pub(super) drop_join_handle: unsafe fn(NonNull<Header>, bool),
    /// Frees the cell; called by whoever dropped the last reference.
    pub(super) dealloc: unsafe fn(NonNull<Header>),
}

impl Header {
    /// The header behind a task pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a live task cell, and the caller must hold one of its references for
    /// the lifetime `'a`.
    #[inline]
    pub(super) unsafe fn from_ptr<'a>(ptr: NonNull<Header>) -> &'a Header {
        // SAFETY: the caller holds a reference, so the cell is allocated and its header
        // initialized for 'a; the header is only ever accessed through shared references.
        unsafe { ptr.as_ref() }
    }
}

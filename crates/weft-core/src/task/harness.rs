//! The vtable functions: polling, cancelling, completing, joining and freeing a task.
//!
//! Every function here consumes or uses one reference to the cell, as the task module's rules
//! say; each names the rule that lets it touch the stage or the join waker slot.

use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::{self, NonNull};
use std::task::{Context, Poll, Waker};

use super::cell::{Cell, Core, Diag, Header, Payload, Stage, Vtable};
use super::current::CurrentIdGuard;
use super::guard::AbortOnPanic;
use super::join::JoinError;
use super::state::{Outcome, Snapshot, TransitionToIdle, TransitionToRunning};
use super::{count, waker, Runnable, Schedule, ScheduleInfo, SpawnOptions, TaskId, TaskRef};

/// The vtable for a task of future `F` and scheduler `S`.
pub(super) fn vtable<F: Future, S: Schedule>() -> &'static Vtable {
    &Vtable {
        run: run::<F, S>,
        cancel: cancel::<F, S>,
        schedule: schedule::<S>,
        read_output: read_output::<F, S>,
        drop_join_handle: drop_join_handle::<F, S>,
        dealloc: dealloc::<F, S>,
    }
}

/// Allocates a task cell holding `future` and `scheduler`, with the initial state (two
/// references: the returned pointer stands for one `Runnable` and one `JoinHandle`).
pub(super) fn allocate<F: Future, S: Schedule>(
    future: F,
    scheduler: S,
    opts: SpawnOptions,
) -> NonNull<Header> {
    let cell = Box::new(Cell {
        core: Core {
            header: Header {
                state: super::state::State::new(),
                vtable: vtable::<F, S>(),
                id: TaskId::next(),
                site: ManuallyDrop::new(super::site::SpawnSite::new(opts.location, opts.name)),
                join_waker: crate::loom::cell::UnsafeCell::new(None),
            },
            diag: Diag::default(),
            scheduler,
        },
        stage: crate::loom::cell::UnsafeCell::new(Stage {
            future: ManuallyDrop::new(future),
        }),
    });
    count::inc();
    NonNull::from(Box::leak(cell)).cast::<Header>()
}

/// The cell behind a header pointer.
///
/// # Safety
///
/// `ptr` must come from [`allocate::<F, S>`] and the caller must hold a reference for `'a`.
unsafe fn cell<'a, F: Future, S>(ptr: NonNull<Header>) -> &'a Cell<F, S> {
    // SAFETY: the header is the first field of the #[repr(C)] Core<S>, itself the first field of
    // the #[repr(C)] Cell<F, S> that `allocate` boxed; the caller's reference keeps it alive.
    unsafe { ptr.cast::<Cell<F, S>>().as_ref() }
}

/// The scheduler behind a header pointer.
///
/// # Safety
///
/// `ptr` must come from `allocate::<_, S>` and the caller must hold a reference for `'a`.
unsafe fn scheduler<'a, S>(ptr: NonNull<Header>) -> &'a S {
    // SAFETY: as in `cell`: the header starts the #[repr(C)] Core<S>; the scheduler is never
    // mutated after spawn, so a shared reference is fine.
    unsafe { &ptr.cast::<Core<S>>().as_ref().scheduler }
}

/// A `TaskRef` that borrows the caller's reference instead of owning one.
///
/// # Safety
///
/// The caller must hold a reference while the returned value is used.
unsafe fn borrowed_task_ref(ptr: NonNull<Header>) -> ManuallyDrop<TaskRef> {
    // SAFETY: ManuallyDrop never releases the reference; the caller's keeps the cell alive.
    ManuallyDrop::new(unsafe { TaskRef::from_raw_ref(ptr) })
}

/// `Runnable::run`.
///
/// # Safety
///
/// `ptr` is an `allocate::<F, S>` cell and the caller hands over a `Runnable`'s reference.
unsafe fn run<F: Future, S: Schedule>(ptr: NonNull<Header>) -> bool {
    // SAFETY: the Runnable's reference keeps the cell alive until we release it below.
    let header = unsafe { Header::from_ptr(ptr) };
    match header.state.transition_to_running() {
        TransitionToRunning::Success => {}
        TransitionToRunning::Cancelled => {
            // SAFETY: we hold RUNNING and the runner's reference.
            unsafe { cancel_and_complete::<F, S>(ptr) };
            return false;
        }
    }
    // SAFETY: we hold a reference (the runner's).
    let cell = unsafe { cell::<F, S>(ptr) };
    // SAFETY: the runner's reference outlives the waker, which is never dropped (ManuallyDrop);
    // clones of it take their own references.
    let waker = unsafe { waker::waker_ref(ptr) };
    let mut cx = Context::from_waker(&waker);
    {
        use std::sync::atomic::Ordering::Relaxed;
        let diag = &cell.core.diag;
        diag.polls
            .store(diag.polls.load(Relaxed).wrapping_add(1), Relaxed);
        diag.waiting_on.clear();
    }
    let id = CurrentIdGuard::enter(ptr);
    let polled = panic::catch_unwind(AssertUnwindSafe(|| {
        cell.stage.with_mut(|stage| {
            // SAFETY: rule 3: while RUNNING, only the runner touches the stage, and a task that is
            // not complete holds its future (the stage's invariant). The future is never moved
            // out of the cell: it is dropped in place by `drop_future`.
            let future = unsafe { Pin::new_unchecked(&mut *(*stage).future) };
            future.poll(&mut cx)
        })
    }));
    let outcome = match polled {
        Ok(Poll::Pending) => {
            drop(id);
            return match header.state.transition_to_idle() {
                TransitionToIdle::Ok => false,
                TransitionToIdle::OkDealloc => {
                    // SAFETY: ours was the last reference.
                    unsafe { dealloc::<F, S>(ptr) };
                    false
                }
                TransitionToIdle::OkNotified => {
                    // SAFETY: the runner's reference now belongs to the new Runnable.
                    unsafe {
                        schedule::<S>(
                            ptr,
                            ScheduleInfo {
                                woken_while_running: true,
                            },
                        )
                    };
                    true
                }
                TransitionToIdle::Cancelled => {
                    // SAFETY: we still hold RUNNING and the runner's reference.
                    unsafe { cancel_and_complete::<F, S>(ptr) };
                    false
                }
            };
        }
        Ok(Poll::Ready(output)) => {
            // SAFETY: rule 3 (RUNNING); the stage holds the future.
            match unsafe { drop_future(&cell.stage) } {
                Ok(()) => {
                    // SAFETY: rule 3; the future is gone, so nothing is overwritten.
                    unsafe {
                        write_stage(
                            &cell.stage,
                            Stage {
                                output: ManuallyDrop::new(output),
                            },
                        )
                    };
                    Outcome::Value
                }
                Err(payload) => {
                    // The future's destructor panicked: that is what the joiner sees.
                    drop_quietly(output);
                    // SAFETY: rule 3; the future is gone.
                    unsafe { write_panic(&cell.stage, payload) };
                    Outcome::Panicked
                }
            }
        }
        Err(payload) => {
            // SAFETY: rule 3 (RUNNING); the stage holds the future.
            if let Err(second) = unsafe { drop_future(&cell.stage) } {
                drop_quietly(second);
            }
            // SAFETY: rule 3; the future is gone.
            unsafe { write_panic(&cell.stage, payload) };
            Outcome::Panicked
        }
    };
    drop(id);
    // SAFETY: we hold RUNNING and the runner's reference; the stage holds what `outcome` says.
    unsafe { complete::<F, S>(ptr, outcome) };
    false
}

/// Writes `stage` over the stage, whose previous content is gone (dropped or moved out).
///
/// # Safety
///
/// The caller has exclusive access to the stage (rule 3) and nothing in it is live.
unsafe fn write_stage<F: Future>(cell: &crate::loom::cell::UnsafeCell<Stage<F>>, stage: Stage<F>) {
    // SAFETY: the caller's exclusive access; nothing live is overwritten.
    cell.with_mut(|slot| unsafe { ptr::write(slot, stage) });
}

/// Stores a panic payload in the stage (out of line: panics are rare).
///
/// # Safety
///
/// As [`write_stage`].
#[cold]
#[inline(never)]
unsafe fn write_panic<F: Future>(
    cell: &crate::loom::cell::UnsafeCell<Stage<F>>,
    payload: Box<dyn std::any::Any + Send>,
) {
    let stage = Stage {
        panic: ManuallyDrop::new(Payload::new(payload)),
    };
    // SAFETY: the caller's contract.
    unsafe { write_stage(cell, stage) };
}

/// `Drop for Runnable`: cancels a task whose `Runnable` was never run.
///
/// # Safety
///
/// `ptr` is an `allocate::<F, S>` cell and the caller hands over a `Runnable`'s reference.
unsafe fn cancel<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the Runnable's reference keeps the cell alive.
    let header = unsafe { Header::from_ptr(ptr) };
    header.state.transition_to_running_for_cancel();
    // SAFETY: we now hold RUNNING and the reference.
    unsafe { cancel_and_complete::<F, S>(ptr) };
}

/// Drops the future and stores the cancellation (or the destructor's panic), then completes.
///
/// # Safety
///
/// The caller holds `RUNNING` (rule 3) and a reference, which this consumes.
unsafe fn cancel_and_complete<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the caller's reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    let id = CurrentIdGuard::enter(ptr);
    // SAFETY: rule 3 (RUNNING); a task that is not complete holds its future.
    let outcome = match unsafe { drop_future(&cell.stage) } {
        Ok(()) => Outcome::Cancelled,
        Err(payload) => {
            // SAFETY: rule 3; the future is gone.
            unsafe { write_panic(&cell.stage, payload) };
            Outcome::Panicked
        }
    };
    drop(id);
    // SAFETY: RUNNING, a reference, the stage holds what `outcome` says.
    unsafe { complete::<F, S>(ptr, outcome) };
}

/// (3) Publishes the output, wakes the joiner or drops the output, tells the scheduler, and
/// releases the runner's reference.
///
/// # Safety
///
/// The caller holds `RUNNING` and a reference (consumed here), and has stored the output that
/// `outcome` names in the stage.
unsafe fn complete<F: Future, S: Schedule>(ptr: NonNull<Header>, outcome: Outcome) {
    // SAFETY: the caller's reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    let header = &cell.core.header;
    // SAFETY: the caller's reference.
    let scheduler = unsafe { scheduler::<S>(ptr) };
    // SAFETY: the caller's reference outlives `task`.
    let task = unsafe { borrowed_task_ref(ptr) };

    // From here to the end the cell is between states; a panic (in the scheduler's hooks, say)
    // must not leave it so.
    let guard = AbortOnPanic("completing a task");
    let snapshot = header.state.transition_to_complete(outcome);
    if !snapshot.is_join_interested() {
        // Rule 4: no JoinHandle at completion, so the runner owns the output.
        if outcome == Outcome::Panicked {
            // SAFETY: rule 4: ours, and the outcome says it is a panic.
            unsafe { report_unhandled_panic::<F, S>(ptr, &cell.stage) };
        }
        // SAFETY: rule 4.
        if let Err(payload) = unsafe { drop_output(&cell.stage, outcome) } {
            drop_quietly(payload);
        }
    } else if snapshot.is_join_waker() {
        // Rule 5: JOIN_WAKER and COMPLETE: the runner may read the slot.
        header.join_waker.with(|slot| {
            // SAFETY: rule 5 (shared read).
            if let Some(w) = unsafe { &*slot } {
                let _ =
                    panic::catch_unwind(AssertUnwindSafe(|| w.wake_by_ref())).map_err(drop_quietly);
            }
        });
        let after = header.state.unset_waker_after_complete();
        if !after.is_join_interested() {
            // Rule 5: the handle left while we held the slot: we empty it.
            // SAFETY: rule 5.
            let old = header.join_waker.with_mut(|slot| unsafe { (*slot).take() });
            drop_quietly(old);
        }
    }
    let held = match panic::catch_unwind(AssertUnwindSafe(|| scheduler.release_ref(&task))) {
        Ok(held) => held,
        Err(payload) => {
            drop_quietly(payload);
            None
        }
    };
    guard.disarm();
    // A reference the scheduler handed back goes with ours, in one step.
    let last = match held {
        Some(held) if held == *task => {
            // Its count is released by `ref_dec_two` instead of its drop.
            let _ = held.into_raw();
            header.state.ref_dec_two()
        }
        other => {
            // Another task's reference (a scheduler's mistake, but a valid one): dropped as is.
            drop_quietly(other);
            header.state.ref_dec()
        }
    };
    if last {
        // SAFETY: ours was the last reference (with the scheduler's).
        unsafe { dealloc::<F, S>(ptr) };
    }
}

/// Hands a `Runnable` to the task's scheduler.
///
/// # Safety
///
/// `ptr` is an `allocate::<_, S>` cell; the caller hands over a reference that stands for the
/// one `Runnable` of a notified task.
pub(super) unsafe fn schedule<S: Schedule>(ptr: NonNull<Header>, info: ScheduleInfo) {
    // SAFETY: the reference is handed to the Runnable, which keeps the cell alive; the scheduler
    // lives in the cell.
    let scheduler = unsafe { scheduler::<S>(ptr) };
    // SAFETY: the caller's reference stands for this Runnable.
    let runnable = unsafe { Runnable::from_header(ptr) };
    scheduler.schedule(runnable, info);
}

/// `JoinHandle::poll`.
///
/// # Safety
///
/// `ptr` is an `allocate::<F, S>` cell, the caller is its `JoinHandle` (holding its reference)
/// and has not taken the output yet (it never calls again once this wrote `Ready`), and `dst`
/// points to a `Poll<Result<F::Output, JoinError>>`.
unsafe fn read_output<F: Future, S: Schedule>(ptr: NonNull<Header>, dst: *mut (), waker: &Waker) {
    // SAFETY: the handle's reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    let header = &cell.core.header;
    // The usual case (complete) is decided here; registering the waker is out of line.
    let seen = header.state.load();
    let done = if seen.is_complete() {
        seen
    } else {
        match can_read_output(header, waker) {
            Some(done) => done,
            None => return,
        }
    };
    // Rule 4: COMPLETE with JOIN_INTEREST: the handle owns the output, which the outcome names.
    // The future is gone, so moving the output out breaks no pin.
    let result = match done.outcome() {
        Outcome::Value => Ok(cell
            .stage
            // SAFETY: rule 4; the output is live and taken once (the handle remembers it took it
            // and never calls again).
            .with_mut(|stage| unsafe { ManuallyDrop::take(&mut (*stage).output) })),
        Outcome::Panicked => {
            // SAFETY: as for the value.
            let payload = cell
                .stage
                .with_mut(|stage| unsafe { ManuallyDrop::take(&mut (*stage).panic) });
            Err(JoinError::panic(header, payload.into_inner()))
        }
        Outcome::Cancelled => Err(JoinError::cancelled(header)),
    };
    // SAFETY: the caller's contract on `dst`; the old value is `Pending`, which owns nothing, so
    // it is overwritten without being dropped.
    unsafe {
        ptr::write(
            dst.cast::<Poll<Result<F::Output, JoinError>>>(),
            Poll::Ready(result),
        )
    };
}

/// The state word if the task is complete; if not (`None`), makes sure `waker` is the one woken
/// on completion. Rules 4 and 5 (the JOIN_WAKER protocol).
fn can_read_output(header: &Header, waker: &Waker) -> Option<Snapshot> {
    let snapshot = header.state.load();
    if snapshot.is_complete() {
        return Some(snapshot);
    }
    let published = if !snapshot.is_join_waker() {
        // Rule 5: JOIN_INTEREST without JOIN_WAKER: the handle owns the slot.
        set_join_waker(header, waker.clone())
    } else {
        // Rule 5: JOIN_WAKER set: both sides may read the slot.
        let same = header.join_waker.with(|slot| {
            // SAFETY: rule 5 (shared read).
            let slot = unsafe { &*slot };
            slot.as_ref().is_some_and(|old| old.will_wake(waker))
        });
        if same {
            return None;
        }
        match header.state.unset_waker() {
            Ok(_) => set_join_waker(header, waker.clone()),
            Err(done) => {
                debug_assert!(done.is_complete());
                return Some(done);
            }
        }
    };
    match published {
        Ok(_) => None,
        Err(done) => {
            debug_assert!(done.is_complete());
            Some(done)
        }
    }
}

/// Stores `waker` in the slot and publishes it. The caller owns the slot (rule 5); on failure
/// (the task completed meanwhile) it still does and the slot is emptied again.
fn set_join_waker(header: &Header, waker: Waker) -> Result<Snapshot, Snapshot> {
    // SAFETY: rule 5: the handle owns the slot (JOIN_INTEREST, no JOIN_WAKER).
    let old = header
        .join_waker
        .with_mut(|slot| unsafe { (*slot).replace(waker) });
    drop(old);
    let res = header.state.set_join_waker();
    if res.is_err() {
        // SAFETY: rule 5: publication failed, the slot is still the handle's.
        let ours = header.join_waker.with_mut(|slot| unsafe { (*slot).take() });
        drop(ours);
    }
    res
}

/// `Drop for JoinHandle`; `taken`: the handle took the output (its poll returned `Ready`), so
/// there is none left to drop.
///
/// # Safety
///
/// `ptr` is an `allocate::<F, S>` cell and the caller, its `JoinHandle`, hands over its reference;
/// `taken` is true exactly if [`read_output`] wrote `Ready` for this handle.
unsafe fn drop_join_handle<F: Future, S: Schedule>(ptr: NonNull<Header>, taken: bool) {
    // SAFETY: the handle's reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    let header = &cell.core.header;
    // Without a published waker (the usual case: a handle awaited to the end, or dropped without
    // being polled), the handle does its part first and then clears JOIN_INTEREST and releases its
    // reference in one atomic step.
    let mut seen = header.state.load();
    while !seen.is_join_waker() {
        // Rule 5: JOIN_INTEREST without JOIN_WAKER: the slot is the handle's (only the handle
        // sets JOIN_WAKER, so it stays clear). Empty before complete; after it, it may hold the
        // waker the runner woke.
        // SAFETY: rule 5.
        if let Some(old) = header.join_waker.with_mut(|slot| unsafe { (*slot).take() }) {
            drop_quietly(old);
        }
        if seen.is_complete() && !taken {
            // SAFETY: rule 4: complete while the handle is alive, and not taken: the handle owns
            // the output; we hold its reference.
            unsafe { drop_handle_output::<F, S>(ptr, seen.outcome()) };
        }
        match header.state.transition_to_join_handle_released(seen) {
            Ok(last) => {
                if last {
                    // SAFETY: ours was the last reference.
                    unsafe { dealloc::<F, S>(ptr) };
                }
                return;
            }
            // Completed meanwhile: the output is ours now.
            Err(now) => seen = now,
        }
    }
    let dropped = header.state.transition_to_join_handle_dropped();
    if let Some(outcome) = dropped.drop_output.filter(|_| !taken) {
        // SAFETY: rule 4: complete while the handle was alive, not taken: the handle owns the
        // output; we hold its reference.
        unsafe { drop_handle_output::<F, S>(ptr, outcome) };
    }
    if dropped.drop_waker {
        // SAFETY: rule 5: the transition gave the slot to the handle.
        let old = header.join_waker.with_mut(|slot| unsafe { (*slot).take() });
        drop_quietly(old);
    }
    if header.state.ref_dec() {
        // SAFETY: ours was the last reference.
        unsafe { dealloc::<F, S>(ptr) };
    }
}

/// The `JoinHandle` drops an output it never returned, reporting a panic nobody saw.
///
/// # Safety
///
/// The caller is the `JoinHandle` of an `allocate::<F, S>` cell, holds its reference, and owns the
/// output (rule 4: the task completed while the handle was alive), which `outcome` names. Out of
/// line: a handle usually returned its output (and then never calls this).
#[inline(never)]
unsafe fn drop_handle_output<F: Future, S: Schedule>(ptr: NonNull<Header>, outcome: Outcome) {
    // SAFETY: the handle's reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    if outcome == Outcome::Panicked {
        // SAFETY: rule 4: ours, and the outcome says it is a panic.
        unsafe { report_unhandled_panic::<F, S>(ptr, &cell.stage) };
    }
    // SAFETY: rule 4.
    if let Err(payload) = unsafe { drop_output(&cell.stage, outcome) } {
        drop_quietly(payload);
    }
}

/// Frees the cell, dropping whatever it still holds (a future that will never run again, an
/// output nobody took).
///
/// # Safety
///
/// `ptr` is an `allocate::<F, S>` cell whose reference count just reached zero (rule 8).
pub(super) unsafe fn dealloc<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: rule 8: no reference is left, so nothing else can touch the cell.
    let mut cell = unsafe { Box::from_raw(ptr.cast::<Cell<F, S>>().as_ptr()) };
    // SAFETY: rule 8 (exclusive); the site is dropped once, here, and never read again.
    unsafe { ManuallyDrop::drop(&mut cell.core.header.site) };
    // The stage's invariant: a complete task's output was moved out or dropped by its owner
    // before the last reference went, so only a task that never completed holds something: its
    // future (never to be woken again).
    if !cell.core.header.state.load().is_complete() {
        // SAFETY: rule 8 (exclusive); not complete, so the future is live.
        if let Err(payload) = unsafe { drop_future(&cell.stage) } {
            drop_quietly(payload);
        }
    }
    drop_quietly(cell);
    count::dec();
}

/// Drops the future in place (it must not move); returns the panic of its destructor, if any.
///
/// # Safety
///
/// The caller has exclusive access to the stage (rules 3 or 8) and its future is live; it is
/// not used again.
unsafe fn drop_future<F: Future>(
    stage: &crate::loom::cell::UnsafeCell<Stage<F>>,
) -> Result<(), Box<dyn std::any::Any + Send>> {
    stage.with_mut(|stage| {
        panic::catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: the caller's exclusive access to the live future, dropped in place, once.
            unsafe { ManuallyDrop::drop(&mut (*stage).future) }
        }))
    })
}

/// Drops the output of a complete task, as `outcome` names it; returns the panic of its
/// destructor, if any.
///
/// # Safety
///
/// The caller owns the output (rule 4), which `outcome` names; it is not used again.
unsafe fn drop_output<F: Future>(
    stage: &crate::loom::cell::UnsafeCell<Stage<F>>,
    outcome: Outcome,
) -> Result<(), Box<dyn std::any::Any + Send>> {
    stage.with_mut(|stage| match outcome {
        Outcome::Value => panic::catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: the caller owns the live output; dropped once.
            unsafe { ManuallyDrop::drop(&mut (*stage).output) }
        })),
        Outcome::Panicked => panic::catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: as for the value: the payload is live and ours.
            unsafe { ManuallyDrop::drop(&mut (*stage).panic) }
        })),
        Outcome::Cancelled => Ok(()),
    })
}

/// Tells the scheduler about a panic nobody will see (rule 7).
///
/// # Safety
///
/// `ptr` is an `allocate::<F, S>` cell, the caller holds a reference and owns the output (rule
/// 4), which is a panic payload.
#[cold]
#[inline(never)]
unsafe fn report_unhandled_panic<F: Future, S: Schedule>(
    ptr: NonNull<Header>,
    stage: &crate::loom::cell::UnsafeCell<Stage<F>>,
) {
    // SAFETY: the caller's reference.
    let scheduler = unsafe { scheduler::<S>(ptr) };
    // SAFETY: the caller's reference outlives `task`.
    let task = unsafe { borrowed_task_ref(ptr) };
    stage.with(|stage| {
        // SAFETY: the caller owns the payload; only read here.
        let payload = unsafe { &(*stage).panic };
        let _ = panic::catch_unwind(AssertUnwindSafe(|| {
            scheduler.unhandled_panic(&task, payload.get())
        }))
        .map_err(drop_quietly);
    });
}

/// Drops `value`, swallowing a panic from its destructor (and from that panic's payload).
fn drop_quietly<T>(value: T) {
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(move || drop(value))) {
        // A payload whose own destructor panics would abort us; leak it instead.
        std::mem::forget(payload);
    }
}

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
use super::state::{TransitionToIdle, TransitionToRunning};
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
        stage: crate::loom::cell::UnsafeCell::new(Stage::Running(future)),
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
            // SAFETY: rule 3: while RUNNING, only the runner touches the stage.
            match unsafe { &mut *stage } {
                Stage::Running(future) => {
                    // SAFETY: the future is never moved out of the cell: it is dropped in place
                    // by `drop_stage`.
                    let future = unsafe { Pin::new_unchecked(future) };
                    future.poll(&mut cx)
                }
                _ => unreachable!("a running task's stage holds no future"),
            }
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
            // SAFETY: rule 3 (RUNNING).
            match unsafe { drop_stage(&cell.stage) } {
                Ok(()) => Stage::Finished(output),
                Err(payload) => {
                    // The future's destructor panicked: that is what the joiner sees.
                    drop_quietly(output);
                    Stage::Panicked(Payload::new(payload))
                }
            }
        }
        Err(payload) => {
            // SAFETY: rule 3 (RUNNING).
            if let Err(second) = unsafe { drop_stage(&cell.stage) } {
                drop_quietly(second);
            }
            Stage::Panicked(Payload::new(payload))
        }
    };
    drop(id);
    // SAFETY: rule 3 (RUNNING); drop_stage left it Consumed, so nothing is overwritten.
    cell.stage
        .with_mut(|stage| unsafe { ptr::write(stage, outcome) });
    // SAFETY: we hold RUNNING and the runner's reference; the output is stored.
    unsafe { complete::<F, S>(ptr) };
    false
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
    // SAFETY: rule 3 (RUNNING).
    let outcome = match unsafe { drop_stage(&cell.stage) } {
        Ok(()) => Stage::Cancelled,
        Err(payload) => Stage::Panicked(Payload::new(payload)),
    };
    drop(id);
    // SAFETY: rule 3; the stage is Consumed.
    cell.stage
        .with_mut(|stage| unsafe { ptr::write(stage, outcome) });
    // SAFETY: RUNNING, a reference, output stored.
    unsafe { complete::<F, S>(ptr) };
}

/// (3) Publishes the output, wakes the joiner or drops the output, tells the scheduler, and
/// releases the runner's reference.
///
/// # Safety
///
/// The caller holds `RUNNING` and a reference (consumed here), and has stored the final stage.
unsafe fn complete<F: Future, S: Schedule>(ptr: NonNull<Header>) {
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
    let snapshot = header.state.transition_to_complete();
    if !snapshot.is_join_interested() {
        // Rule 4: no JoinHandle at completion, so the runner owns the output.
        cell.stage.with_mut(|stage| {
            // SAFETY: rule 4.
            if let Stage::Panicked(payload) = unsafe { &*stage } {
                let _ = panic::catch_unwind(AssertUnwindSafe(|| {
                    scheduler.unhandled_panic(&task, payload.get())
                }))
                .map_err(drop_quietly);
            }
        });
        // SAFETY: rule 4.
        if let Err(payload) = unsafe { drop_stage(&cell.stage) } {
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
    let _ =
        panic::catch_unwind(AssertUnwindSafe(|| scheduler.release(&task))).map_err(drop_quietly);
    guard.disarm();
    if header.state.ref_dec() {
        // SAFETY: ours was the last reference.
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
/// `ptr` is an `allocate::<F, S>` cell, the caller is its `JoinHandle` (holding its reference),
/// and `dst` points to a `Poll<Result<F::Output, JoinError>>`.
unsafe fn read_output<F: Future, S: Schedule>(ptr: NonNull<Header>, dst: *mut (), waker: &Waker) {
    // SAFETY: the handle's reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    let header = &cell.core.header;
    // The usual case (complete) is decided here; registering the waker is out of line.
    if !header.state.load().is_complete() && !can_read_output(header, waker) {
        return;
    }
    // SAFETY: rule 4: COMPLETE with JOIN_INTEREST: the handle owns the output. The future is
    // gone, so moving the stage out does not break its pin.
    let stage = cell
        .stage
        .with_mut(|stage| unsafe { ptr::replace(stage, Stage::Consumed) });
    let result = match stage {
        Stage::Finished(output) => Ok(output),
        Stage::Panicked(payload) => Err(JoinError::panic(header, payload.into_inner())),
        Stage::Cancelled => Err(JoinError::cancelled(header)),
        Stage::Running(_) | Stage::Consumed => {
            panic!("JoinHandle polled after it returned Ready: a finished JoinHandle must not be polled again")
        }
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

/// Whether the task is complete; if not, makes sure `waker` is the one woken on completion.
/// Rules 4 and 5 (the JOIN_WAKER protocol).
fn can_read_output(header: &Header, waker: &Waker) -> bool {
    let snapshot = header.state.load();
    if snapshot.is_complete() {
        return true;
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
            return false;
        }
        match header.state.unset_waker() {
            Ok(_) => set_join_waker(header, waker.clone()),
            Err(done) => {
                debug_assert!(done.is_complete());
                return true;
            }
        }
    };
    match published {
        Ok(_) => false,
        Err(done) => {
            debug_assert!(done.is_complete());
            true
        }
    }
}

/// Stores `waker` in the slot and publishes it. The caller owns the slot (rule 5); on failure
/// (the task completed meanwhile) it still does and the slot is emptied again.
fn set_join_waker(
    header: &Header,
    waker: Waker,
) -> Result<super::state::Snapshot, super::state::Snapshot> {
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

/// `Drop for JoinHandle`.
///
/// # Safety
///
/// `ptr` is an `allocate::<F, S>` cell and the caller, its `JoinHandle`, hands over its reference.
unsafe fn drop_join_handle<F: Future, S: Schedule>(ptr: NonNull<Header>) {
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
        if seen.is_complete() {
            // SAFETY: rule 4: complete while the handle is alive: the handle owns the output; we
            // hold its reference.
            unsafe { drop_output::<F, S>(ptr) };
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
    if dropped.drop_output {
        // SAFETY: rule 4: complete while the handle was alive: the handle owns the output; we
        // hold its reference.
        unsafe { drop_output::<F, S>(ptr) };
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
/// output (rule 4: the task completed while the handle was alive).
#[inline]
unsafe fn drop_output<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the handle's reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    // The usual case: the handle returned the output already, nothing is left to drop.
    let consumed = cell.stage.with(|stage| {
        // SAFETY: rule 4: the stage is the handle's.
        matches!(unsafe { &*stage }, Stage::Consumed)
    });
    if consumed {
        return;
    }
    // SAFETY: the caller's contract, passed on.
    unsafe { drop_unreturned_output::<F, S>(ptr) }
}

/// [`drop_output`] for a stage that still holds something.
///
/// # Safety
///
/// As [`drop_output`].
#[inline(never)]
unsafe fn drop_unreturned_output<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the handle's reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    cell.stage.with_mut(|stage| {
        // SAFETY: rule 4.
        if let Stage::Panicked(payload) = unsafe { &*stage } {
            // SAFETY: the handle's reference.
            let scheduler = unsafe { scheduler::<S>(ptr) };
            // SAFETY: the handle's reference outlives `task`.
            let task = unsafe { borrowed_task_ref(ptr) };
            let _ = panic::catch_unwind(AssertUnwindSafe(|| {
                scheduler.unhandled_panic(&task, payload.get())
            }))
            .map_err(drop_quietly);
        }
    });
    // SAFETY: rule 4.
    if let Err(payload) = unsafe { drop_stage(&cell.stage) } {
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
    // SAFETY: rule 8 (exclusive).
    if let Err(payload) = unsafe { drop_stage(&cell.stage) } {
        drop_quietly(payload);
    }
    drop_quietly(cell);
    count::dec();
}

/// Drops the stage in place (the future must not move) and leaves `Consumed`, also if a
/// destructor panics; returns that panic.
///
/// # Safety
///
/// The caller has exclusive access to the stage (rules 3, 4 or 8).
unsafe fn drop_stage<F: Future>(
    stage: &crate::loom::cell::UnsafeCell<Stage<F>>,
) -> Result<(), Box<dyn std::any::Any + Send>> {
    stage.with_mut(|stage| {
        /// Writes `Consumed` over the (dropped or half-dropped) stage, also while unwinding.
        struct Reset<F: Future>(*mut Stage<F>);
        impl<F: Future> Drop for Reset<F> {
            fn drop(&mut self) {
                // SAFETY: the stage was dropped in place (or its drop unwound): overwrite without
                // dropping again.
                unsafe { ptr::write(self.0, Stage::Consumed) };
            }
        }
        // SAFETY: the caller's exclusive access (rules 3, 4 or 8) makes this read sound. A
        // Consumed stage owns nothing: skip the work.
        if matches!(unsafe { &*stage }, Stage::Consumed) {
            return Ok(());
        }
        panic::catch_unwind(AssertUnwindSafe(|| {
            let _reset = Reset(stage);
            // SAFETY: the caller's exclusive access; `_reset` rewrites the slot afterwards, so it
            // is dropped exactly once.
            unsafe { ptr::drop_in_place(stage) };
        }))
    })
}

/// Drops `value`, swallowing a panic from its destructor (and from that panic's payload).
fn drop_quietly<T>(value: T) {
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(move || drop(value))) {
        // A payload whose own destructor panics would abort us; leak it instead.
        std::mem::forget(payload);
    }
}

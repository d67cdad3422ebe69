//! The task's `Waker`: a raw vtable over the header pointer, one reference per waker.
//!
//! The vtable is not generic: waking goes through the header's own vtable to reach the
//! scheduler, so every task shares these four functions.

use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::cell::Header;
use super::state::{TransitionToNotifiedByRef, TransitionToNotifiedByVal};
use super::ScheduleInfo;

static WAKER_VTABLE: RawWakerVTable =
    RawWakerVTable::new(clone_waker, wake_by_val, wake_by_ref, drop_waker);

/// A waker for the task that borrows the caller's reference: it must not be dropped (hence the
/// `ManuallyDrop`); clones of it own references of their own.
///
/// # Safety
///
/// The caller holds a reference to the task for as long as the returned waker is used.
pub(super) unsafe fn waker_ref(ptr: NonNull<Header>) -> ManuallyDrop<Waker> {
    let raw = RawWaker::new(ptr.as_ptr().cast_const().cast(), &WAKER_VTABLE);
    // SAFETY: WAKER_VTABLE's functions uphold the RawWaker contract for a header pointer that
    // carries a reference; the caller's reference stands in for it and is never released here.
    ManuallyDrop::new(unsafe { Waker::from_raw(raw) })
}

/// # Safety
///
/// `ptr` is the header pointer of a waker that owns (or, for `waker_ref`, borrows) a reference.
unsafe fn header<'a>(ptr: *const ()) -> (NonNull<Header>, &'a Header) {
    // SAFETY: wakers are only built from non-null header pointers.
    let nn = unsafe { NonNull::new_unchecked(ptr.cast_mut().cast::<Header>()) };
    // SAFETY: the waker's reference keeps the cell alive.
    (nn, unsafe { Header::from_ptr(nn) })
}

unsafe fn clone_waker(ptr: *const ()) -> RawWaker {
    // SAFETY: the RawWaker contract: `ptr` comes from a live waker of this vtable.
    let (_, header) = unsafe { header(ptr) };
    header.state.ref_inc();
    RawWaker::new(ptr, &WAKER_VTABLE)
}

unsafe fn wake_by_val(ptr: *const ()) {
    // SAFETY: the RawWaker contract; this consumes the waker's reference.
    let (nn, header) = unsafe { header(ptr) };
    match header.state.transition_to_notified_by_val() {
        TransitionToNotifiedByVal::DoNothing => {}
        // SAFETY: the waker's reference now stands for the task's one Runnable.
        TransitionToNotifiedByVal::Submit => unsafe {
            (header.vtable.schedule)(nn, ScheduleInfo::default())
        },
        // SAFETY: the waker held the last reference.
        TransitionToNotifiedByVal::Dealloc => unsafe { (header.vtable.dealloc)(nn) },
    }
}

unsafe fn wake_by_ref(ptr: *const ()) {
    // SAFETY: the RawWaker contract.
    let (nn, header) = unsafe { header(ptr) };
    match header.state.transition_to_notified_by_ref() {
        TransitionToNotifiedByRef::DoNothing => {}
        // SAFETY: the transition added a reference for the task's one Runnable.
        TransitionToNotifiedByRef::Submit => unsafe {
            (header.vtable.schedule)(nn, ScheduleInfo::default())
        },
    }
}

unsafe fn drop_waker(ptr: *const ()) {
    // SAFETY: the RawWaker contract; this releases the waker's reference.
    let (nn, header) = unsafe { header(ptr) };
    if header.state.ref_dec() {
        // SAFETY: the waker held the last reference.
        unsafe { (header.vtable.dealloc)(nn) };
    }
}

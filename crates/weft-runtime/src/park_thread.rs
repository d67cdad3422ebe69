//! Blocking a thread that is not a worker on a future: the thread-local parker of every thread
//! that calls `block_on` (a multi-thread runtime's caller, or a current-thread caller while another
//! thread holds the runtime's core).
//!
//! Such a thread never waits in the park hook: its parker has an empty [`ParkHookSlot`], so it
//! always sleeps on its condvar, and its waker unparks it.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use weft_core::coop;
use weft_core::loom::sync::Arc as ShimArc;

use crate::park_hook_slot::ParkHookSlot;
use crate::parker::Parker;

/// This thread's parker and a waker that unparks it.
struct ParkThread {
    parker: Parker,
    waker: Waker,
}

impl ParkThread {
    fn new() -> Self {
        let parker = Parker::new(ShimArc::new(ParkHookSlot::new(None)));
        let waker = Waker::from(Arc::new(parker.unparker()));
        ParkThread { parker, waker }
    }
}

thread_local! {
    static PARK_THREAD: ParkThread = ParkThread::new();
}

/// Polls `future` on this thread until it completes, sleeping while it is pending. Each poll gets
/// a fresh cooperative budget.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    PARK_THREAD.with(|park| {
        let mut cx = Context::from_waker(&park.waker);
        loop {
            if let Poll::Ready(v) =
                coop::with_budget(coop::Budget::initial(), || future.as_mut().poll(&mut cx))
            {
                return v;
            }
            park.parker.park();
        }
    })
}

/// A waker that unparks this thread (for callers that poll their future themselves and then
/// [`park`]).
pub(crate) fn waker() -> Waker {
    PARK_THREAD.with(|p| p.waker.clone())
}

/// Sleeps until this thread's [`waker`] is woken (it may return spuriously).
pub(crate) fn park() {
    PARK_THREAD.with(|p| p.parker.park());
}

//! What a runtime does with a panic nobody will see: [`UnhandledPanic`], and the slot through
//! which `ShutdownRuntime` stops every `block_on` of the runtime.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use weft_core::loom::sync::Mutex;
use weft_core::task::{self, TaskRef};

/// What the runtime does when a task panics and no `JoinHandle` will ever see it (the task was
/// detached, or its handle was dropped holding the panic): [`Builder::unhandled_panic`](crate::builder::Builder::unhandled_panic).
///
/// # Examples
///
/// ```
/// use weft_runtime::UnhandledPanic;
///
/// let rt = weft_runtime::Builder::new_current_thread()
///     .unhandled_panic(UnhandledPanic::ShutdownRuntime)
///     .report_unhandled_panics(false)
///     .build()
///     .unwrap();
/// let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
///     rt.block_on(async {
///         drop(weft_runtime::spawn(async { panic!("lost") })); // detached
///         std::future::pending::<()>().await // never finishes: the panic ends block_on
///     })
/// }));
/// let msg = caught.unwrap_err().downcast::<String>().unwrap();
/// assert!(msg.contains("lost"), "{msg}");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnhandledPanic {
    /// The runtime carries on (the panic is reported on stderr unless
    /// [`report_unhandled_panics(false)`](crate::builder::Builder::report_unhandled_panics)).
    #[default]
    Ignore,
    /// The first such panic shuts the runtime down (every task is cancelled) and every
    /// `block_on` of the runtime panics with a message naming the task and its panic, as a test
    /// wants: a detached task's failure fails the test instead of vanishing.
    ShutdownRuntime,
}

/// The first unhandled panic of a `ShutdownRuntime` runtime, and the `block_on`s to wake with it.
#[derive(Default)]
pub(crate) struct PanicSlot {
    inner: Mutex<SlotInner>,
}

#[derive(Default)]
struct SlotInner {
    message: Option<String>,
    waiters: Vec<Waker>,
}

impl PanicSlot {
    /// Records the first unhandled panic and wakes every `block_on` waiting on the runtime.
    pub(crate) fn record(&self, task: &TaskRef, payload: &(dyn Any + Send)) {
        let waiters = {
            let mut inner = self.inner.lock();
            if inner.message.is_some() {
                return;
            }
            inner.message = Some(format!(
                "the runtime shut down on an unhandled panic (Builder::unhandled_panic(\
                 UnhandledPanic::ShutdownRuntime)): {}",
                task::unhandled_panic_message(task, payload)
            ));
            std::mem::take(&mut inner.waiters)
        };
        for waker in waiters {
            waker.wake();
        }
    }

    /// The recorded message, or registers `waker` to be woken when there is one.
    fn poll_message(&self, waker: &Waker) -> Option<String> {
        let mut inner = self.inner.lock();
        if let Some(message) = &inner.message {
            return Some(message.clone());
        }
        if !inner.waiters.iter().any(|w| w.will_wake(waker)) {
            inner.waiters.push(waker.clone());
        }
        None
    }
}

/// `block_on`'s future on a `ShutdownRuntime` runtime: ends with `Err(message)` as soon as an
/// unhandled panic is recorded.
pub(crate) struct PanicWatch<'a, F> {
    pub(crate) slot: &'a PanicSlot,
    pub(crate) future: Pin<&'a mut F>,
}

impl<F: Future> Future for PanicWatch<'_, F> {
    type Output = Result<F::Output, String>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(message) = self.slot.poll_message(cx.waker()) {
            return Poll::Ready(Err(message));
        }
        self.future.as_mut().poll(cx).map(Ok)
    }
}

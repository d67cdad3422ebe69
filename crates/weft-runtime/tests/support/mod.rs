//! Helpers shared by the runtime's integration tests.
#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// Yields once: wakes itself and returns `Pending` the first time it is polled.
pub fn yield_now() -> impl Future<Output = ()> {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
}

/// Counts how often values carrying it were dropped.
#[derive(Clone, Default)]
pub struct DropCounter(pub Arc<AtomicUsize>);

impl DropCounter {
    pub fn token(&self) -> DropToken {
        DropToken(self.0.clone())
    }
    pub fn count(&self) -> usize {
        self.0.load(SeqCst)
    }
}

/// Increments its counter when dropped.
pub struct DropToken(Arc<AtomicUsize>);

impl Drop for DropToken {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A minimal one-shot channel (so the tests do not depend on weft-sync).
pub fn oneshot<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Mutex::new(Slot {
        value: None,
        waker: None,
        closed: false,
    }));
    (Sender(inner.clone()), Receiver(inner))
}

struct Slot<T> {
    value: Option<T>,
    waker: Option<Waker>,
    closed: bool,
}

pub struct Sender<T>(Arc<Mutex<Slot<T>>>);
pub struct Receiver<T>(Arc<Mutex<Slot<T>>>);

impl<T> Sender<T> {
    pub fn send(self, value: T) {
        let waker = {
            let mut s = self.0.lock().unwrap();
            s.value = Some(value);
            s.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut s = self.0.lock().unwrap();
            s.closed = true;
            s.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> Future for Receiver<T> {
    /// `None` if the sender was dropped without sending.
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut s = self.0.lock().unwrap();
        if let Some(v) = s.value.take() {
            return Poll::Ready(Some(v));
        }
        if s.closed {
            return Poll::Ready(None);
        }
        s.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// The message of a panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string>".to_owned()
    }
}

/// Runs `f`, expecting a panic whose message contains `needle`.
pub fn expect_panic(needle: &str, f: impl FnOnce()) {
    let err =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).expect_err("expected a panic");
    let msg = panic_message(&*err);
    assert!(
        msg.contains(needle),
        "panic message {msg:?} lacks {needle:?}"
    );
}

/// Polls `fut` on the current thread (for JoinHandles after their runtime is gone).
pub fn block_on_outside<F: Future>(fut: F) -> F::Output {
    futures_executor::block_on(fut)
}

/// Waits (up to 10 s) until `handle` lists no live task: a task leaves the registry just after
/// its JoinHandle was woken, so a joiner can briefly still see it.
pub fn wait_no_live_tasks(handle: &weft_runtime::Handle) {
    let start = std::time::Instant::now();
    while handle.num_live_tasks() != 0 {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "tasks left in the registry: {:?}",
            handle.live_tasks()
        );
        std::thread::yield_now();
    }
}

/// One runtime of each flavour: current-thread, and multi-thread with 2 workers.
pub fn runtimes() -> [weft_runtime::Runtime; 2] {
    use weft_runtime::Builder;
    [
        Builder::new_current_thread().build().unwrap(),
        Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap(),
    ]
}

/// One runtime of each flavour (the multi-thread one with 2 workers) with `policy` for panics no
/// `JoinHandle` sees, and their stderr reports off.
pub fn runtimes_with_policy(policy: weft_runtime::UnhandledPanic) -> [weft_runtime::Runtime; 2] {
    use weft_runtime::Builder;
    [
        Builder::new_current_thread()
            .unhandled_panic(policy)
            .report_unhandled_panics(false)
            .build()
            .unwrap(),
        Builder::new_multi_thread()
            .worker_threads(2)
            .unhandled_panic(policy)
            .report_unhandled_panics(false)
            .build()
            .unwrap(),
    ]
}

/// A runtime of the flavour named `"multi"` (2 workers) or any other name (current-thread),
/// reporting unhandled panics on stderr if `report`: for the child processes of stderr tests.
pub fn runtime_reporting(flavour: &str, report: bool) -> weft_runtime::Runtime {
    use weft_runtime::Builder;
    if flavour == "multi" {
        Builder::new_multi_thread()
            .worker_threads(2)
            .report_unhandled_panics(report)
            .build()
            .unwrap()
    } else {
        Builder::new_current_thread()
            .report_unhandled_panics(report)
            .build()
            .unwrap()
    }
}

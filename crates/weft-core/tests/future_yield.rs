//! `yield_now`: `Pending` exactly once, with exactly one wake, then `Ready`.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use weft_core::future::yield_now;

#[derive(Default)]
struct CountingWaker {
    wakes: AtomicUsize,
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn pending_once_with_one_wake_then_ready() {
    let counter = Arc::new(CountingWaker::default());
    let waker = Waker::from(counter.clone());
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(yield_now());

    assert_eq!(fut.as_mut().poll(&mut cx), Poll::Pending);
    assert_eq!(
        counter.wakes.load(Ordering::SeqCst),
        1,
        "woken during its own poll"
    );
    assert_eq!(fut.as_mut().poll(&mut cx), Poll::Ready(()));
    assert_eq!(counter.wakes.load(Ordering::SeqCst), 1, "no second wake");
}

#[test]
fn each_yield_now_yields_once() {
    let counter = Arc::new(CountingWaker::default());
    let waker = Waker::from(counter.clone());
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(async {
        for _ in 0..3 {
            yield_now().await;
        }
        "done"
    });
    let mut pendings = 0;
    let out = loop {
        match fut.as_mut().poll(&mut cx) {
            Poll::Ready(out) => break out,
            Poll::Pending => pendings += 1,
        }
    };
    assert_eq!((out, pendings), ("done", 3));
    assert_eq!(counter.wakes.load(Ordering::SeqCst), 3);
}

#[test]
fn lets_another_future_in_the_same_task_run() {
    let log = std::cell::RefCell::new(Vec::new());
    futures_executor::block_on(async {
        weft_core::join!(
            async {
                log.borrow_mut().push("a1");
                yield_now().await;
                log.borrow_mut().push("a2");
            },
            async {
                log.borrow_mut().push("b1");
            },
        )
    });
    assert_eq!(*log.borrow(), ["a1", "b1", "a2"]);
}

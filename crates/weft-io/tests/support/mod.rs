//! Shared test harness: run a test body on every executor flavour, with real or paused time.
//!
//! `Flavor::Mini` is a small single-threaded executor written here (it polls spawned futures on
//! the `block_on` thread and parks in the driver when nothing is runnable), so the driver can be
//! tested without weft-runtime.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use weft_io::{Driver, DriverConfig};
use weft_runtime::Park;

/// An executor to run a test on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// The minimal executor in this file.
    Mini,
}

/// Every flavour.
pub const FLAVORS: &[Flavor] = &[Flavor::Mini];

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

struct Task {
    future: Mutex<Option<BoxFuture>>,
    queued: AtomicBool,
    exec: Arc<Exec>,
}

struct Exec {
    queue: Mutex<VecDeque<Arc<Task>>>,
    driver: Arc<Driver>,
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::AcqRel) {
            self.exec.queue.lock().unwrap().push_back(self.clone());
            self.exec.driver.unpark();
        }
    }
}

thread_local! {
    static CURRENT: std::cell::RefCell<Option<Arc<Exec>>> = const { std::cell::RefCell::new(None) };
}

type OutputSlot<T> = Arc<Mutex<(Option<T>, Option<Waker>)>>;

/// A spawned task's output, awaited.
pub struct JoinHandle<T> {
    slot: OutputSlot<T>,
}

impl<T> Future for JoinHandle<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut slot = self.slot.lock().unwrap();
        match slot.0.take() {
            Some(v) => Poll::Ready(v),
            None => {
                slot.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Spawns onto the executor running the current test.
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let exec = CURRENT
        .with(|c| c.borrow().clone())
        .expect("spawn outside a test executor");
    let slot: OutputSlot<F::Output> = Arc::new(Mutex::new((None, None)));
    let out = slot.clone();
    let task = Arc::new(Task {
        future: Mutex::new(Some(Box::pin(async move {
            let v = future.await;
            let waker = {
                let mut s = out.lock().unwrap();
                s.0 = Some(v);
                s.1.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
        }))),
        queued: AtomicBool::new(false),
        exec: exec.clone(),
    });
    task.wake_by_ref();
    JoinHandle { slot }
}

fn mini_block_on<F: Future>(driver: Arc<Driver>, future: F) -> F::Output {
    let exec = Arc::new(Exec {
        queue: Mutex::new(VecDeque::new()),
        driver: driver.clone(),
    });
    CURRENT.with(|c| *c.borrow_mut() = Some(exec.clone()));
    let _enter = driver.handle().enter();
    struct MainWaker {
        woken: AtomicBool,
        driver: Arc<Driver>,
    }
    impl Wake for MainWaker {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.woken.store(true, Ordering::Release);
            self.driver.unpark();
        }
    }
    let main = Arc::new(MainWaker {
        woken: AtomicBool::new(true),
        driver: driver.clone(),
    });
    let main_waker = Waker::from(main.clone());
    let mut future = std::pin::pin!(future);
    let budget = weft_core::coop::Budget::initial;
    let output = loop {
        let mut progressed = false;
        if main.woken.swap(false, Ordering::AcqRel) {
            progressed = true;
            let mut cx = Context::from_waker(&main_waker);
            if let Poll::Ready(v) =
                weft_core::coop::with_budget(budget(), || future.as_mut().poll(&mut cx))
            {
                break v;
            }
        }
        for _ in 0..64 {
            let Some(task) = exec.queue.lock().unwrap().pop_front() else {
                break;
            };
            progressed = true;
            task.queued.store(false, Ordering::Release);
            let waker = Waker::from(task.clone());
            let mut cx = Context::from_waker(&waker);
            let mut slot = task.future.lock().unwrap();
            if let Some(f) = slot.as_mut() {
                let done =
                    weft_core::coop::with_budget(budget(), || f.as_mut().poll(&mut cx)).is_ready();
                if done {
                    *slot = None;
                }
            }
        }
        if progressed {
            driver.park(Some(std::time::Duration::ZERO));
        } else {
            driver.park(None);
        }
    };
    CURRENT.with(|c| *c.borrow_mut() = None);
    // Drop the tasks that did not finish (their futures hold timers and sources).
    let leftover: Vec<_> = exec.queue.lock().unwrap().drain(..).collect();
    drop(leftover);
    output
}

/// Runs `body` to completion on `flavor` with a new driver (paused time if `paused`).
pub fn run<F, Fut>(flavor: Flavor, paused: bool, body: F) -> Fut::Output
where
    F: FnOnce() -> Fut,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    let driver = Arc::new(
        Driver::new(DriverConfig {
            start_paused: paused,
            ..DriverConfig::default()
        })
        .expect("create driver"),
    );
    match flavor {
        Flavor::Mini => {
            let _enter = driver.handle().enter();
            let fut = body();
            mini_block_on(driver, fut)
        }
    }
}

/// Runs `body` on every flavour.
pub fn each_flavor<F, Fut>(paused: bool, body: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    for &flavor in FLAVORS {
        run(flavor, paused, &body);
    }
}

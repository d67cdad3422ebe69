//! Shared test harness: run a test body on every executor flavour, with real or paused time.
//!
//! `Flavor::Mini` is a small single-threaded executor written here (it polls spawned futures on
//! the `block_on` thread and parks in the driver when nothing is runnable), so the driver is also
//! tested without weft-runtime. `CurrentThread` and `MultiThread` are weft-runtime's schedulers
//! with the driver installed as their park hook, as the facade does. Paused time runs on `Mini`
//! and `CurrentThread` only (virtual time jumps when *every* task is idle, which a multi-thread
//! runtime's driver worker cannot know).
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
    /// weft-runtime's current-thread scheduler.
    CurrentThread,
    /// weft-runtime's multi-thread scheduler (two workers).
    MultiThread,
}

/// Every flavour.
pub const FLAVORS: &[Flavor] = &[Flavor::Mini, Flavor::CurrentThread, Flavor::MultiThread];

impl Flavor {
    /// Whether paused time is supported on this flavour.
    pub fn supports_paused(self) -> bool {
        self != Flavor::MultiThread
    }
}

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

struct MiniJoin<T> {
    slot: OutputSlot<T>,
}

impl<T> Future for MiniJoin<T> {
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

/// A spawned task's output, awaited (a task that panicked fails the test).
pub struct JoinHandle<T>(Pin<Box<dyn Future<Output = T> + Send>>);

impl<T> Future for JoinHandle<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        self.0.as_mut().poll(cx)
    }
}

/// Spawns onto the executor running the current test.
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let Some(exec) = CURRENT.with(|c| c.borrow().clone()) else {
        let handle = weft_runtime::spawn(future);
        return JoinHandle(Box::pin(async move {
            match handle.await {
                Ok(v) => v,
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(e) => panic!("spawned test task failed: {e}"),
            }
        }));
    };
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
    JoinHandle(Box::pin(MiniJoin { slot }))
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
        Flavor::CurrentThread | Flavor::MultiThread => {
            let mut builder = if flavor == Flavor::CurrentThread {
                weft_runtime::Builder::new_current_thread()
            } else {
                let mut b = weft_runtime::Builder::new_multi_thread();
                b.worker_threads(2);
                b
            };
            let rt = builder.park_hook(driver).build().expect("build runtime");
            // Run the body as a task (not on the block_on thread) so it is scheduled like any
            // other task, then wait for its output.
            let task = rt.spawn(body());
            match rt.block_on(task) {
                Ok(v) => v,
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(e) => panic!("test body failed: {e}"),
            }
        }
    }
}

/// Runs `body` on every flavour (in paused time: every flavour that supports it).
pub fn each_flavor<F, Fut>(paused: bool, body: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    for &flavor in FLAVORS {
        if paused && !flavor.supports_paused() {
            continue;
        }
        run(flavor, paused, &body);
    }
}

//! Counting schedulers and counting futures for the task cell tests: they let a test assert exactly
//! how often a future was polled and dropped and a task scheduled.
#![allow(dead_code)]

use std::any::Any;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};

use weft_core::task::{self, Runnable, Schedule, ScheduleInfo, TaskRef};

/// Tests that check `live_task_count` take this lock: the count is process-wide.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// A scheduler: a FIFO queue of `Runnable`s and counters of every hook call.
#[derive(Default)]
pub struct TestSched {
    pub queue: Mutex<VecDeque<Runnable>>,
    pub scheduled: AtomicUsize,
    pub woken_while_running: AtomicUsize,
    pub released: AtomicUsize,
    pub released_ids: Mutex<Vec<task::TaskId>>,
    pub unhandled: Mutex<Vec<String>>,
    /// When set, `schedule` drops the Runnable (a runtime that shut down).
    pub closed: AtomicBool,
    /// Set by `Drop`.
    pub dropped: Option<Arc<AtomicBool>>,
}

impl TestSched {
    pub fn new() -> Arc<TestSched> {
        Arc::new(TestSched::default())
    }

    pub fn with_drop_flag(flag: Arc<AtomicBool>) -> Arc<TestSched> {
        let mut sched = TestSched::default();
        sched.dropped = Some(flag);
        Arc::new(sched)
    }

    pub fn pop(&self) -> Option<Runnable> {
        self.queue.lock().unwrap().pop_front()
    }

    pub fn len(&self) -> usize {
        self.queue.lock().unwrap().len()
    }

    /// Runs queued tasks until the queue is empty; returns how many runs happened.
    pub fn run_all(&self) -> usize {
        let mut n = 0;
        while let Some(r) = self.pop() {
            r.run();
            n += 1;
        }
        n
    }

    pub fn scheduled(&self) -> usize {
        self.scheduled.load(SeqCst)
    }

    pub fn released(&self) -> usize {
        self.released.load(SeqCst)
    }

    pub fn unhandled(&self) -> Vec<String> {
        self.unhandled.lock().unwrap().clone()
    }
}

impl Schedule for TestSched {
    fn schedule(&self, task: Runnable, info: ScheduleInfo) {
        self.scheduled.fetch_add(1, SeqCst);
        if info.woken_while_running {
            self.woken_while_running.fetch_add(1, SeqCst);
        }
        if self.closed.load(SeqCst) {
            drop(task);
            return;
        }
        self.queue.lock().unwrap().push_back(task);
    }

    fn release(&self, task: &TaskRef) {
        assert!(task.is_finished(), "release before the task finished");
        self.released.fetch_add(1, SeqCst);
        self.released_ids.lock().unwrap().push(task.id());
    }

    fn unhandled_panic(&self, task: &TaskRef, payload: &(dyn Any + Send)) {
        self.unhandled
            .lock()
            .unwrap()
            .push(task::unhandled_panic_message(task, payload));
    }
}

impl Drop for TestSched {
    fn drop(&mut self) {
        if let Some(flag) = &self.dropped {
            flag.store(true, SeqCst);
        }
    }
}

/// Counters shared by a `Probe` future and its `Out` output.
#[derive(Default, Debug)]
pub struct Counts {
    pub polls: AtomicUsize,
    pub future_drops: AtomicUsize,
    pub output_drops: AtomicUsize,
}

impl Counts {
    pub fn new() -> Arc<Counts> {
        Arc::new(Counts::default())
    }
    pub fn polls(&self) -> usize {
        self.polls.load(SeqCst)
    }
    pub fn future_drops(&self) -> usize {
        self.future_drops.load(SeqCst)
    }
    pub fn output_drops(&self) -> usize {
        self.output_drops.load(SeqCst)
    }
}

/// A future driven by a closure, counting its polls and its drop. Its output counts its drop.
pub struct Probe<F> {
    f: F,
    counts: Arc<Counts>,
    panic_on_drop: bool,
}

/// The output of a `Probe`.
#[derive(Debug)]
pub struct Out(pub Arc<Counts>);

impl Drop for Out {
    fn drop(&mut self) {
        self.0.output_drops.fetch_add(1, SeqCst);
    }
}

impl<F> Probe<F>
where
    F: FnMut(&mut Context<'_>) -> Poll<()> + Send + Unpin + 'static,
{
    pub fn new(counts: &Arc<Counts>, f: F) -> Probe<F> {
        Probe {
            f,
            counts: counts.clone(),
            panic_on_drop: false,
        }
    }

    pub fn panicking_on_drop(mut self) -> Self {
        self.panic_on_drop = true;
        self
    }
}

impl<F> Future for Probe<F>
where
    F: FnMut(&mut Context<'_>) -> Poll<()> + Unpin,
{
    type Output = Out;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Out> {
        self.counts.polls.fetch_add(1, SeqCst);
        let this = &mut *self;
        (this.f)(cx).map(|()| Out(this.counts.clone()))
    }
}

impl<F> Drop for Probe<F> {
    fn drop(&mut self) {
        self.counts.future_drops.fetch_add(1, SeqCst);
        if self.panic_on_drop && !std::thread::panicking() {
            panic!("probe drop panic");
        }
    }
}

/// A future that is ready on its `n`th poll (storing each poll's waker in `wakers`).
pub fn ready_on(
    counts: &Arc<Counts>,
    n: usize,
    wakers: Arc<Mutex<Vec<Waker>>>,
) -> Probe<impl FnMut(&mut Context<'_>) -> Poll<()> + Send + Unpin + 'static> {
    let mut polls = 0;
    Probe::new(counts, move |cx| {
        polls += 1;
        if polls >= n {
            Poll::Ready(())
        } else {
            wakers.lock().unwrap().push(cx.waker().clone());
            Poll::Pending
        }
    })
}

/// A waker that counts its wakes.
#[derive(Default)]
pub struct CountingWaker {
    pub wakes: AtomicUsize,
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wakes.fetch_add(1, SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, SeqCst);
    }
}

impl CountingWaker {
    pub fn new() -> (Arc<CountingWaker>, Waker) {
        let w = Arc::new(CountingWaker::default());
        (w.clone(), Waker::from(w))
    }
    pub fn wakes(&self) -> usize {
        self.wakes.load(SeqCst)
    }
}

/// Polls a future once with `waker`.
pub fn poll_once<F: Future + Unpin>(f: &mut F, waker: &Waker) -> Poll<F::Output> {
    let mut cx = Context::from_waker(waker);
    Pin::new(f).poll(&mut cx)
}

/// Silences the default panic hook's output for panics the tests expect.
pub fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let msg = info
                .payload()
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| info.payload().downcast_ref::<String>().map(|s| s.as_str()))
                .unwrap_or("");
            if !(msg.starts_with("boom") || msg == "probe drop panic") {
                default(info);
            }
        }));
    });
}

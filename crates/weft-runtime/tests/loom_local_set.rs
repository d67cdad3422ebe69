//! Loom models of the `LocalSet`'s cross-thread wake queue: a wake from another thread reaches
//! the owner thread's `run_until` (no lost wake-up); a set dropped while another thread wakes
//! (or aborts) one of its tasks drops each future exactly once, on the owner thread, and leaks no
//! task cell. And of the inbox through which a current-thread runtime hands its local tasks back
//! to their owner thread: a hand-over racing the owner's exit is drained there or refused, and
//! one made while the owner waits in `block_on` wakes it.
//!
//! Run with `LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test
//! --release -p weft-runtime --test loom_local_set`.
#![cfg(loom)]
#![allow(missing_docs)]

use std::future::Future;
use std::pin::Pin;
use std::sync::MutexGuard;
use std::task::{Context, Poll, Wake, Waker};

use loom::thread;
use weft_core::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use weft_core::loom::sync::{Arc, Mutex};
use weft_core::task;
use weft_runtime::task::LocalSet;

/// `live_task_count` is process-wide: one model at a time.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Wakes the model thread that blocks in [`block_on`] (a permit: a notify before the wait is
/// kept).
struct Unpark(loom::sync::Notify);

impl Wake for Unpark {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.0.notify();
    }
}

/// Polls `fut` on this model thread, waiting (loom's `Notify`) until its waker is called.
fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let unpark = std::sync::Arc::new(Unpark(loom::sync::Notify::new()));
    let waker = Waker::from(unpark.clone());
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        unpark.0.wait();
    }
}

/// A one-shot signal: `fire` (any thread) wakes the task that awaits `Signal::wait`.
#[derive(Clone, Default)]
struct Signal(Arc<Mutex<(bool, Option<Waker>)>>);

impl Signal {
    fn fire(&self) {
        let waker = {
            let mut s = self.0.lock();
            s.0 = true;
            s.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    fn wait(&self) -> Wait {
        Wait(self.clone())
    }
}

struct Wait(Signal);

impl Future for Wait {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = (self.0).0.lock();
        if s.0 {
            return Poll::Ready(());
        }
        s.1 = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// Counts its drops, and checks each happens on the owner (the model's main) thread.
struct Guard {
    drops: Arc<AtomicUsize>,
    owner: thread::ThreadId,
}

impl Drop for Guard {
    fn drop(&mut self) {
        assert_eq!(
            thread::current().id(),
            self.owner,
            "a local future was dropped off its thread"
        );
        self.drops.fetch_add(1, SeqCst);
    }
}

fn guard(drops: &Arc<AtomicUsize>) -> Guard {
    Guard {
        drops: drops.clone(),
        owner: thread::current().id(),
    }
}

/// Pending once (waking itself), then ready.
async fn yield_once() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await
}

/// A task waits on a signal that another thread fires: the wake reaches the owner's
/// `run_until`, which runs the task to its end (a lost wake-up would leave `block_on` parked
/// forever, which loom reports as a deadlock).
#[test]
fn a_wake_from_another_thread_reaches_the_owner() {
    let _g = serial();
    loom::model(|| {
        let base = task::live_task_count();
        let drops = Arc::new(AtomicUsize::new(0));
        let local = LocalSet::new();
        let signal = Signal::default();
        let (s, g) = (signal.clone(), guard(&drops));
        let handle = local.spawn_local(async move {
            let _g = g;
            s.wait().await;
            7
        });
        let waker = thread::spawn(move || signal.fire());
        let out = block_on(local.run_until(handle));
        assert_eq!(out.unwrap(), 7);
        waker.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
        drop(local);
        assert_eq!(task::live_task_count(), base);
    });
}

/// The set is dropped while another thread wakes its idle task: whether the wake comes before,
/// during (its Runnable made but not queued yet) or after the drop, the future is dropped
/// exactly once, on the owner thread, and no cell is left.
#[test]
fn a_set_dropped_while_a_remote_wake_is_in_flight() {
    let _g = serial();
    loom::model(|| {
        let base = task::live_task_count();
        let drops = Arc::new(AtomicUsize::new(0));
        let local = LocalSet::new();
        let signal = Signal::default();
        let (s, g) = (signal.clone(), guard(&drops));
        drop(local.spawn_local(async move {
            let _g = g;
            s.wait().await;
            std::future::pending::<()>().await
        }));
        // Run it once: it waits on the signal.
        block_on(local.run_until(yield_once()));
        assert_eq!(drops.load(SeqCst), 0);
        let waker = thread::spawn(move || signal.fire());
        drop(local);
        waker.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
        assert_eq!(task::live_task_count(), base);
    });
}

/// Another thread aborts a task (through its `AbortHandle`) while the set is dropped: one drop,
/// on the owner thread, no cell left, and the `JoinHandle` sees a cancellation.
#[test]
fn a_set_dropped_while_another_thread_aborts_a_task() {
    let _g = serial();
    loom::model(|| {
        let base = task::live_task_count();
        let drops = Arc::new(AtomicUsize::new(0));
        let local = LocalSet::new();
        let g = guard(&drops);
        let handle = local.spawn_local(async move {
            let _g = g;
            std::future::pending::<()>().await
        });
        block_on(local.run_until(yield_once()));
        let abort = handle.abort_handle();
        let aborter = thread::spawn(move || abort.abort());
        drop(local);
        aborter.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
        let err = block_on(handle).unwrap_err();
        assert!(err.is_cancelled());
        assert_eq!(task::live_task_count(), base);
    });
}

/// The owner-thread inbox of a current-thread runtime's local tasks: another thread hands a task
/// over while the owner thread exits (drains and closes the inbox). Either the hand-over is
/// accepted and the owner drops the task, or it is refused and the caller gets it back; never
/// accepted and then left behind.
#[test]
fn a_hand_over_racing_the_owner_exit_is_drained_or_refused() {
    use weft_runtime::__loom::Inbox;
    let _g = serial();
    loom::model(|| {
        let base = task::live_task_count();
        let drops = Arc::new(AtomicUsize::new(0));
        let inbox = Arc::new(Inbox::default());
        let g = guard(&drops);
        // A task as a runtime's shutdown finds it: its one Runnable, queued, never run.
        let (runnable, handle) = task::spawn(
            async move {
                let _g = g;
            },
            NeverWoken,
            task::SpawnOptions::new(),
        );
        let other = {
            let inbox = inbox.clone();
            thread::spawn(move || inbox.hand_over(vec![runnable], Vec::new()).err())
        };
        inbox.drain(true);
        let refused = other.join().unwrap();
        let accepted = refused.is_none();
        if let Some(gone) = refused {
            assert_eq!(drops.load(SeqCst), 0);
            // The caller would leak it; the model drops it here, on the owner thread.
            drop(gone);
        }
        assert_eq!(drops.load(SeqCst), 1, "accepted: {accepted}");
        assert!(block_on(handle).unwrap_err().is_cancelled());
        // Closed: a later hand-over is refused (the caller gets the task back).
        let (late, late_handle) = task::spawn(async {}, NeverWoken, task::SpawnOptions::new());
        let gone = inbox.hand_over(vec![late], Vec::new()).unwrap_err();
        assert_eq!(gone.runnables.len(), 1);
        drop(gone);
        assert!(block_on(late_handle).unwrap_err().is_cancelled());
        assert_eq!(task::live_task_count(), base);
    });
}

/// The scheduling hook of a task that is never woken.
struct NeverWoken;

impl task::Schedule for NeverWoken {
    fn schedule(&self, _task: task::Runnable, _info: task::ScheduleInfo) {
        unreachable!("the task is never woken");
    }
}

/// The owner thread waits in a `block_on` (as when it awaits one of the tasks) while another
/// thread hands a task over: the hand-over wakes it (a lost wake-up would leave it parked, which
/// loom reports as a deadlock) and the owner drops the task.
#[test]
fn a_hand_over_wakes_the_owner_waiting_in_block_on() {
    use weft_runtime::__loom::Inbox;
    let _g = serial();
    loom::model(|| {
        let base = task::live_task_count();
        let drops = Arc::new(AtomicUsize::new(0));
        let inbox = Arc::new(Inbox::default());
        let g = guard(&drops);
        let (runnable, handle) = task::spawn(
            async move {
                let _g = g;
            },
            NeverWoken,
            task::SpawnOptions::new(),
        );
        let other = {
            let inbox = inbox.clone();
            thread::spawn(move || assert!(inbox.hand_over(vec![runnable], Vec::new()).is_ok()))
        };
        block_on(std::future::poll_fn(|cx| {
            if inbox.owner_poll(cx.waker()) {
                inbox.drain(false);
            }
            if drops.load(SeqCst) == 1 {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }));
        other.join().unwrap();
        assert!(block_on(handle).unwrap_err().is_cancelled());
        assert_eq!(task::live_task_count(), base);
    });
}

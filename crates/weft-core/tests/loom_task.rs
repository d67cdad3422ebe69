//! Loom models of the task state machine: concurrent wake / run / complete / abort / JoinHandle
//! drop / join waker registration.
//!
//! Run with `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p weft-core --release
//! --test loom_task`.
#![cfg(loom)]

use std::future::Future;
use std::pin::Pin;
use std::sync::MutexGuard;
use std::task::{Context, Poll, Wake, Waker};

use weft_core::loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use weft_core::loom::sync::{Arc, Mutex};
use weft_core::loom::thread;
use weft_core::task::{self, JoinHandle, Runnable, Schedule, ScheduleInfo, SpawnOptions};

/// `live_task_count` is process-wide: one model at a time.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs every Runnable right where it is scheduled (on the waking thread).
struct Inline;

impl Schedule for Inline {
    fn schedule(&self, task: Runnable, _info: ScheduleInfo) {
        task.run();
    }
}

#[derive(Default)]
struct Counts {
    polls: AtomicUsize,
    future_drops: AtomicUsize,
    output_drops: AtomicUsize,
}

struct Out(Arc<Counts>);

impl Drop for Out {
    fn drop(&mut self) {
        self.0.output_drops.fetch_add(1, SeqCst);
    }
}

/// Ready on poll `until` (never if 0); a pending first poll stores a clone of its waker in
/// `wakers`.
struct Probe {
    counts: Arc<Counts>,
    until: usize,
    wakers: Arc<Mutex<Vec<Waker>>>,
}

impl Future for Probe {
    type Output = Out;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Out> {
        let n = self.counts.polls.fetch_add(1, SeqCst) + 1;
        if n == self.until {
            return Poll::Ready(Out(self.counts.clone()));
        }
        if n == 1 {
            self.wakers.lock().push(cx.waker().clone());
        }
        Poll::Pending
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        self.counts.future_drops.fetch_add(1, SeqCst);
    }
}

type Wakers = Arc<Mutex<Vec<Waker>>>;

fn spawn_probe(until: usize) -> (Runnable, JoinHandle<Out>, Arc<Counts>, Wakers) {
    let counts = Arc::new(Counts::default());
    let wakers = Arc::new(Mutex::new(Vec::new()));
    let fut = Probe {
        counts: counts.clone(),
        until,
        wakers: wakers.clone(),
    };
    let (r, h) = task::spawn(fut, Inline, SpawnOptions::new());
    (r, h, counts, wakers)
}

struct FlagWaker(AtomicBool);

impl Wake for FlagWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.store(true, SeqCst);
    }
    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.0.store(true, SeqCst);
    }
}

fn flag_waker() -> (std::sync::Arc<FlagWaker>, Waker) {
    let f = std::sync::Arc::new(FlagWaker(AtomicBool::new(false)));
    (f.clone(), Waker::from(f))
}

fn poll_handle<T>(h: &mut JoinHandle<T>, w: &Waker) -> Poll<Result<T, task::JoinError>> {
    Pin::new(h).poll(&mut Context::from_waker(w))
}

/// Two wakes race with each other and with the run (and completion) that the first one starts:
/// the task is polled exactly twice, never scheduled while queued or running, nothing leaks.
#[test]
fn concurrent_wakes_vs_run_and_complete() {
    let _g = serial();
    loom::model(|| {
        let base = task::live_task_count();
        let (r, h, counts, wakers) = spawn_probe(2);
        r.run();
        let w1 = wakers.lock().pop().unwrap();
        let w2 = w1.clone();
        let t = thread::spawn(move || w1.wake());
        w2.wake_by_ref();
        drop(w2);
        t.join().unwrap();
        assert_eq!(counts.polls.load(SeqCst), 2);
        assert_eq!(counts.future_drops.load(SeqCst), 1);
        assert!(h.is_finished());
        drop(h);
        assert_eq!(counts.output_drops.load(SeqCst), 1);
        assert_eq!(task::live_task_count(), base);
    });
}

/// An abort races with a wake that runs the task: the task ends cancelled, its future dropped
/// exactly once.
#[test]
fn abort_vs_wake_and_run() {
    let _g = serial();
    loom::model(|| {
        let base = task::live_task_count();
        let (r, h, counts, wakers) = spawn_probe(0);
        r.run();
        let w = wakers.lock().pop().unwrap();
        let t = thread::spawn(move || w.wake());
        h.abort();
        t.join().unwrap();
        assert!(h.is_finished());
        assert_eq!(counts.future_drops.load(SeqCst), 1);
        let polls = counts.polls.load(SeqCst);
        assert!(polls == 1 || polls == 2, "polls = {polls}");
        let (_f, fw) = flag_waker();
        let mut h = h;
        match poll_handle(&mut h, &fw) {
            Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
            _ => panic!("an aborted task must end cancelled"),
        }
        drop(h);
        assert_eq!(task::live_task_count(), base);
    });
}

/// An abort races with the first run: the task always ends cancelled (before, during or after
/// the poll).
#[test]
fn abort_vs_first_run() {
    let _g = serial();
    loom::model(|| {
        let base = task::live_task_count();
        let (r, h, counts, wakers) = spawn_probe(0);
        let t = thread::spawn(move || r.run());
        h.abort();
        t.join().unwrap();
        assert!(h.is_finished());
        assert_eq!(counts.future_drops.load(SeqCst), 1);
        assert!(counts.polls.load(SeqCst) <= 1);
        wakers.lock().clear();
        drop(h);
        assert_eq!(task::live_task_count(), base);
    });
}

/// The JoinHandle is dropped while the task completes: the output is dropped exactly once, by
/// whichever side owns it.
#[test]
fn drop_join_handle_vs_complete() {
    let _g = serial();
    loom::model(|| {
        let base = task::live_task_count();
        let (r, h, counts, _wakers) = spawn_probe(1);
        let t = thread::spawn(move || r.run());
        drop(h);
        t.join().unwrap();
        assert_eq!(counts.future_drops.load(SeqCst), 1);
        assert_eq!(counts.output_drops.load(SeqCst), 1);
        assert_eq!(task::live_task_count(), base);
    });
}

/// The JoinHandle registers (and then replaces) its waker while the task completes: if the last
/// poll said Pending, the last waker is woken (no lost wake-up) and the output is there.
#[test]
fn join_waker_registration_vs_complete() {
    let _g = serial();
    loom::model(|| {
        let base = task::live_task_count();
        let (r, mut h, counts, _wakers) = spawn_probe(1);
        let t = thread::spawn(move || r.run());
        let (fa, wa) = flag_waker();
        let (fb, wb) = flag_waker();
        let mut done = poll_handle(&mut h, &wa).is_ready();
        let mut last = &fa;
        if !done {
            done = poll_handle(&mut h, &wb).is_ready();
            last = &fb;
        }
        t.join().unwrap();
        if !done {
            assert!(
                last.0.load(SeqCst),
                "the registered join waker was not woken"
            );
            assert!(poll_handle(&mut h, &wb).is_ready());
        }
        drop(h);
        assert_eq!(counts.output_drops.load(SeqCst), 1);
        assert_eq!(task::live_task_count(), base);
    });
}

/// Waker clones are woken and dropped on two threads while the task completes: every reference
/// is released exactly once (the cell is freed, never twice).
#[test]
fn wakers_dropped_concurrently_free_the_cell_once() {
    let _g = serial();
    loom::model(|| {
        let base = task::live_task_count();
        let (r, h, counts, wakers) = spawn_probe(2);
        r.run();
        drop(h);
        let w1 = wakers.lock().pop().unwrap();
        let w2 = w1.clone();
        let t = thread::spawn(move || {
            w1.wake_by_ref();
            drop(w1);
        });
        drop(w2);
        t.join().unwrap();
        assert_eq!(counts.future_drops.load(SeqCst), 1);
        assert_eq!(task::live_task_count(), base);
    });
}

/// Counts `unhandled_panic` calls.
struct PanicCounter(Arc<AtomicUsize>);

impl Schedule for PanicCounter {
    fn schedule(&self, task: Runnable, _info: ScheduleInfo) {
        task.run();
    }
    fn unhandled_panic(&self, _task: &task::TaskRef, _payload: &(dyn std::any::Any + Send)) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A task panics while its JoinHandle is dropped: the panic is reported exactly once, by
/// whichever side ends up owning it.
#[test]
fn panic_vs_drop_join_handle_reports_once() {
    let _g = serial();
    std::panic::set_hook(Box::new(|_| {}));
    loom::model(|| {
        let base = task::live_task_count();
        let reports = Arc::new(AtomicUsize::new(0));
        let (r, h) = task::spawn(
            async { std::panic::panic_any("boom") },
            PanicCounter(reports.clone()),
            SpawnOptions::new(),
        );
        let t = thread::spawn(move || r.run());
        drop(h);
        t.join().unwrap();
        assert_eq!(reports.load(SeqCst), 1);
        assert_eq!(task::live_task_count(), base);
    });
    let _ = std::panic::take_hook();
}

/// Three threads: a wake (which runs the task), an abort and the JoinHandle's drop all race.
/// The future is dropped exactly once, the output (if any) exactly once, and the cell is freed.
#[test]
fn wake_vs_abort_vs_drop_join_handle() {
    let _g = serial();
    loom::model(|| {
        let base = task::live_task_count();
        let (r, h, counts, wakers) = spawn_probe(2);
        r.run();
        let w = wakers.lock().pop().unwrap();
        let h = Arc::new(h);
        let h2 = h.clone();
        let waker_thread = thread::spawn(move || w.wake());
        let abort_thread = thread::spawn(move || h2.abort());
        drop(h);
        waker_thread.join().unwrap();
        abort_thread.join().unwrap();
        assert_eq!(counts.future_drops.load(SeqCst), 1);
        let polls = counts.polls.load(SeqCst);
        // Completed (polled twice, output dropped by its owner) or cancelled (no output).
        let expected_output_drops = usize::from(polls == 2);
        assert_eq!(counts.output_drops.load(SeqCst), expected_output_drops);
        assert_eq!(task::live_task_count(), base);
    });
}

/// No lost wake-up: each waker thread bumps `requested` and then wakes; every poll records how
/// many requests it saw when it started. However the wakes interleave with the polls they cause
/// (before, during, after, woken while running), the last poll must have seen every request.
#[test]
fn wakes_are_never_lost() {
    let _g = serial();
    loom::model(|| {
        let base = task::live_task_count();
        let requested = Arc::new(AtomicUsize::new(0));
        let last_seen = Arc::new(AtomicUsize::new(usize::MAX));
        let slot: Arc<Mutex<Option<Waker>>> = Arc::new(Mutex::new(None));
        let fut = {
            let requested = requested.clone();
            let last_seen = last_seen.clone();
            let slot = slot.clone();
            let mut first = true;
            std::future::poll_fn(move |cx: &mut Context<'_>| {
                last_seen.store(requested.load(SeqCst), SeqCst);
                if first {
                    first = false;
                    *slot.lock() = Some(cx.waker().clone());
                }
                Poll::<()>::Pending
            })
        };
        let (r, h) = task::spawn(fut, Inline, SpawnOptions::new());
        r.run();
        let w1 = slot.lock().clone().unwrap();
        let w2 = w1.clone();
        let (rq1, rq2) = (requested.clone(), requested.clone());
        let t1 = thread::spawn(move || {
            rq1.fetch_add(1, SeqCst);
            w1.wake();
        });
        let t2 = thread::spawn(move || {
            rq2.fetch_add(1, SeqCst);
            w2.wake_by_ref();
        });
        t1.join().unwrap();
        t2.join().unwrap();
        assert_eq!(last_seen.load(SeqCst), 2, "a wake-up was lost");
        slot.lock().take();
        drop(h);
        assert_eq!(task::live_task_count(), base);
    });
}

/// The JoinHandle registers a waker and is then dropped while the task completes: the output and
/// the registered waker are each released exactly once, by whichever side owns them.
#[test]
fn registered_join_handle_dropped_vs_complete() {
    let _g = serial();
    loom::model(|| {
        let base = task::live_task_count();
        let (r, mut h, counts, _wakers) = spawn_probe(1);
        let (flag, w) = flag_waker();
        let ready = poll_handle(&mut h, &w).is_ready();
        assert!(!ready, "not run yet");
        let t = thread::spawn(move || r.run());
        drop(h);
        t.join().unwrap();
        assert_eq!(counts.output_drops.load(SeqCst), 1);
        assert_eq!(
            std::sync::Arc::strong_count(&flag),
            2,
            "the join waker was not released"
        );
        drop(w);
        assert_eq!(task::live_task_count(), base);
    });
}

/// The JoinHandle registered a waker and takes the output while the runner completes the task
/// and wakes that waker (so the handle may take it while the runner still holds the slot): the
/// output is taken once and the handle's drop leaves it alone, and the registered wakers are
/// released exactly once by whichever side owns the slot.
#[test]
fn output_taken_while_the_runner_wakes_the_joiner() {
    let _g = serial();
    loom::model(|| {
        let base = task::live_task_count();
        let (r, mut h, counts, _wakers) = spawn_probe(1);
        let (flag, w) = flag_waker();
        assert!(poll_handle(&mut h, &w).is_pending(), "not run yet");
        let mut t = Some(thread::spawn(move || r.run()));
        // A second poll with another waker races with completion: it either re-registers or
        // takes the output.
        let (flag2, w2) = flag_waker();
        let out = match poll_handle(&mut h, &w2) {
            Poll::Ready(res) => res,
            Poll::Pending => {
                t.take().unwrap().join().unwrap();
                match poll_handle(&mut h, &w2) {
                    Poll::Ready(res) => res,
                    Poll::Pending => panic!("complete but not ready"),
                }
            }
        };
        let out = out.expect("the task returned a value");
        drop(h);
        assert_eq!(counts.output_drops.load(SeqCst), 0, "taken, not dropped");
        drop(out);
        if let Some(t) = t {
            t.join().unwrap();
        }
        assert_eq!(counts.output_drops.load(SeqCst), 1);
        assert_eq!(counts.future_drops.load(SeqCst), 1);
        drop((w, w2));
        assert_eq!(
            std::sync::Arc::strong_count(&flag),
            1,
            "a join waker leaked"
        );
        assert_eq!(
            std::sync::Arc::strong_count(&flag2),
            1,
            "a join waker leaked"
        );
        assert_eq!(task::live_task_count(), base);
    });
}

/// Keeps one reference to its task and hands it back at the end (`release_ref`), as a runtime's
/// registry does; runs what it is given inline.
#[derive(Default)]
struct Keeper(Mutex<Option<task::TaskRef>>);

impl Schedule for Keeper {
    fn schedule(&self, task: Runnable, _info: ScheduleInfo) {
        task.run();
    }
    fn release_ref(&self, task: &task::TaskRef) -> Option<task::TaskRef> {
        let held = self.0.lock().take();
        assert!(held.as_ref().is_none_or(|t| t == task));
        held
    }
}

/// The scheduler's reference, handed back at the end, is dropped with the runner's in one step
/// while a waker clone and the JoinHandle are dropped on another thread: the cell is freed once,
/// by whoever is last, and the output dropped once.
#[test]
fn reference_handed_back_at_the_end_vs_handle_and_waker_drops() {
    let _g = serial();
    loom::model(|| {
        let base = task::live_task_count();
        let counts = Arc::new(Counts::default());
        let wakers = Arc::new(Mutex::new(Vec::new()));
        let fut = Probe {
            counts: counts.clone(),
            until: 2,
            wakers: wakers.clone(),
        };
        let keeper = std::sync::Arc::new(Keeper::default());
        let (r, h) = task::spawn(fut, keeper.clone(), SpawnOptions::new());
        *keeper.0.lock() = Some(r.task());
        r.run();
        let w = wakers.lock().pop().unwrap();
        let w2 = w.clone();
        let t = thread::spawn(move || {
            drop(w2);
            drop(h);
        });
        // The second poll completes the task here, racing with the drops.
        w.wake();
        t.join().unwrap();
        assert!(keeper.0.lock().is_none(), "handed back");
        assert_eq!(counts.future_drops.load(SeqCst), 1);
        assert_eq!(counts.output_drops.load(SeqCst), 1);
        assert_eq!(task::live_task_count(), base);
    });
}

/// An un-run Runnable is dropped (cancelling the task) on one thread while the JoinHandle waits
/// on another: the joiner is woken and sees the cancellation; the future is dropped once.
#[test]
fn dropped_runnable_vs_join() {
    let _g = serial();
    loom::model(|| {
        let base = task::live_task_count();
        let (r, mut h, counts, _wakers) = spawn_probe(1);
        let t = thread::spawn(move || drop(r));
        let (flag, w) = flag_waker();
        let first = poll_handle(&mut h, &w);
        t.join().unwrap();
        let result = match first {
            Poll::Ready(res) => res,
            Poll::Pending => {
                assert!(flag.0.load(SeqCst), "the joiner was not woken");
                match poll_handle(&mut h, &w) {
                    Poll::Ready(res) => res,
                    Poll::Pending => panic!("woken but not ready"),
                }
            }
        };
        assert!(result.err().is_some_and(|e| e.is_cancelled()));
        assert_eq!(counts.polls.load(SeqCst), 0);
        assert_eq!(counts.future_drops.load(SeqCst), 1);
        drop(h);
        assert_eq!(task::live_task_count(), base);
    });
}

/// An `AbortHandle` on another thread aborts while the task is woken and run and its
/// `JoinHandle` is dropped; the `AbortHandle` may hold the last reference. The future is dropped
/// exactly once, the output at most once, and the cell is freed by whoever is last.
#[test]
fn abort_handle_vs_wake_vs_drop_join_handle() {
    let _g = serial();
    loom::model(|| {
        let base = task::live_task_count();
        let (r, h, counts, wakers) = spawn_probe(2);
        r.run();
        let w = wakers.lock().pop().unwrap();
        let abort = h.abort_handle();
        let abort_thread = thread::spawn(move || {
            abort.abort();
            let finished = abort.is_finished();
            drop(abort);
            finished
        });
        let waker_thread = thread::spawn(move || w.wake());
        drop(h);
        waker_thread.join().unwrap();
        let _ = abort_thread.join().unwrap();
        assert_eq!(counts.future_drops.load(SeqCst), 1);
        let polls = counts.polls.load(SeqCst);
        assert_eq!(counts.output_drops.load(SeqCst), usize::from(polls == 2));
        assert_eq!(task::live_task_count(), base);
    });
}

weft_core::task_local! {
    static CONTEXT: usize;
}

/// A task spawned inside a task-local scope runs on another thread while the scope ends: it sees
/// the value for its whole life, and the shared context is released exactly once, whichever
/// side lets go last.
#[test]
fn inherited_context_outlives_its_scope_across_threads() {
    let _g = serial();
    loom::model(|| {
        let base = task::live_task_count();
        let probe = std::sync::Arc::new(());
        struct Value(#[allow(dead_code)] std::sync::Arc<()>, usize);
        weft_core::task_local! { static VALUE: Value; }
        let (r, h) = VALUE.sync_scope(Value(probe.clone(), 5), || {
            task::spawn(async { VALUE.with(|v| v.1) }, Inline, SpawnOptions::new())
        });
        // The scope has ended here; the task still holds the context.
        assert_eq!(std::sync::Arc::strong_count(&probe), 2);
        let t = thread::spawn(move || r.run());
        let (flag, w) = flag_waker();
        let mut h = h;
        let seen = loop {
            if let Poll::Ready(out) = poll_handle(&mut h, &w) {
                break out.unwrap();
            }
            if !flag.0.swap(false, SeqCst) {
                thread::yield_now();
            }
        };
        t.join().unwrap();
        assert_eq!(seen, 5);
        drop(h);
        assert_eq!(std::sync::Arc::strong_count(&probe), 1);
        assert_eq!(task::live_task_count(), base);
        assert!(CONTEXT.try_with(|_| ()).is_err());
    });
}

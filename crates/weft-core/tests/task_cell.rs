//! Behaviour of the task cell with a counting scheduler and counting futures: exact poll, drop
//! and schedule counts for every way a task can end.

// `waker.clone().wake()` is deliberate here: it exercises the consuming wake path.
#![allow(clippy::waker_clone_wake)]
mod task_support;

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Poll, Waker};

use futures_util::task::noop_waker;
use task_support::*;
use weft_core::task::{self, JoinError, JoinHandle, Runnable, SpawnOptions, TaskRef};

fn pending_forever(
    counts: &Arc<Counts>,
    wakers: &Arc<Mutex<Vec<Waker>>>,
) -> Probe<impl FnMut(&mut std::task::Context<'_>) -> Poll<()> + Send + Unpin + 'static> {
    ready_on(counts, usize::MAX, wakers.clone())
}

fn wakers() -> Arc<Mutex<Vec<Waker>>> {
    Arc::new(Mutex::new(Vec::new()))
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    futures_executor::block_on(f)
}

/// The setup most tests share: the serial guard (taken first), the live task count at the start,
/// a counting scheduler, the futures' counters and the wakers their polls leave behind.
struct Fixture {
    base: usize,
    sched: Arc<TestSched>,
    counts: Arc<Counts>,
    ws: Arc<Mutex<Vec<Waker>>>,
    // Last, so it is released after everything above is dropped.
    _serial: MutexGuard<'static, ()>,
}

impl Fixture {
    fn new() -> Fixture {
        let serial = serial();
        Fixture {
            base: task::live_task_count(),
            sched: TestSched::new(),
            counts: Counts::new(),
            ws: wakers(),
            _serial: serial,
        }
    }

    /// Spawns `fut` on the fixture's scheduler; the spawn location is the caller's.
    #[track_caller]
    fn spawn<F>(&self, fut: F) -> (Runnable, JoinHandle<F::Output>)
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        task::spawn(fut, self.sched.clone(), SpawnOptions::new())
    }

    /// Spawns a counted future that is ready on its `n`th poll, leaving its wakers in `ws`.
    #[track_caller]
    fn spawn_ready_on(&self, n: usize) -> (Runnable, JoinHandle<Out>) {
        self.spawn(ready_on(&self.counts, n, self.ws.clone()))
    }

    /// Spawns a counted future that is never ready, leaving its wakers in `ws`.
    #[track_caller]
    fn spawn_pending_forever(&self) -> (Runnable, JoinHandle<Out>) {
        self.spawn(pending_forever(&self.counts, &self.ws))
    }

    /// Spawns a counted future that aborts its own task from inside its poll, then returns
    /// `then`. The returned slot holds the task's own `TaskRef`; empty it to let the cell go.
    #[track_caller]
    fn spawn_aborting_itself(
        &self,
        then: Poll<()>,
    ) -> (Runnable, JoinHandle<Out>, Arc<Mutex<Option<TaskRef>>>) {
        let me: Arc<Mutex<Option<TaskRef>>> = Arc::new(Mutex::new(None));
        let me2 = me.clone();
        let fut = Probe::new(&self.counts, move |_cx| {
            me2.lock().unwrap().as_ref().unwrap().abort();
            then
        });
        let (runnable, handle) = self.spawn(fut);
        *me.lock().unwrap() = Some(runnable.task());
        (runnable, handle, me)
    }

    /// `(polls, future drops, output drops)` of the fixture's counted futures, read in that order.
    fn polls_and_drops(&self) -> (usize, usize, usize) {
        (
            self.counts.polls(),
            self.counts.future_drops(),
            self.counts.output_drops(),
        )
    }

    /// Every task spawned since the start has been freed.
    #[track_caller]
    fn assert_all_freed(&self) {
        assert_eq!(task::live_task_count(), self.base);
    }
}

#[test]
fn complete_polls_once_and_drops_each_thing_once() {
    let f = Fixture::new();
    let (runnable, handle) = f.spawn_ready_on(1);
    assert_eq!(task::live_task_count(), f.base + 1);
    assert!(!handle.is_finished());
    assert!(!runnable.run());
    assert!(handle.is_finished());
    assert_eq!(f.polls_and_drops(), (1, 1, 0));
    assert_eq!(f.sched.released(), 1);
    let out = block_on(handle).unwrap();
    assert_eq!(f.counts.output_drops(), 0);
    drop(out);
    assert_eq!(f.polls_and_drops(), (1, 1, 1));
    assert_eq!(f.sched.scheduled(), 0);
    assert!(f.sched.unhandled().is_empty());
    f.assert_all_freed();
}

#[test]
fn pending_then_wake_then_complete() {
    let f = Fixture::new();
    let (runnable, handle) = f.spawn_ready_on(3);
    assert!(!runnable.run());
    assert_eq!(f.counts.polls(), 1);
    assert_eq!(f.sched.scheduled(), 0);
    f.ws.lock().unwrap().pop().unwrap().wake();
    assert_eq!(f.sched.scheduled(), 1);
    assert_eq!(f.sched.run_all(), 1);
    f.ws.lock().unwrap().pop().unwrap().wake_by_ref();
    assert_eq!(f.sched.scheduled(), 2);
    assert_eq!(f.sched.run_all(), 1);
    assert_eq!((f.counts.polls(), f.counts.future_drops()), (3, 1));
    drop(block_on(handle).unwrap());
    assert_eq!(f.counts.output_drops(), 1);
    assert_eq!(f.sched.released(), 1);
    assert_eq!(f.sched.woken_while_running.load(SeqCst), 0);
    f.assert_all_freed();
}

#[test]
fn abort_before_first_run_cancels_without_polling() {
    let f = Fixture::new();
    let (runnable, handle) = f.spawn_pending_forever();
    handle.abort();
    handle.abort();
    // Already notified (the Runnable exists): no new schedule.
    assert_eq!(f.sched.scheduled(), 0);
    assert!(!handle.is_finished());
    assert!(!runnable.run());
    assert!(handle.is_finished());
    assert_eq!((f.counts.polls(), f.counts.future_drops()), (0, 1));
    let err = block_on(handle).unwrap_err();
    assert!(err.is_cancelled() && !err.is_panic());
    assert_eq!(f.sched.released(), 1);
    f.assert_all_freed();
}

#[test]
fn abort_idle_task_schedules_it_once_to_cancel() {
    let f = Fixture::new();
    let (runnable, handle) = f.spawn_pending_forever();
    runnable.run();
    assert_eq!(f.counts.polls(), 1);
    handle.abort();
    handle.abort();
    assert_eq!(f.sched.scheduled(), 1);
    // Waking an aborted, queued task does nothing more.
    f.ws.lock().unwrap()[0].wake_by_ref();
    assert_eq!(f.sched.scheduled(), 1);
    assert_eq!(f.sched.run_all(), 1);
    assert_eq!((f.counts.polls(), f.counts.future_drops()), (1, 1));
    assert!(block_on(handle).unwrap_err().is_cancelled());
    assert_eq!(f.sched.released(), 1);
    f.ws.lock().unwrap().clear();
    f.assert_all_freed();
}

#[test]
fn abort_while_running_cancels_when_poll_returns() {
    let f = Fixture::new();
    let (runnable, handle, me) = f.spawn_aborting_itself(Poll::Pending);
    assert!(!runnable.run());
    assert_eq!(f.sched.scheduled(), 0);
    assert_eq!((f.counts.polls(), f.counts.future_drops()), (1, 1));
    assert!(handle.is_finished());
    assert!(block_on(handle).unwrap_err().is_cancelled());
    assert_eq!(f.sched.released(), 1);
    me.lock().unwrap().take();
    f.assert_all_freed();
}

#[test]
fn abort_while_running_loses_to_completion() {
    let f = Fixture::new();
    let (runnable, handle, me) = f.spawn_aborting_itself(Poll::Ready(()));
    runnable.run();
    let out = block_on(handle).expect("the output was stored before the abort took effect");
    drop(out);
    assert_eq!(f.polls_and_drops(), (1, 1, 1));
    assert_eq!(f.sched.scheduled(), 0);
    me.lock().unwrap().take();
    f.assert_all_freed();
}

#[test]
fn abort_after_complete_does_nothing() {
    let f = Fixture::new();
    let (runnable, handle) = f.spawn_ready_on(1);
    runnable.run();
    handle.abort();
    assert_eq!(f.sched.scheduled(), 0);
    assert!(block_on(handle).is_ok());
    assert_eq!(f.counts.output_drops(), 1);
}

#[test]
fn dropped_handle_detaches_and_runner_drops_output() {
    let f = Fixture::new();
    let (runnable, handle) = f.spawn_ready_on(2);
    runnable.run();
    drop(handle);
    assert_eq!((f.counts.future_drops(), f.counts.output_drops()), (0, 0));
    f.ws.lock().unwrap().pop().unwrap().wake();
    assert_eq!(f.sched.run_all(), 1);
    assert_eq!(f.polls_and_drops(), (2, 1, 1));
    assert_eq!(f.sched.released(), 1);
    f.assert_all_freed();
}

#[test]
fn handle_dropped_after_completion_drops_output() {
    let f = Fixture::new();
    let (runnable, handle) = f.spawn_ready_on(1);
    runnable.run();
    assert_eq!(f.counts.output_drops(), 0);
    drop(handle);
    assert_eq!((f.counts.future_drops(), f.counts.output_drops()), (1, 1));
    f.assert_all_freed();
}

#[test]
fn forgotten_task_is_freed_with_its_future_when_the_last_reference_goes() {
    let f = Fixture::new();
    let (runnable, handle) = f.spawn_pending_forever();
    runnable.run();
    drop(handle);
    assert_eq!(f.counts.future_drops(), 0);
    f.ws.lock().unwrap().clear(); // the last waker: nobody can wake it any more
    assert_eq!((f.counts.polls(), f.counts.future_drops()), (1, 1));
    assert_eq!(f.sched.released(), 0, "a forgotten task never ended");
    f.assert_all_freed();
}

#[test]
fn wake_after_complete_does_nothing() {
    let f = Fixture::new();
    let (runnable, handle) = f.spawn_ready_on(2);
    runnable.run();
    let w = f.ws.lock().unwrap().pop().unwrap();
    let w2 = w.clone();
    w.wake_by_ref();
    f.sched.run_all();
    assert!(handle.is_finished());
    w.wake_by_ref();
    w.wake_by_ref();
    w2.clone().wake();
    w2.wake();
    assert_eq!(f.sched.scheduled(), 1);
    assert_eq!(f.counts.polls(), 2);
    drop(block_on(handle).unwrap());
    assert_eq!(
        task::live_task_count(),
        f.base + 1,
        "the waker keeps the cell"
    );
    drop(w);
    f.assert_all_freed();
    assert_eq!((f.counts.future_drops(), f.counts.output_drops()), (1, 1));
}

#[test]
fn panic_in_poll_goes_to_the_join_handle() {
    quiet_panics();
    let f = Fixture::new();
    let fut = Probe::new(&f.counts, |_cx| panic!("boom in poll"));
    let (runnable, handle) = f.spawn(fut);
    assert!(!runnable.run());
    assert!(handle.is_finished());
    assert_eq!((f.counts.polls(), f.counts.future_drops()), (1, 1));
    let err = block_on(handle).unwrap_err();
    assert!(err.is_panic() && !err.is_cancelled());
    let payload = err.into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom in poll"));
    assert_eq!(f.sched.released(), 1);
    assert!(f.sched.unhandled().is_empty());
    assert_eq!(f.counts.output_drops(), 0);
    f.assert_all_freed();
}

#[test]
fn panic_in_future_drop_on_completion_is_the_result() {
    quiet_panics();
    let f = Fixture::new();
    let fut = Probe::new(&f.counts, |_cx| Poll::Ready(())).panicking_on_drop();
    let (runnable, handle) = f.spawn(fut);
    runnable.run();
    let err = block_on(handle).unwrap_err();
    assert!(err.is_panic());
    assert_eq!((f.counts.future_drops(), f.counts.output_drops()), (1, 1));
    f.assert_all_freed();
}

#[test]
fn panic_in_future_drop_during_cancel_does_not_corrupt_the_cell() {
    quiet_panics();
    let f = Fixture::new();
    let fut = Probe::new(&f.counts, |_cx| Poll::Pending).panicking_on_drop();
    let (runnable, handle) = f.spawn(fut);
    drop(runnable);
    assert_eq!(f.counts.future_drops(), 1);
    let err = block_on(handle).unwrap_err();
    assert!(err.is_panic(), "the destructor's panic is reported: {err}");
    assert_eq!(f.sched.released(), 1);
    f.assert_all_freed();

    // Dropped when the last reference goes: caught as well.
    let counts = Counts::new();
    let fut = Probe::new(&counts, |_cx| Poll::Pending).panicking_on_drop();
    let (runnable, handle) = f.spawn(fut);
    runnable.run();
    drop(handle);
    assert_eq!(counts.future_drops(), 1);
    f.assert_all_freed();
}

#[test]
fn many_wakes_before_a_run_schedule_once() {
    let f = Fixture::new();
    let (runnable, handle) = f.spawn_ready_on(2);
    runnable.run();
    let w = f.ws.lock().unwrap().pop().unwrap();
    for _ in 0..10 {
        w.wake_by_ref();
        w.clone().wake();
    }
    assert_eq!(f.sched.scheduled(), 1);
    assert_eq!(f.sched.len(), 1);
    assert_eq!(f.sched.run_all(), 1);
    assert_eq!(f.counts.polls(), 2);
    drop(w);
    drop(handle);
    assert_eq!((f.counts.future_drops(), f.counts.output_drops()), (1, 1));
    f.assert_all_freed();
}

#[test]
fn woken_while_running_is_rescheduled_once_with_the_flag() {
    let f = Fixture::new();
    let mut polls = 0;
    let fut = Probe::new(&f.counts, move |cx| {
        polls += 1;
        if polls == 1 {
            cx.waker().wake_by_ref();
            cx.waker().wake_by_ref();
            cx.waker().clone().wake();
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    });
    let (runnable, handle) = f.spawn(fut);
    assert!(runnable.run(), "run() reports the self-wake");
    assert_eq!(f.sched.scheduled(), 1);
    assert_eq!(f.sched.woken_while_running.load(SeqCst), 1);
    let again = f.sched.pop().unwrap();
    assert!(!again.run());
    assert_eq!(f.counts.polls(), 2);
    drop(block_on(handle).unwrap());
    assert_eq!((f.counts.future_drops(), f.counts.output_drops()), (1, 1));
    f.assert_all_freed();
}

#[test]
fn dropping_a_runnable_cancels_the_task() {
    let f = Fixture::new();
    let (runnable, handle) = f.spawn_pending_forever();
    runnable.run();
    f.ws.lock().unwrap()[0].wake_by_ref();
    let queued = f.sched.pop().unwrap();
    drop(queued);
    assert_eq!((f.counts.polls(), f.counts.future_drops()), (1, 1));
    assert!(handle.is_finished());
    assert!(block_on(handle).unwrap_err().is_cancelled());
    assert_eq!(f.sched.released(), 1);
    // Waking a cancelled task does nothing.
    f.ws.lock().unwrap()[0].wake_by_ref();
    assert_eq!(f.sched.scheduled(), 1);
    f.ws.lock().unwrap().clear();
    f.assert_all_freed();
}

#[test]
fn waker_outlives_the_scheduler() {
    let _g = serial();
    let base = task::live_task_count();
    let sched_dropped = Arc::new(AtomicBool::new(false));
    let sched = TestSched::with_drop_flag(sched_dropped.clone());
    let counts = Counts::new();
    let ws = wakers();
    let (runnable, handle) = task::spawn(
        pending_forever(&counts, &ws),
        sched.clone(),
        SpawnOptions::new(),
    );
    runnable.run();
    let w = ws.lock().unwrap().pop().unwrap();
    // The "runtime" shuts down: it refuses new work and lets go of its own handle.
    sched.closed.store(true, SeqCst);
    drop(sched);
    assert!(!sched_dropped.load(SeqCst), "the cell keeps its scheduler");
    w.wake_by_ref(); // scheduled into a closed runtime: the Runnable is dropped, the task cancelled
    assert_eq!((counts.polls(), counts.future_drops()), (1, 1));
    assert!(block_on(handle).unwrap_err().is_cancelled());
    w.wake_by_ref();
    w.clone().wake();
    assert!(!sched_dropped.load(SeqCst));
    drop(w);
    assert!(
        sched_dropped.load(SeqCst),
        "the last waker freed the cell and its scheduler"
    );
    assert_eq!(task::live_task_count(), base);
}

#[test]
fn unhandled_panic_when_handle_dropped_before_the_panic() {
    quiet_panics();
    let f = Fixture::new();
    let fut = Probe::new(&f.counts, |_cx| panic!("boom detached"));
    let (runnable, handle) = task::spawn(fut, f.sched.clone(), SpawnOptions::new().name("worker"));
    let id = handle.id();
    drop(handle);
    runnable.run();
    let reports = f.sched.unhandled();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(
        reports[0].starts_with(&format!("task {id} (\"worker\") spawned at ")),
        "{}",
        reports[0]
    );
    assert!(reports[0].contains("task_cell.rs"), "{}", reports[0]);
    assert!(reports[0].ends_with(": boom detached"), "{}", reports[0]);
    assert_eq!(f.sched.released(), 1);
}

#[test]
fn unhandled_panic_when_handle_dropped_holding_the_panic() {
    quiet_panics();
    let f = Fixture::new();
    let fut = Probe::new(&f.counts, |_cx| panic!("boom kept"));
    let (runnable, handle) = f.spawn(fut);
    runnable.run();
    assert!(f.sched.unhandled().is_empty());
    // Polled while pending does not count; only dropping the unretrieved panic does.
    drop(handle);
    let reports = f.sched.unhandled();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(reports[0].ends_with("boom kept"));
}

#[test]
fn no_unhandled_panic_when_the_handle_took_it() {
    quiet_panics();
    let f = Fixture::new();
    let fut = Probe::new(&f.counts, |_cx| panic!("boom seen"));
    let (runnable, mut handle) = f.spawn(fut);
    runnable.run();
    assert!(matches!(
        poll_once(&mut handle, &noop_waker()),
        Poll::Ready(Err(_))
    ));
    drop(handle);
    assert!(f.sched.unhandled().is_empty());
}

#[test]
fn join_error_display_and_debug_name_the_task() {
    quiet_panics();
    let _g = serial();
    let sched = TestSched::new();

    let (r, h) = task::spawn(
        async { panic!("boom") },
        sched.clone(),
        SpawnOptions::new().name("fetch"),
    );
    r.run();
    let err = block_on(h).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("task {} (\"fetch\") panicked: boom", err.id())
    );
    let dbg = format!("{err:?}");
    assert!(
        dbg.contains(&err.id().to_string()) && dbg.contains("fetch") && dbg.contains("boom"),
        "{dbg}"
    );
    assert_eq!(err.name(), Some("fetch"));

    let (r, h) = task::spawn(
        async { std::panic::panic_any(String::from("boom string")) },
        sched.clone(),
        SpawnOptions::new(),
    );
    r.run();
    let err = block_on(h).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("task {} panicked: boom string", err.id())
    );

    let (r, h) = task::spawn(
        async { std::panic::panic_any(17u32) },
        sched.clone(),
        SpawnOptions::new(),
    );
    r.run();
    let err = block_on(h).unwrap_err();
    assert_eq!(err.to_string(), format!("task {} panicked", err.id()));
    let err = err.try_into_panic().map(|p| *p.downcast::<u32>().unwrap());
    assert_eq!(err.unwrap(), 17);

    let (r, h) = task::spawn(async {}, sched.clone(), SpawnOptions::new().name("idle"));
    let id = r.id();
    drop(r);
    let err = block_on(h).unwrap_err();
    assert_eq!(err.id(), id);
    assert_eq!(
        err.to_string(),
        format!("task {id} (\"idle\") was cancelled")
    );
    assert!(format!("{err:?}").contains("Cancelled"));
    let err = err.try_into_panic().unwrap_err();
    assert!(err.is_cancelled());

    // A std error, usable with `?` and boxed errors.
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(err);
    assert!(boxed.to_string().ends_with("was cancelled"));
}

#[test]
#[should_panic(expected = "check is_panic() first")]
fn into_panic_on_a_cancellation_panics_clearly() {
    let _g = serial();
    let sched = TestSched::new();
    let (r, h) = task::spawn(async {}, sched, SpawnOptions::new());
    drop(r);
    let err: JoinError = block_on(h).unwrap_err();
    let _ = err.into_panic();
}

#[test]
fn join_waker_is_woken_once_and_replaced_race_free() {
    let f = Fixture::new();
    let (runnable, mut handle) = f.spawn_ready_on(2);
    let (c1, w1) = CountingWaker::new();
    let (c2, w2) = CountingWaker::new();
    assert!(poll_once(&mut handle, &w1).is_pending());
    assert!(poll_once(&mut handle, &w1).is_pending()); // same waker: kept
    runnable.run();
    assert!(poll_once(&mut handle, &w2).is_pending()); // replaced
    f.ws.lock().unwrap().pop().unwrap().wake();
    f.sched.run_all();
    assert_eq!((c1.wakes(), c2.wakes()), (0, 1));
    match poll_once(&mut handle, &w2) {
        Poll::Ready(Ok(out)) => drop(out),
        other => panic!("expected the output, got {other:?}"),
    }
    drop(handle);
    f.assert_all_freed();
    assert_eq!(Arc::strong_count(&c1), 2, "w1 was released by the cell");
    assert_eq!(Arc::strong_count(&c2), 2, "w2 was released by the cell");
}

#[test]
fn join_handle_dropped_with_a_registered_waker_releases_it() {
    let f = Fixture::new();
    let (runnable, mut handle) = f.spawn_ready_on(2);
    let (c1, w1) = CountingWaker::new();
    assert!(poll_once(&mut handle, &w1).is_pending());
    assert_eq!(Arc::strong_count(&c1), 3);
    drop(handle);
    assert_eq!(Arc::strong_count(&c1), 2);
    runnable.run();
    f.ws.lock().unwrap().pop().unwrap().wake();
    f.sched.run_all();
    assert_eq!(c1.wakes(), 0);
    assert_eq!((f.counts.future_drops(), f.counts.output_drops()), (1, 1));
    f.assert_all_freed();
}

/// A handle that returned `Ready` took the output: a second poll panics, and the handle's drop
/// drops nothing more (and releases the waker the handle registered). For each outcome: value,
/// panic, cancellation.
#[test]
fn polling_a_handle_again_after_ready_panics_and_its_drop_drops_nothing() {
    quiet_panics();
    let f = Fixture::new();
    for outcome in ["value", "panic", "cancel"] {
        let counts = Counts::new();
        let fut = Probe::new(&counts, move |_cx| match outcome {
            "panic" => panic!("boom"),
            _ => Poll::Ready(()),
        });
        let (runnable, mut handle) = f.spawn(fut);
        let (c, w) = CountingWaker::new();
        assert!(poll_once(&mut handle, &w).is_pending());
        assert_eq!(Arc::strong_count(&c), 3, "registered");
        if outcome == "cancel" {
            drop(runnable);
        } else {
            runnable.run();
        }
        assert_eq!(c.wakes(), 1);
        let res = poll_once(&mut handle, &w);
        match (outcome, res) {
            ("value", Poll::Ready(Ok(out))) => drop(out),
            ("panic", Poll::Ready(Err(e))) => assert!(e.is_panic()),
            ("cancel", Poll::Ready(Err(e))) => assert!(e.is_cancelled()),
            (o, r) => panic!("{o}: unexpected {:?}", r.map(|r| r.is_ok())),
        }
        assert_eq!(counts.output_drops(), usize::from(outcome == "value"));
        let again = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = poll_once(&mut handle, &w);
        }));
        let msg = again.expect_err("a second poll must panic");
        let msg = msg.downcast_ref::<&str>().copied().unwrap_or_default();
        assert!(
            msg.starts_with("JoinHandle polled after it returned Ready"),
            "{msg}"
        );
        assert!(handle.is_finished());
        drop(handle);
        assert_eq!(
            Arc::strong_count(&c),
            2,
            "{outcome}: the join waker is released"
        );
        assert_eq!(
            counts.output_drops(),
            usize::from(outcome == "value"),
            "{outcome}"
        );
        assert_eq!(counts.future_drops(), 1);
    }
    assert!(f.sched.unhandled().is_empty(), "every panic was seen");
    f.assert_all_freed();
}

/// A scheduler that keeps a reference to each task and hands it back from `release_ref`: the
/// cell drops it with the runner's (and frees the cell when those two were the last); a reference
/// to another task handed back by mistake is dropped as it is.
#[test]
fn release_ref_hands_back_the_schedulers_reference() {
    use std::sync::atomic::AtomicUsize;
    use weft_core::task::{Schedule, ScheduleInfo};

    #[derive(Default)]
    struct Keeper {
        held: Mutex<Vec<TaskRef>>,
        /// Hand back this task's reference instead of the released one's.
        other: Mutex<Option<TaskRef>>,
        releases: AtomicUsize,
    }
    impl Schedule for Keeper {
        fn schedule(&self, task: Runnable, _info: ScheduleInfo) {
            drop(task);
        }
        fn release_ref(&self, task: &TaskRef) -> Option<TaskRef> {
            self.releases.fetch_add(1, SeqCst);
            if let Some(other) = self.other.lock().unwrap().take() {
                return Some(other);
            }
            let mut held = self.held.lock().unwrap();
            let i = held.iter().position(|t| t == task)?;
            Some(held.swap_remove(i))
        }
    }

    let _g = serial();
    let base = task::live_task_count();
    let keeper = Arc::new(Keeper::default());
    // Handle dropped first: the runner's and the keeper's references are the last two.
    let (r, h) = task::spawn(async { 1 }, keeper.clone(), SpawnOptions::new());
    keeper.held.lock().unwrap().push(r.task());
    drop(h);
    r.run();
    assert_eq!(keeper.releases.load(SeqCst), 1);
    assert!(keeper.held.lock().unwrap().is_empty());
    assert_eq!(
        task::live_task_count(),
        base,
        "freed with both references gone"
    );
    // The handle outlives the task: the cell stays until it goes.
    let (r, h) = task::spawn(async { 2 }, keeper.clone(), SpawnOptions::new());
    keeper.held.lock().unwrap().push(r.task());
    r.run();
    assert_eq!(task::live_task_count(), base + 1);
    assert_eq!(block_on(h).unwrap(), 2);
    assert_eq!(task::live_task_count(), base);
    // Another task's reference handed back: that one is dropped as is, ours released once.
    let (r_other, h_other) = task::spawn(async { 3 }, keeper.clone(), SpawnOptions::new());
    let (r, h) = task::spawn(async { 4 }, keeper.clone(), SpawnOptions::new());
    *keeper.other.lock().unwrap() = Some(r_other.task());
    r.run();
    assert_eq!(block_on(h).unwrap(), 4);
    assert_eq!(task::live_task_count(), base + 1, "the other task lives on");
    drop((r_other, h_other));
    assert_eq!(task::live_task_count(), base);
}

#[test]
fn join_handle_consumes_coop_budget() {
    use weft_core::coop;
    let _g = serial();
    let sched = TestSched::new();
    let (r, mut h) = task::spawn(async { 3 }, sched, SpawnOptions::new());
    r.run();
    let (c, w) = CountingWaker::new();
    coop::with_budget(coop::Budget::new(0), || {
        assert!(
            poll_once(&mut h, &w).is_pending(),
            "no budget: the handle yields"
        );
    });
    assert_eq!(c.wakes(), 1);
    coop::with_budget(coop::Budget::new(1), || {
        assert!(matches!(poll_once(&mut h, &w), Poll::Ready(Ok(3))));
        assert_eq!(coop::current(), coop::Budget::new(0));
    });
}

#[test]
fn task_ref_reports_and_release_gets_the_task() {
    let _g = serial();
    let base = task::live_task_count();
    let sched = TestSched::new();
    let (opts, line) = (SpawnOptions::new().name("reg"), line!());
    let (runnable, handle) = task::spawn(async { 1 }, sched.clone(), opts);
    let t = runnable.task();
    let t2 = t.clone();
    assert_eq!(t, t2);
    assert_eq!(t.id(), handle.id());
    assert_eq!(t.name(), Some("reg"));
    assert_eq!(t.location().line(), line);
    assert!(t.location().file().ends_with("task_cell.rs"));
    assert!(!t.is_finished());
    assert!(format!("{t:?}").contains("reg"));
    assert!(format!("{runnable:?}").contains("NOTIFIED"));
    runnable.run();
    assert!(t.is_finished());
    assert_eq!(*sched.released_ids.lock().unwrap(), vec![t.id()]);
    assert_eq!(block_on(handle).unwrap(), 1);
    drop(t);
    assert_eq!(task::live_task_count(), base + 1);
    drop(t2);
    assert_eq!(task::live_task_count(), base);
}

#[test]
fn runnable_raw_round_trip_and_schedule() {
    let f = Fixture::new();
    let (runnable, handle) = f.spawn(async { 2 });
    let raw = runnable.into_raw();
    // SAFETY: `raw` came from into_raw and is used once.
    let runnable = unsafe { Runnable::from_raw(raw) };
    runnable.schedule();
    assert_eq!(f.sched.scheduled(), 1);
    assert_eq!(f.sched.run_all(), 1);
    assert_eq!(block_on(handle).unwrap(), 2);
    f.assert_all_freed();
}

#[test]
fn task_ids_are_unique_and_ordered() {
    let _g = serial();
    let sched = TestSched::new();
    let (r1, h1) = task::spawn(async {}, sched.clone(), SpawnOptions::new());
    let (r2, h2) = task::spawn(async {}, sched, SpawnOptions::new());
    assert!(h1.id() < h2.id());
    assert_eq!(r1.id(), h1.id());
    assert_eq!(h1.id().to_string(), h1.id().as_u64().to_string());
    drop((r1, r2, h1, h2));
}

#[test]
fn spawn_unchecked_runs_a_non_send_future() {
    let _g = serial();
    let base = task::live_task_count();
    let sched = TestSched::new();
    let rc = std::rc::Rc::new(5);
    let rc2 = rc.clone();
    // SAFETY: the Runnable and JoinHandle stay on this thread.
    let (r, h) =
        unsafe { task::spawn_unchecked(async move { *rc2 + 1 }, sched, SpawnOptions::new()) };
    r.run();
    assert_eq!(block_on(h).unwrap(), 6);
    assert_eq!(std::rc::Rc::strong_count(&rc), 1);
    assert_eq!(task::live_task_count(), base);
}

#[test]
fn public_types_are_send_sync_unpin() {
    fn send_sync<T: Send + Sync>() {}
    fn unpin<T: Unpin>() {}
    send_sync::<Runnable>();
    send_sync::<TaskRef>();
    send_sync::<JoinHandle<u8>>();
    send_sync::<JoinError>();
    send_sync::<SpawnOptions>();
    unpin::<JoinHandle<std::marker::PhantomPinned>>();
    unpin::<Runnable>();
}

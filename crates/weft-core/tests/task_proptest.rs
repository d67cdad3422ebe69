//! Random programs of wakes, runs, aborts and handle operations on one task, checked step by
//! step against a model: poll, drop and schedule counts, the JoinHandle's result, unhandled-panic
//! reports, and that the allocation is freed at the end.

mod task_support;

use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use futures_util::task::noop_waker;
use proptest::prelude::*;
use task_support::*;
use weft_core::task::{self, JoinHandle, SpawnOptions};

#[derive(Clone, Debug)]
enum Op {
    Run,
    Wake(usize),
    WakeByRef(usize),
    CloneWaker(usize),
    DropWaker(usize),
    Abort,
    DropHandle,
    PollHandle,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::Run),
        2 => any::<usize>().prop_map(Op::Wake),
        2 => any::<usize>().prop_map(Op::WakeByRef),
        1 => any::<usize>().prop_map(Op::CloneWaker),
        1 => any::<usize>().prop_map(Op::DropWaker),
        1 => Just(Op::Abort),
        1 => Just(Op::DropHandle),
        2 => Just(Op::PollHandle),
    ]
}

/// How the task's future behaves, by poll number (1-based).
#[derive(Clone, Debug)]
struct Script {
    /// Ready on this poll (0: never).
    ready_at: usize,
    /// Panics on this poll (0: never); checked before `ready_at`.
    panic_at: usize,
    /// Bit `n` set: poll `n` wakes itself before returning Pending.
    self_wake: u8,
}

fn script() -> impl Strategy<Value = Script> {
    (0usize..5, 0usize..5, any::<u8>()).prop_map(|(ready_at, panic_at, self_wake)| Script {
        ready_at,
        panic_at,
        self_wake,
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Value,
    Panic,
    Cancelled,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Handle {
    Alive,
    Taken,
    Dropped,
}

#[derive(Debug)]
struct Model {
    queued: bool,
    polls: usize,
    outcome: Option<Outcome>,
    cancel_requested: bool,
    handle: Handle,
    unhandled: usize,
    woken_while_running: usize,
}

impl Model {
    fn expected_output_drops(&self) -> usize {
        usize::from(self.outcome == Some(Outcome::Value) && self.handle != Handle::Alive)
    }
}

fn run_program(script: Script, ops: Vec<Op>) -> Result<(), TestCaseError> {
    quiet_panics();
    let _g = serial();
    let base = task::live_task_count();
    let sched = TestSched::new();
    let counts = Counts::new();
    let wakers: Arc<Mutex<Vec<Waker>>> = Arc::default();

    let fut = {
        let wakers = wakers.clone();
        let script = script.clone();
        let mut n = 0;
        Probe::new(&counts, move |cx: &mut Context<'_>| {
            n += 1;
            wakers.lock().unwrap().push(cx.waker().clone());
            if script.panic_at == n {
                panic!("boom at poll {n}");
            }
            if script.ready_at == n {
                return Poll::Ready(());
            }
            if n < 8 && script.self_wake & (1 << n) != 0 {
                cx.waker().wake_by_ref();
            }
            Poll::Pending
        })
    };
    let (runnable, handle) = task::spawn(fut, sched.clone(), SpawnOptions::new());
    let task_ref = runnable.task();
    runnable.schedule();
    let mut handle: Option<JoinHandle<Out>> = Some(handle);
    let mut m = Model {
        queued: true,
        polls: 0,
        outcome: None,
        cancel_requested: false,
        handle: Handle::Alive,
        unhandled: 0,
        woken_while_running: 0,
    };

    let check = |m: &Model, handle: &Option<JoinHandle<Out>>| -> Result<(), TestCaseError> {
        prop_assert_eq!(sched.len(), usize::from(m.queued), "queue: {:?}", m);
        prop_assert_eq!(counts.polls(), m.polls);
        prop_assert_eq!(counts.future_drops(), usize::from(m.outcome.is_some()));
        prop_assert_eq!(counts.output_drops(), m.expected_output_drops());
        prop_assert_eq!(sched.released(), usize::from(m.outcome.is_some()));
        prop_assert_eq!(sched.unhandled().len(), m.unhandled);
        prop_assert_eq!(
            sched.woken_while_running.load(SeqCst),
            m.woken_while_running
        );
        prop_assert_eq!(task_ref.is_finished(), m.outcome.is_some());
        if let Some(h) = handle {
            prop_assert_eq!(h.is_finished(), m.outcome.is_some());
        }
        Ok(())
    };

    for op in ops {
        match op {
            Op::Run => {
                let Some(r) = sched.pop() else { continue };
                m.queued = false;
                let woke_itself = r.run();
                let mut expect_woke = false;
                if m.cancel_requested {
                    m.outcome = Some(Outcome::Cancelled);
                } else {
                    m.polls += 1;
                    let n = m.polls;
                    if script.panic_at == n {
                        m.outcome = Some(Outcome::Panic);
                        if m.handle == Handle::Dropped {
                            m.unhandled += 1;
                        }
                    } else if script.ready_at == n {
                        m.outcome = Some(Outcome::Value);
                    } else if n < 8 && script.self_wake & (1 << n) != 0 {
                        m.queued = true;
                        m.woken_while_running += 1;
                        expect_woke = true;
                    }
                }
                prop_assert_eq!(woke_itself, expect_woke);
            }
            Op::Wake(i) | Op::WakeByRef(i) => {
                let mut ws = wakers.lock().unwrap();
                if ws.is_empty() {
                    continue;
                }
                let i = i % ws.len();
                if matches!(op, Op::Wake(_)) {
                    let w = ws.swap_remove(i);
                    drop(ws);
                    w.wake();
                } else {
                    let w = ws[i].clone();
                    drop(ws);
                    w.wake_by_ref();
                    drop(w);
                }
                if m.outcome.is_none() && !m.queued {
                    m.queued = true;
                }
            }
            Op::CloneWaker(i) => {
                let mut ws = wakers.lock().unwrap();
                if !ws.is_empty() {
                    let w = ws[i % ws.len()].clone();
                    ws.push(w);
                }
            }
            Op::DropWaker(i) => {
                let mut ws = wakers.lock().unwrap();
                if !ws.is_empty() {
                    let len = ws.len();
                    let w = ws.swap_remove(i % len);
                    drop(ws);
                    drop(w);
                }
            }
            Op::Abort => {
                match &handle {
                    Some(h) => h.abort(),
                    None => task_ref.abort(),
                }
                if m.outcome.is_none() {
                    m.cancel_requested = true;
                    m.queued = true;
                }
            }
            Op::DropHandle => {
                if let Some(h) = handle.take() {
                    drop(h);
                    if m.handle == Handle::Alive && m.outcome == Some(Outcome::Panic) {
                        m.unhandled += 1;
                    }
                    if m.handle == Handle::Alive {
                        m.handle = Handle::Dropped;
                    }
                }
            }
            Op::PollHandle => {
                if m.handle != Handle::Alive {
                    continue;
                }
                let h = handle.as_mut().unwrap();
                match poll_once(h, &noop_waker()) {
                    Poll::Pending => prop_assert!(m.outcome.is_none()),
                    Poll::Ready(res) => {
                        match (&res, m.outcome) {
                            (Ok(_), Some(Outcome::Value)) => {}
                            (Err(e), Some(Outcome::Panic)) => prop_assert!(e.is_panic()),
                            (Err(e), Some(Outcome::Cancelled)) => prop_assert!(e.is_cancelled()),
                            (res, outcome) => {
                                prop_assert!(false, "handle gave {:?}, model {:?}", res, outcome)
                            }
                        }
                        drop(res);
                        m.handle = Handle::Taken;
                        // The spent handle is kept (not polled again) until the end.
                    }
                }
            }
        }
        check(&m, &handle)?;
    }

    // Tear down: a queued Runnable is dropped (cancelling the task), then the handle, the
    // wakers and the TaskRef go.
    while let Some(r) = sched.pop() {
        drop(r);
        if m.outcome.is_none() {
            m.outcome = Some(Outcome::Cancelled);
        }
    }
    m.queued = false;
    check(&m, &handle)?;
    if let Some(h) = handle.take() {
        drop(h);
        if m.handle == Handle::Alive && m.outcome == Some(Outcome::Panic) {
            m.unhandled += 1;
        }
        if m.handle == Handle::Alive {
            m.handle = Handle::Dropped;
        }
    }
    wakers.lock().unwrap().clear();
    drop(task_ref);
    // Whatever happened, the future is dropped exactly once and the cell is freed.
    prop_assert_eq!(counts.future_drops(), 1);
    prop_assert_eq!(counts.output_drops(), m.expected_output_drops());
    prop_assert_eq!(sched.unhandled().len(), m.unhandled);
    prop_assert_eq!(sched.released(), usize::from(m.outcome.is_some()));
    prop_assert_eq!(task::live_task_count(), base);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn task_matches_model(script in script(), ops in proptest::collection::vec(op(), 0..40)) {
        run_program(script, ops)?;
    }
}

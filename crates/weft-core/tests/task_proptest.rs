//! Random programs of wakes, runs, aborts and handle operations on a few tasks (which may also
//! wake each other from inside their polls), checked step by step against a model: poll, drop and
//! schedule counts, queue order, the JoinHandles' results, unhandled-panic reports, and that every
//! allocation is freed at the end.

mod task_support;

use std::collections::VecDeque;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use futures_util::task::noop_waker;
use proptest::prelude::*;
use task_support::*;
use weft_core::task::{self, JoinHandle, SpawnOptions, TaskId, TaskRef};

/// One step; `usize` fields pick a task (modulo the task count) or a waker.
#[derive(Clone, Debug)]
enum Op {
    Run,
    Wake(usize, usize),
    WakeByRef(usize, usize),
    CloneWaker(usize, usize),
    DropWaker(usize, usize),
    Abort(usize),
    DropHandle(usize),
    PollHandle(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => Just(Op::Run),
        2 => (any::<usize>(), any::<usize>()).prop_map(|(t, w)| Op::Wake(t, w)),
        2 => (any::<usize>(), any::<usize>()).prop_map(|(t, w)| Op::WakeByRef(t, w)),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(t, w)| Op::CloneWaker(t, w)),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(t, w)| Op::DropWaker(t, w)),
        1 => any::<usize>().prop_map(Op::Abort),
        1 => any::<usize>().prop_map(Op::DropHandle),
        2 => any::<usize>().prop_map(Op::PollHandle),
    ]
}

/// How a task's future behaves, by poll number (1-based).
#[derive(Clone, Debug)]
struct Script {
    /// Ready on this poll (0: never).
    ready_at: usize,
    /// Panics on this poll (0: never); checked first.
    panic_at: usize,
    /// Bit `n` set: poll `n` wakes itself (by reference) before returning Pending.
    self_wake: u8,
    /// Bit `n` set: poll `n` wakes the next task (by reference, through its first waker).
    wake_next: u8,
}

fn script() -> impl Strategy<Value = Script> {
    (0usize..5, 0usize..6, any::<u8>(), any::<u8>()).prop_map(
        |(ready_at, panic_at, self_wake, wake_next)| Script {
            ready_at,
            panic_at,
            self_wake,
            wake_next,
        },
    )
}

fn bit(mask: u8, n: usize) -> bool {
    n < 8 && mask & (1 << n) != 0
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
struct TaskModel {
    polls: usize,
    outcome: Option<Outcome>,
    cancel_requested: bool,
    handle: Handle,
    unhandled: usize,
}

impl TaskModel {
    fn expected_output_drops(&self) -> usize {
        usize::from(self.outcome == Some(Outcome::Value) && self.handle != Handle::Alive)
    }

    fn drop_handle(&mut self) {
        if self.handle == Handle::Alive {
            if self.outcome == Some(Outcome::Panic) {
                self.unhandled += 1;
            }
            self.handle = Handle::Dropped;
        }
    }
}

struct Model {
    tasks: Vec<TaskModel>,
    /// Task indices in queue order.
    queue: VecDeque<usize>,
    woken_while_running: usize,
}

impl Model {
    fn queued(&self, t: usize) -> bool {
        self.queue.contains(&t)
    }

    /// A wake (or abort) of an idle, unfinished task queues it; anything else does nothing.
    fn wake(&mut self, t: usize) {
        if self.tasks[t].outcome.is_none() && !self.queued(t) {
            self.queue.push_back(t);
        }
    }
}

/// What one task's future shares with the test.
struct Shared {
    wakers: Vec<Arc<Mutex<Vec<Waker>>>>,
}

fn run_program(scripts: Vec<Script>, ops: Vec<Op>) -> Result<(), TestCaseError> {
    quiet_panics();
    let _g = serial();
    let base = task::live_task_count();
    let n = scripts.len();
    let sched = TestSched::new();
    let shared = Arc::new(Shared {
        wakers: (0..n).map(|_| Arc::default()).collect(),
    });
    let counts: Vec<Arc<Counts>> = (0..n).map(|_| Counts::new()).collect();
    let mut handles: Vec<Option<JoinHandle<Out>>> = Vec::new();
    let mut refs: Vec<TaskRef> = Vec::new();
    let mut ids: Vec<TaskId> = Vec::new();

    for (i, script) in scripts.iter().enumerate() {
        let shared = shared.clone();
        let script = script.clone();
        let mut polls = 0;
        let fut = Probe::new(&counts[i], move |cx: &mut Context<'_>| {
            polls += 1;
            shared.wakers[i].lock().unwrap().push(cx.waker().clone());
            if script.panic_at == polls {
                panic!("boom at poll {polls}");
            }
            if bit(script.wake_next, polls) {
                let next = shared.wakers[(i + 1) % shared.wakers.len()]
                    .lock()
                    .unwrap()
                    .first()
                    .cloned();
                if let Some(w) = next {
                    w.wake_by_ref();
                }
            }
            if script.ready_at == polls {
                return Poll::Ready(());
            }
            if bit(script.self_wake, polls) {
                cx.waker().wake_by_ref();
            }
            Poll::Pending
        });
        let (runnable, handle) = task::spawn(fut, sched.clone(), SpawnOptions::new());
        refs.push(runnable.task());
        ids.push(runnable.id());
        runnable.schedule();
        handles.push(Some(handle));
    }
    let mut m = Model {
        tasks: (0..n)
            .map(|_| TaskModel {
                polls: 0,
                outcome: None,
                cancel_requested: false,
                handle: Handle::Alive,
                unhandled: 0,
            })
            .collect(),
        queue: (0..n).collect(),
        woken_while_running: 0,
    };

    let check = |m: &Model, handles: &[Option<JoinHandle<Out>>]| -> Result<(), TestCaseError> {
        let queue: Vec<TaskId> = sched.queue.lock().unwrap().iter().map(|r| r.id()).collect();
        let expected: Vec<TaskId> = m.queue.iter().map(|&t| ids[t]).collect();
        prop_assert_eq!(queue, expected, "queue order");
        prop_assert_eq!(
            sched.woken_while_running.load(SeqCst),
            m.woken_while_running
        );
        let released = sched.released_ids.lock().unwrap().clone();
        let mut unhandled = 0;
        for (t, tm) in m.tasks.iter().enumerate() {
            let c = &counts[t];
            prop_assert_eq!(c.polls(), tm.polls, "polls of task {}", t);
            prop_assert_eq!(c.future_drops(), usize::from(tm.outcome.is_some()));
            prop_assert_eq!(c.output_drops(), tm.expected_output_drops());
            let times_released = released.iter().filter(|&&id| id == ids[t]).count();
            prop_assert_eq!(times_released, usize::from(tm.outcome.is_some()));
            prop_assert_eq!(refs[t].is_finished(), tm.outcome.is_some());
            if let Some(h) = &handles[t] {
                prop_assert_eq!(h.is_finished(), tm.outcome.is_some());
            }
            unhandled += tm.unhandled;
        }
        prop_assert_eq!(sched.unhandled().len(), unhandled);
        Ok(())
    };

    for op in ops {
        match op {
            Op::Run => {
                let Some(r) = sched.pop() else { continue };
                let t = m.queue.pop_front().expect("model queue out of step");
                let woke_itself = r.run();
                let mut expect_woke = false;
                let script = &scripts[t];
                if m.tasks[t].cancel_requested {
                    m.tasks[t].outcome = Some(Outcome::Cancelled);
                } else {
                    m.tasks[t].polls += 1;
                    let p = m.tasks[t].polls;
                    if script.panic_at == p {
                        m.tasks[t].outcome = Some(Outcome::Panic);
                        if m.tasks[t].handle == Handle::Dropped {
                            m.tasks[t].unhandled += 1;
                        }
                    } else {
                        if bit(script.wake_next, p) {
                            let next = (t + 1) % n;
                            if next == t {
                                // Waking itself while running.
                                if script.ready_at != p {
                                    expect_woke = true;
                                }
                            } else if !shared.wakers[next].lock().unwrap().is_empty() {
                                // (This poll did not touch the other task's wakers.)
                                m.wake(next);
                            }
                        }
                        if script.ready_at == p {
                            m.tasks[t].outcome = Some(Outcome::Value);
                        } else if bit(script.self_wake, p) {
                            expect_woke = true;
                        }
                    }
                }
                if expect_woke {
                    m.queue.push_back(t);
                    m.woken_while_running += 1;
                }
                prop_assert_eq!(woke_itself, expect_woke);
            }
            Op::Wake(t, i) | Op::WakeByRef(t, i) => {
                let t = t % n;
                let mut ws = shared.wakers[t].lock().unwrap();
                if ws.is_empty() {
                    continue;
                }
                let i = i % ws.len();
                if matches!(op, Op::Wake(..)) {
                    let w = ws.remove(i);
                    drop(ws);
                    w.wake();
                } else {
                    let w = ws[i].clone();
                    drop(ws);
                    w.wake_by_ref();
                }
                m.wake(t);
            }
            Op::CloneWaker(t, i) => {
                let mut ws = shared.wakers[t % n].lock().unwrap();
                if !ws.is_empty() {
                    let w = ws[i % ws.len()].clone();
                    ws.push(w);
                }
            }
            Op::DropWaker(t, i) => {
                let mut ws = shared.wakers[t % n].lock().unwrap();
                if !ws.is_empty() {
                    let len = ws.len();
                    let w = ws.remove(i % len);
                    drop(ws);
                    drop(w);
                }
            }
            Op::Abort(t) => {
                let t = t % n;
                match &handles[t] {
                    Some(h) => h.abort(),
                    None => refs[t].abort(),
                }
                if m.tasks[t].outcome.is_none() {
                    m.tasks[t].cancel_requested = true;
                    m.wake(t);
                }
            }
            Op::DropHandle(t) => {
                let t = t % n;
                if let Some(h) = handles[t].take() {
                    drop(h);
                    m.tasks[t].drop_handle();
                }
            }
            Op::PollHandle(t) => {
                let t = t % n;
                if m.tasks[t].handle != Handle::Alive {
                    continue;
                }
                let h = handles[t].as_mut().unwrap();
                match poll_once(h, &noop_waker()) {
                    Poll::Pending => prop_assert!(m.tasks[t].outcome.is_none()),
                    Poll::Ready(res) => {
                        match (&res, m.tasks[t].outcome) {
                            (Ok(_), Some(Outcome::Value)) => {}
                            (Err(e), Some(Outcome::Panic)) => prop_assert!(e.is_panic()),
                            (Err(e), Some(Outcome::Cancelled)) => prop_assert!(e.is_cancelled()),
                            (res, outcome) => {
                                prop_assert!(false, "handle gave {:?}, model {:?}", res, outcome)
                            }
                        }
                        drop(res);
                        // The spent handle is kept (and not polled again) until the end.
                        m.tasks[t].handle = Handle::Taken;
                    }
                }
            }
        }
        check(&m, &handles)?;
    }

    // Tear down: queued Runnables are dropped (cancelling their tasks), then the handles, the
    // wakers and the TaskRefs go.
    while let Some(r) = sched.pop() {
        let t = m.queue.pop_front().expect("model queue out of step");
        drop(r);
        if m.tasks[t].outcome.is_none() {
            m.tasks[t].outcome = Some(Outcome::Cancelled);
        }
    }
    check(&m, &handles)?;
    for (t, h) in handles.iter_mut().enumerate() {
        if let Some(h) = h.take() {
            drop(h);
            m.tasks[t].drop_handle();
        }
    }
    for ws in &shared.wakers {
        ws.lock().unwrap().clear();
    }
    drop(refs);
    // Whatever happened, each future is dropped exactly once and every cell is freed.
    let mut unhandled = 0;
    for (t, tm) in m.tasks.iter().enumerate() {
        prop_assert_eq!(counts[t].future_drops(), 1);
        prop_assert_eq!(counts[t].output_drops(), tm.expected_output_drops());
        unhandled += tm.unhandled;
    }
    prop_assert_eq!(sched.unhandled().len(), unhandled);
    prop_assert_eq!(task::live_task_count(), base);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn one_task_matches_model(script in script(), ops in proptest::collection::vec(op(), 0..40)) {
        run_program(vec![script], ops)?;
    }

    #[test]
    fn a_few_tasks_waking_each_other_match_model(
        scripts in proptest::collection::vec(script(), 2..4),
        ops in proptest::collection::vec(op(), 0..60),
    ) {
        run_program(scripts, ops)?;
    }
}

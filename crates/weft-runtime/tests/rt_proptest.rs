//! Random programs of spawn, yield, wake-from-another-task, abort, panic, spawn-from-a-task and
//! handle-drop, run on both scheduler flavours and checked against a model:
//!
//! - every task's future is dropped exactly once (completion, cancellation or shutdown);
//! - a task the model proves must finish delivers exactly its scripted outcome to its handle;
//! - after the runtime is dropped every kept handle is resolved, with an outcome the task's
//!   script allows;
//! - no task allocation is left (`weft_core::task::live_task_count`).
#![allow(missing_docs)]

mod support;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

use futures_util::FutureExt;
use proptest::prelude::*;
use support::{yield_now, DropCounter};
use weft_runtime::task::JoinHandle;
use weft_runtime::{spawn, Builder, Runtime};

const SIGNALS: usize = 3;

#[derive(Debug, Clone, Copy)]
enum Step {
    Yield,
    Wait(usize),
    Signal(usize),
    Panic,
    SpawnChild,
}

#[derive(Debug, Clone)]
enum Op {
    Spawn(Vec<Step>),
    Abort(usize),
    DropHandle(usize),
    Yield,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => Just(Step::Yield),
        2 => (0..SIGNALS).prop_map(Step::Wait),
        2 => (0..SIGNALS).prop_map(Step::Signal),
        1 => Just(Step::Panic),
        1 => Just(Step::SpawnChild),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => prop::collection::vec(step(), 0..5).prop_map(Op::Spawn),
        1 => (0..8usize).prop_map(Op::Abort),
        1 => (0..8usize).prop_map(Op::DropHandle),
        1 => Just(Op::Yield),
    ]
}

/// Signals between tasks: a flag plus the wakers waiting for it.
#[derive(Default)]
struct Signals {
    state: Mutex<SignalState>,
}

/// Which signals are set, and who waits for which.
type SignalState = ([bool; SIGNALS], Vec<(usize, Waker)>);

impl Signals {
    fn set(&self, k: usize) {
        let wakers: Vec<Waker> = {
            let mut st = self.state.lock().unwrap();
            st.0[k] = true;
            let (ready, waiting): (Vec<_>, Vec<_>) = st.1.drain(..).partition(|(s, _)| *s == k);
            st.1 = waiting;
            ready.into_iter().map(|(_, w)| w).collect()
        };
        for w in wakers {
            w.wake();
        }
    }

    async fn wait(&self, k: usize) {
        std::future::poll_fn(|cx| {
            let mut st = self.state.lock().unwrap();
            if st.0[k] {
                Poll::Ready(())
            } else {
                st.1.push((k, cx.waker().clone()));
                Poll::Pending
            }
        })
        .await
    }
}

/// What the model says a task's script ends in, if everything it waits for is sure to happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Output,
    Panic,
}

/// The script's end if it runs to its end: a panic step or the output.
fn scripted_end(script: &[Step]) -> Outcome {
    if script.iter().any(|s| matches!(s, Step::Panic)) {
        Outcome::Panic
    } else {
        Outcome::Output
    }
}

/// Fixpoint: which tasks surely reach their end (not aborted, every signal they wait for is
/// surely set first by some other sure progress).
fn sure_outcomes(scripts: &[Vec<Step>], aborted: &HashSet<usize>) -> Vec<Option<Outcome>> {
    let mut sure_signals = [false; SIGNALS];
    loop {
        let mut changed = false;
        for (i, script) in scripts.iter().enumerate() {
            if aborted.contains(&i) {
                continue;
            }
            for s in script {
                match *s {
                    Step::Wait(k) if !sure_signals[k] => break,
                    Step::Signal(k) if !sure_signals[k] => {
                        sure_signals[k] = true;
                        changed = true;
                    }
                    Step::Panic => break,
                    _ => {}
                }
            }
        }
        if !changed {
            break;
        }
    }
    scripts
        .iter()
        .enumerate()
        .map(|(i, script)| {
            if aborted.contains(&i) {
                return None;
            }
            for s in script {
                match *s {
                    Step::Wait(k) if !sure_signals[k] => return None,
                    Step::Panic => return Some(Outcome::Panic),
                    _ => {}
                }
            }
            Some(Outcome::Output)
        })
        .collect()
}

fn run_program(rt: Runtime, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let signals = Arc::new(Signals::default());
    let task_drops = DropCounter::default();
    let children_spawned = Arc::new(AtomicUsize::new(0));
    let child_drops = DropCounter::default();

    // The model: scripts in spawn order, and which ones an abort reached.
    let scripts: Vec<Vec<Step>> = ops
        .iter()
        .filter_map(|op| match op {
            Op::Spawn(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    let mut aborted = HashSet::new();
    {
        let mut alive = Vec::new();
        for op in &ops {
            match op {
                Op::Spawn(_) => alive.push(true),
                Op::Abort(i) if *i < alive.len() && alive[*i] => {
                    aborted.insert(*i);
                }
                Op::DropHandle(i) if *i < alive.len() => alive[*i] = false,
                _ => {}
            }
        }
    }
    let sure = sure_outcomes(&scripts, &aborted);

    let finished: Arc<Vec<AtomicBool>> =
        Arc::new((0..scripts.len()).map(|_| AtomicBool::new(false)).collect());

    let main = {
        let (signals, task_drops, children_spawned, child_drops, finished) = (
            signals.clone(),
            task_drops.clone(),
            children_spawned.clone(),
            child_drops.clone(),
            finished.clone(),
        );
        let sure = sure.clone();
        async move {
            let mut handles: Vec<Option<JoinHandle<usize>>> = Vec::new();
            for op in ops {
                match op {
                    Op::Spawn(script) => {
                        let i = handles.len();
                        let token = task_drops.token();
                        let (signals, children_spawned, child_drops, finished) = (
                            signals.clone(),
                            children_spawned.clone(),
                            child_drops.clone(),
                            finished.clone(),
                        );
                        handles.push(Some(spawn(async move {
                            let _token = token;
                            for s in script {
                                match s {
                                    Step::Yield => yield_now().await,
                                    Step::Wait(k) => signals.wait(k).await,
                                    Step::Signal(k) => signals.set(k),
                                    Step::Panic => panic!("scripted panic"),
                                    Step::SpawnChild => {
                                        children_spawned.fetch_add(1, SeqCst);
                                        let t = child_drops.token();
                                        let child = spawn(async move {
                                            let _t = t;
                                            yield_now().await;
                                            5usize
                                        });
                                        match child.await {
                                            Ok(v) => assert_eq!(v, 5),
                                            // Spawned while the runtime shut down (possible only
                                            // for tasks not joined before the end): wait for our
                                            // own cancellation.
                                            Err(e) => {
                                                assert!(e.is_cancelled());
                                                std::future::pending::<()>().await;
                                            }
                                        }
                                    }
                                }
                            }
                            finished[i].store(true, SeqCst);
                            i
                        })));
                    }
                    Op::Abort(i) => {
                        if let Some(Some(h)) = handles.get(i) {
                            h.abort();
                        }
                    }
                    Op::DropHandle(i) => {
                        if let Some(h) = handles.get_mut(i) {
                            *h = None;
                        }
                    }
                    Op::Yield => yield_now().await,
                }
            }
            // Join the tasks the model says must end.
            let mut rest = Vec::new();
            for (i, h) in handles.into_iter().enumerate() {
                let Some(h) = h else { continue };
                match sure[i] {
                    Some(Outcome::Output) => {
                        let r = h.await;
                        assert_eq!(r.ok(), Some(i), "task {i} must deliver its output");
                    }
                    Some(Outcome::Panic) => {
                        let r = h.await;
                        assert!(r.unwrap_err().is_panic(), "task {i} must deliver its panic");
                    }
                    None => rest.push((i, h)),
                }
            }
            rest
        }
    };
    let rest = rt.block_on(main);
    drop(rt);

    for (i, h) in rest {
        let r = h.now_or_never().ok_or_else(|| {
            TestCaseError::fail(format!("task {i}: handle unresolved after shutdown"))
        })?;
        match r {
            Ok(v) => {
                prop_assert_eq!(v, i);
                prop_assert_eq!(scripted_end(&scripts[i]), Outcome::Output);
                prop_assert!(finished[i].load(SeqCst));
            }
            Err(e) if e.is_panic() => prop_assert_eq!(scripted_end(&scripts[i]), Outcome::Panic),
            Err(e) => {
                prop_assert!(e.is_cancelled());
                prop_assert!(sure[i].is_none(), "a sure task was cancelled");
            }
        }
    }
    // Stored wakers keep task cells alive (legitimately): drop them before counting.
    drop(signals);
    prop_assert_eq!(
        task_drops.count(),
        scripts.len(),
        "each task future dropped exactly once"
    );
    prop_assert_eq!(child_drops.count(), children_spawned.load(SeqCst));
    prop_assert_eq!(
        weft_core::task::live_task_count(),
        0,
        "task allocations left"
    );
    Ok(())
}

/// `live_task_count` is process-wide: the two flavours' tests must not overlap.
static SERIAL: Mutex<()> = Mutex::new(());

fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if support::panic_message(info.payload()) != "scripted panic" {
                default(info);
            }
        }));
    });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn model_current_thread(ops in prop::collection::vec(op(), 1..14)) {
        quiet_panics();
        let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let rt = Builder::new_current_thread().report_unhandled_panics(false).build().unwrap();
        run_program(rt, ops)?;
    }

    #[test]
    fn model_multi_thread(ops in prop::collection::vec(op(), 1..14)) {
        quiet_panics();
        let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .report_unhandled_panics(false)
            .build()
            .unwrap();
        run_program(rt, ops)?;
    }
}

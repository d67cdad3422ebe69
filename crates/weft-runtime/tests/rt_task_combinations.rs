//! The whole life of a task, exhaustively: every combination of runtime flavour, how the future
//! ends, what happens to its `JoinHandle`, how and when it is aborted, and when the runtime shuts
//! down. Each case checks the joiner's result, that the future's destructor ran exactly once, and
//! that no task cell is left allocated.
//!
//! One test in its own binary: the count of live task cells is process-wide.
#![allow(missing_docs)]

mod support;

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Once};
use std::task::{Context, Poll};
use std::{future::Future, pin::Pin};

use support::{oneshot, yield_now, DropCounter, DropToken, Receiver, Sender};
use weft_runtime::task::{AbortHandle, JoinError, JoinHandle};
use weft_runtime::{Builder, Runtime};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Flavor {
    CurrentThread,
    MultiThread,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Output {
    /// Ready on the first poll.
    AtOnce,
    /// Pending on the first poll, ready once the test opens its gate (a wake from outside).
    AfterWake,
    /// The first poll panics.
    Panics,
    /// Ready on the first poll, but the future's destructor panics.
    PanicsInDrop,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Handle {
    Kept,
    DroppedBefore,
    DroppedAfter,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum AbortVia {
    None,
    JoinHandle,
    AbortHandle,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum AbortWhen {
    BeforeFirstPoll,
    WhilePending,
    AfterCompletion,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Shutdown {
    BeforeCompletion,
    AfterCompletion,
}

const VALUE: u32 = 17;
const POLL_BOOM: &str = "combination: poll panics";
const DROP_BOOM: &str = "combination: drop panics";

/// What the future saw of itself.
#[derive(Default)]
struct Observed {
    polled: AtomicBool,
    returned_ready: AtomicBool,
    poll_panicked: AtomicBool,
}

struct TestFuture {
    output: Output,
    gate: Option<Receiver<()>>,
    observed: Arc<Observed>,
    _dropped: DropToken,
}

impl Future for TestFuture {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        match self.output {
            Output::AtOnce | Output::PanicsInDrop => self.observed.polled.store(true, SeqCst),
            Output::Panics => {
                self.observed.polled.store(true, SeqCst);
                self.observed.poll_panicked.store(true, SeqCst);
                panic!("{}", POLL_BOOM);
            }
            Output::AfterWake => {
                let gate = self.gate.as_mut().expect("the gate is kept until ready");
                let pending = Pin::new(gate).poll(cx).is_pending();
                // Marked only after the gate was polled: a test that waits for the mark and
                // then aborts and closes the gate must find the gate already polled, or (on a
                // multi-thread worker still in this poll) the closed gate would make this very
                // poll return Ready and the abort would come too late.
                self.observed.polled.store(true, SeqCst);
                if pending {
                    return Poll::Pending;
                }
            }
        }
        self.observed.returned_ready.store(true, SeqCst);
        Poll::Ready(VALUE)
    }
}

impl Drop for TestFuture {
    fn drop(&mut self) {
        if self.output == Output::PanicsInDrop {
            panic!("{}", DROP_BOOM);
        }
    }
}

#[derive(Debug, PartialEq)]
enum Outcome {
    Value(u32),
    Panic(String),
    Cancelled,
}

fn outcome(joined: Result<u32, JoinError>) -> Outcome {
    match joined {
        Ok(v) => Outcome::Value(v),
        Err(e) if e.is_cancelled() => Outcome::Cancelled,
        Err(e) => Outcome::Panic(support::panic_message(&*e.into_panic())),
    }
}

/// The panics the futures raise on purpose are not printed (the rest are).
fn quiet_expected_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let msg = support::panic_message(info.payload());
            if msg != POLL_BOOM && msg != DROP_BOOM {
                default(info);
            }
        }));
    });
}

struct Case {
    flavor: Flavor,
    output: Output,
    handle: Handle,
    via: AbortVia,
    when: AbortWhen,
    shutdown: Shutdown,
}

impl Case {
    fn possible(&self) -> bool {
        if self.via == AbortVia::None {
            // One abort-less case, not three.
            return self.when == AbortWhen::BeforeFirstPoll;
        }
        if self.when == AbortWhen::WhilePending && self.output != Output::AfterWake {
            return false; // the other futures are never pending
        }
        if self.via == AbortVia::JoinHandle
            && self.handle == Handle::DroppedBefore
            && self.when != AbortWhen::BeforeFirstPoll
        {
            return false; // the handle is gone by then
        }
        true
    }

    fn run(&self) {
        let rt: Runtime = match self.flavor {
            Flavor::CurrentThread => Builder::new_current_thread().build().unwrap(),
            Flavor::MultiThread => Builder::new_multi_thread()
                .worker_threads(2)
                .build()
                .unwrap(),
        };
        let drops = DropCounter::default();
        let observed = Arc::new(Observed::default());
        let (open, gate): (Sender<()>, Receiver<()>) = oneshot();
        let future = TestFuture {
            output: self.output,
            gate: Some(gate),
            observed: observed.clone(),
            _dropped: drops.token(),
        };
        // Spawned from outside: a current-thread runtime polls it only inside `block_on`.
        let join: JoinHandle<u32> = rt.handle().spawn(future);
        let abort: Option<AbortHandle> =
            (self.via == AbortVia::AbortHandle).then(|| join.abort_handle());
        let mut join = Some(join);
        let do_abort = |join: &Option<JoinHandle<u32>>| match self.via {
            AbortVia::None => {}
            AbortVia::JoinHandle => join.as_ref().expect("possible() checked").abort(),
            AbortVia::AbortHandle => abort.as_ref().unwrap().abort(),
        };

        if self.when == AbortWhen::BeforeFirstPoll {
            do_abort(&join);
        }
        if self.handle == Handle::DroppedBefore {
            drop(join.take());
        }
        if self.output == Output::AfterWake {
            // Wait until the task is pending on its gate (or already gone, if aborted).
            rt.block_on(async {
                while !observed.polled.load(SeqCst) && drops.count() == 0 {
                    yield_now().await;
                }
            });
        }
        if self.when == AbortWhen::WhilePending {
            do_abort(&join);
        }
        match self.shutdown {
            Shutdown::BeforeCompletion => drop(open), // the gate never opens
            Shutdown::AfterCompletion => {
                open.send(());
                // The future is dropped a moment before the task is marked finished (on a
                // worker, on the multi-thread runtime): wait for both.
                rt.block_on(async {
                    while drops.count() == 0 || abort.as_ref().is_some_and(|a| !a.is_finished()) {
                        yield_now().await;
                    }
                });
            }
        }
        let rt = match self.shutdown {
            Shutdown::BeforeCompletion => {
                drop(rt);
                None
            }
            Shutdown::AfterCompletion => Some(rt),
        };
        if self.when == AbortWhen::AfterCompletion {
            do_abort(&join);
        }
        if self.handle == Handle::DroppedAfter {
            drop(join.take());
        }
        let got = join.map(|join| outcome(futures_executor::block_on(join)));
        if let Some(abort) = &abort {
            assert!(abort.is_finished());
        }
        drop(abort);
        drop(rt);

        assert_eq!(drops.count(), 1, "the future's destructor ran exactly once");
        assert_eq!(
            weft_core::task::live_task_count(),
            0,
            "no task cell is left allocated"
        );

        // What the joiner must see, from what the future did...
        let expected = if self.output == Output::PanicsInDrop {
            // Completed or cancelled: its destructor panics either way.
            Outcome::Panic(DROP_BOOM.into())
        } else if observed.returned_ready.load(SeqCst) {
            Outcome::Value(VALUE)
        } else if observed.poll_panicked.load(SeqCst) {
            Outcome::Panic(POLL_BOOM.into())
        } else {
            Outcome::Cancelled
        };
        // ...and what it must have done, where the order of events is fixed.
        let aborted_in_time = self.via != AbortVia::None && self.when != AbortWhen::AfterCompletion;
        let deterministic_start = self.flavor == Flavor::CurrentThread
            || self.when == AbortWhen::WhilePending
            || self.output == Output::AfterWake;
        if aborted_in_time && deterministic_start {
            assert!(
                !observed.returned_ready.load(SeqCst),
                "an abort before completion wins"
            );
        }
        if !aborted_in_time && self.shutdown == Shutdown::AfterCompletion {
            assert_ne!(expected, Outcome::Cancelled, "nothing cancelled it");
        }
        if self.flavor == Flavor::CurrentThread
            && self.shutdown == Shutdown::BeforeCompletion
            && self.output != Output::AfterWake
        {
            assert!(
                !observed.polled.load(SeqCst),
                "never polled before the shutdown"
            );
        }
        if let Some(got) = got {
            assert_eq!(got, expected);
        }
    }
}

#[test]
fn every_combination_of_a_task_life() {
    quiet_expected_panics();
    let mut cases = 0;
    for flavor in [Flavor::CurrentThread, Flavor::MultiThread] {
        for output in [
            Output::AtOnce,
            Output::AfterWake,
            Output::Panics,
            Output::PanicsInDrop,
        ] {
            for handle in [Handle::Kept, Handle::DroppedBefore, Handle::DroppedAfter] {
                for via in [AbortVia::None, AbortVia::JoinHandle, AbortVia::AbortHandle] {
                    for when in [
                        AbortWhen::BeforeFirstPoll,
                        AbortWhen::WhilePending,
                        AbortWhen::AfterCompletion,
                    ] {
                        for shutdown in [Shutdown::BeforeCompletion, Shutdown::AfterCompletion] {
                            let case = Case {
                                flavor,
                                output,
                                handle,
                                via,
                                when,
                                shutdown,
                            };
                            if !case.possible() {
                                continue;
                            }
                            let label = format!(
                                "{flavor:?} {output:?} handle {handle:?} abort {via:?} {when:?} shutdown {shutdown:?}"
                            );
                            let run =
                                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                    case.run()
                                }));
                            if let Err(payload) = run {
                                panic!("{label}: {}", support::panic_message(&*payload));
                            }
                            cases += 1;
                        }
                    }
                }
            }
        }
    }
    println!("{cases} combinations checked");
    // Per flavour: three futures that are never pending, each with 14 abort/handle combinations
    // (5 with the handle kept or dropped after, 4 with it dropped before) and one that is (19:
    // 7, 7, 5), times two shutdown points.
    assert_eq!(cases, 2 * (3 * 14 + 19) * 2);
}

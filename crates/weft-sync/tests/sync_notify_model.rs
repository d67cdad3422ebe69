//! proptest model of `Notify`: one stored permit, FIFO `notify_one`, `notify_waiters` reaching
//! exactly the futures created before it, and cancelled waiters passing `notify_one` on.
#![cfg(not(loom))]

mod support;

use std::collections::VecDeque;

use proptest::prelude::*;
use support::poll_once;
use weft_sync::{Notified, Notify};

#[derive(Debug, Clone)]
enum Op {
    Create,
    Poll(usize),
    Drop(usize),
    NotifyOne,
    NotifyWaiters,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Create),
        4 => (0..6usize).prop_map(Op::Poll),
        2 => (0..6usize).prop_map(Op::Drop),
        3 => Just(Op::NotifyOne),
        1 => Just(Op::NotifyWaiters),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    /// Created, never polled, with the `notify_waiters` count seen at creation.
    Init(u64),
    Waiting,
    /// Picked by `notify_one` (true) or `notify_waiters` (false) while waiting.
    Notified(bool),
}

#[derive(Default)]
struct Model {
    permit: bool,
    generation: u64,
    queue: VecDeque<usize>,
    states: Vec<State>,
}

impl Model {
    fn notify_one(&mut self) {
        match self.queue.pop_front() {
            Some(id) => self.states[id] = State::Notified(true),
            None => self.permit = true,
        }
    }
}

fn run(ops: Vec<Op>) {
    let n = Notify::new();
    let mut m = Model::default();
    // Live futures with their model id.
    let mut live: Vec<(usize, Notified<'_>)> = Vec::new();
    for op in ops {
        match op {
            Op::Create => {
                m.states.push(State::Init(m.generation));
                live.push((m.states.len() - 1, n.notified()));
            }
            Op::Poll(i) => {
                if live.is_empty() {
                    continue;
                }
                let k = i % live.len();
                let id = live[k].0;
                let ready = poll_once(&mut live[k].1).is_ready();
                let want = match m.states[id] {
                    State::Init(g) if g != m.generation => true,
                    State::Init(_) if m.permit => {
                        m.permit = false;
                        true
                    }
                    State::Init(_) => {
                        m.states[id] = State::Waiting;
                        m.queue.push_back(id);
                        false
                    }
                    State::Waiting => false,
                    State::Notified(_) => true,
                };
                assert_eq!(ready, want, "readiness of waiter {id} after {op:?}");
                if ready {
                    drop(live.remove(k));
                }
            }
            Op::Drop(i) => {
                if live.is_empty() {
                    continue;
                }
                let (id, fut) = live.remove(i % live.len());
                drop(fut);
                match m.states[id] {
                    State::Waiting => m.queue.retain(|&q| q != id),
                    State::Notified(true) => m.notify_one(),
                    State::Init(_) | State::Notified(false) => {}
                }
            }
            Op::NotifyOne => {
                n.notify_one();
                m.notify_one();
            }
            Op::NotifyWaiters => {
                n.notify_waiters();
                m.generation += 1;
                for id in m.queue.drain(..) {
                    m.states[id] = State::Notified(false);
                }
            }
        }
    }
    // The stored permit matches: a fresh future completes at once exactly when the model says.
    for (id, fut) in live {
        drop(fut);
        match m.states[id] {
            State::Waiting => m.queue.retain(|&q| q != id),
            State::Notified(true) => m.notify_one(),
            State::Init(_) | State::Notified(false) => {}
        }
    }
    assert!(m.queue.is_empty());
    assert_eq!(poll_once(&mut n.notified()).is_ready(), m.permit);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn notify_matches_model(ops in proptest::collection::vec(op(), 0..60)) {
        run(ops);
    }
}

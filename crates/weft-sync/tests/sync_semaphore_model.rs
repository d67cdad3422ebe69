//! proptest model of the fair semaphore under `Mutex`, `RwLock` and bounded `mpsc`.
//!
//! The model is the algorithm in plain sequential terms: a FIFO of waiters, each collecting
//! permits until whole; released permits go to the head of the queue first, leftovers to the
//! pool; a cancelled waiter returns what it collected (which goes to the next head); `close` fails
//! every queued waiter. Every step compares the pool size and each future's readiness.
#![cfg(not(loom))]

mod support;

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use proptest::prelude::*;
use support::poll_once;
use weft_sync::{AcquireError, Semaphore, SemaphorePermit, TryAcquireError};

#[derive(Debug, Clone)]
enum Op {
    TryAcquire(u32),
    /// Create an `acquire_many(n)` future and poll it once.
    StartAcquire(u32),
    /// Poll one pending future again.
    Poll(usize),
    /// Drop one pending future (cancel it).
    Cancel(usize),
    /// Drop one held permit guard.
    Release(usize),
    AddPermits(usize),
    Close,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (0..4u32).prop_map(Op::TryAcquire),
        4 => (0..4u32).prop_map(Op::StartAcquire),
        3 => (0..6usize).prop_map(Op::Poll),
        2 => (0..6usize).prop_map(Op::Cancel),
        3 => (0..6usize).prop_map(Op::Release),
        1 => (0..3usize).prop_map(Op::AddPermits),
        1 => Just(Op::Close),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Status {
    Queued { collected: usize },
    Granted,
    Failed { collected: usize },
}

struct Model {
    avail: usize,
    closed: bool,
    /// Waiter ids in queue order.
    queue: VecDeque<usize>,
    /// Per waiter id: permits wanted and status.
    waiters: Vec<(usize, Status)>,
}

impl Model {
    fn release(&mut self, mut k: usize) {
        while k > 0 {
            let Some(&id) = self.queue.front() else { break };
            let (n, status) = &mut self.waiters[id];
            let Status::Queued { collected } = status else {
                unreachable!()
            };
            let give = k.min(*n - *collected);
            *collected += give;
            k -= give;
            if *collected == *n {
                *status = Status::Granted;
                self.queue.pop_front();
            }
        }
        self.avail += k;
    }
}

type Fut<'a> = Pin<Box<dyn Future<Output = Result<SemaphorePermit<'a>, AcquireError>> + 'a>>;

fn run(initial: usize, ops: Vec<Op>) {
    let s = Semaphore::new(initial);
    let mut m = Model {
        avail: initial,
        closed: false,
        queue: VecDeque::new(),
        waiters: Vec::new(),
    };
    // Pending futures with their waiter id; held permits.
    let mut pending: Vec<(usize, Fut<'_>)> = Vec::new();
    let mut held: Vec<SemaphorePermit<'_>> = Vec::new();

    for op in ops {
        match op {
            Op::TryAcquire(n) => {
                let got = s.try_acquire_many(n);
                if m.closed {
                    assert_eq!(got.unwrap_err(), TryAcquireError::Closed);
                } else if m.avail >= n as usize {
                    m.avail -= n as usize;
                    held.push(got.unwrap());
                } else {
                    assert_eq!(got.unwrap_err(), TryAcquireError::NoPermits);
                }
            }
            Op::StartAcquire(n) => {
                let n_us = n as usize;
                let mut fut: Fut<'_> = Box::pin(s.acquire_many(n));
                let got = poll_once(&mut fut);
                if m.closed {
                    assert!(matches!(got, Poll::Ready(Err(_))));
                } else if m.avail >= n_us {
                    m.avail -= n_us;
                    let Poll::Ready(Ok(p)) = got else {
                        panic!("free permits must be taken at once")
                    };
                    held.push(p);
                } else {
                    assert!(got.is_pending());
                    let id = m.waiters.len();
                    m.waiters
                        .push((n_us, Status::Queued { collected: m.avail }));
                    m.avail = 0;
                    m.queue.push_back(id);
                    pending.push((id, fut));
                }
            }
            Op::Poll(i) => {
                if pending.is_empty() {
                    continue;
                }
                let k = i % pending.len();
                let id = pending[k].0;
                let got = poll_once(&mut pending[k].1);
                match m.waiters[id].1 {
                    Status::Queued { .. } => assert!(got.is_pending()),
                    Status::Granted => {
                        let Poll::Ready(Ok(p)) = got else {
                            panic!("a granted waiter must complete")
                        };
                        held.push(p);
                        drop(pending.remove(k));
                    }
                    Status::Failed { collected } => {
                        assert!(matches!(got, Poll::Ready(Err(_))));
                        m.release(collected);
                        drop(pending.remove(k));
                    }
                }
            }
            Op::Cancel(i) => {
                if pending.is_empty() {
                    continue;
                }
                let (id, fut) = pending.remove(i % pending.len());
                drop(fut);
                match m.waiters[id].1 {
                    Status::Queued { collected } => {
                        m.queue.retain(|&q| q != id);
                        m.release(collected);
                    }
                    Status::Granted => m.release(m.waiters[id].0),
                    Status::Failed { collected } => m.release(collected),
                }
            }
            Op::Release(i) => {
                if held.is_empty() {
                    continue;
                }
                let p = held.remove(i % held.len());
                let n = p.num_permits();
                drop(p);
                m.release(n);
            }
            Op::AddPermits(k) => {
                s.add_permits(k);
                m.release(k);
            }
            Op::Close => {
                s.close();
                m.closed = true;
                for id in m.queue.drain(..) {
                    let Status::Queued { collected } = m.waiters[id].1 else {
                        unreachable!()
                    };
                    m.waiters[id].1 = Status::Failed { collected };
                }
            }
        }
        assert_eq!(
            s.available_permits(),
            m.avail,
            "pool size diverged after {op:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn semaphore_matches_fifo_model(initial in 0usize..4, ops in proptest::collection::vec(op(), 0..60)) {
        run(initial, ops);
    }
}

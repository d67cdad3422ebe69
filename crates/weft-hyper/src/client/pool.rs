//! The client's keep-alive pool: idle HTTP/1 connections per host, a per-host connection limit,
//! and a FIFO of requests waiting for a connection when the limit is reached.
//!
//! Counting rule: `Host::open` counts the [`Slot`]s alive for that host. A slot is taken before a
//! connection is made and lives in the connection's driver task, so it is given back when the
//! connection ends (or when connecting fails). A slot given back while requests wait is handed to
//! the first waiter instead (which then connects); a connection that becomes idle while requests
//! wait goes straight to the first waiter. So a waiter is never forgotten and the count never
//! exceeds the limit.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Weak};
use std::time::Duration;

use hyper::client::conn::http1::SendRequest;
use parking_lot::Mutex;
use weft_io::time::Instant;
use weft_sync::oneshot;

/// Where requests for one origin go: host (lower case, IPv6 without brackets) and port.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    pub(crate) host: String,
    pub(crate) port: u16,
}

/// The pool's limits.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) max_idle_per_host: usize,
    pub(crate) max_connections_per_host: Option<usize>,
}

pub(crate) struct Pool<B> {
    hosts: Mutex<HashMap<Key, Host<B>>>,
    limits: Limits,
}

struct Host<B> {
    /// Ready connections, the most recently used last.
    idle: Vec<Idle<B>>,
    /// Live slots (connections open or being opened).
    open: usize,
    waiters: VecDeque<oneshot::Sender<Handoff<B>>>,
}

struct Idle<B> {
    sender: SendRequest<B>,
    since: Instant,
}

/// What a waiting request is handed.
enum Handoff<B> {
    /// A ready connection.
    Conn(SendRequest<B>),
    /// The right to open a connection.
    Connect(Slot<B>),
}

/// What [`Pool::checkout`] gives.
pub(crate) enum Checkout<B> {
    /// A kept-alive connection, ready for a request.
    Reused(SendRequest<B>),
    /// No idle connection: open one, holding this slot for its whole life.
    Connect(Slot<B>),
}

/// One counted connection of a host (see the module's counting rule). Dropping it gives the slot
/// back.
pub(crate) struct Slot<B> {
    pool: Weak<Pool<B>>,
    key: Key,
    armed: bool,
}

impl<B> Pool<B> {
    pub(crate) fn new(limits: Limits) -> Pool<B> {
        Pool {
            hosts: Mutex::new(HashMap::new()),
            limits,
        }
    }

    /// An idle connection to `key`, else a slot to open one, else (at the limit) waits in line
    /// for either.
    pub(crate) async fn checkout(self: &Arc<Self>, key: &Key) -> Checkout<B> {
        loop {
            let waiting = {
                let mut stale = Vec::new();
                let mut hosts = self.hosts.lock();
                let host = hosts.entry(key.clone()).or_insert_with(|| Host {
                    idle: Vec::new(),
                    open: 0,
                    waiters: VecDeque::new(),
                });
                let now = Instant::now();
                while let Some(idle) = host.idle.pop() {
                    let expired = self
                        .limits
                        .idle_timeout
                        .is_some_and(|limit| now.saturating_duration_since(idle.since) > limit);
                    if expired || !idle.sender.is_ready() {
                        stale.push(idle.sender);
                        continue;
                    }
                    drop(hosts);
                    drop(stale);
                    return Checkout::Reused(idle.sender);
                }
                if self
                    .limits
                    .max_connections_per_host
                    .is_none_or(|limit| host.open < limit)
                {
                    host.open += 1;
                    drop(hosts);
                    drop(stale);
                    return Checkout::Connect(Slot {
                        pool: Arc::downgrade(self),
                        key: key.clone(),
                        armed: true,
                    });
                }
                let (tx, rx) = oneshot::channel();
                host.waiters.push_back(tx);
                drop(hosts);
                drop(stale);
                rx
            };
            match waiting.await {
                Ok(Handoff::Conn(sender)) if sender.is_ready() => return Checkout::Reused(sender),
                // Closed between the handoff and now: look again.
                Ok(Handoff::Conn(_closed)) => continue,
                Ok(Handoff::Connect(slot)) => return Checkout::Connect(slot),
                // Every sender is in `waiters` until it sends, so this cannot happen; looking
                // again is the safe answer anyway.
                Err(_) => continue,
            }
        }
    }

    /// Puts a ready connection back: to the first waiter, else into the idle list (or closes it
    /// if the list is full).
    pub(crate) fn put_idle(&self, key: &Key, mut sender: SendRequest<B>) {
        loop {
            // Handoffs are sent outside the lock: a value the channel drops (its receiver left
            // at that moment) may run code that takes the lock again.
            let waiter = {
                let mut hosts = self.hosts.lock();
                let Some(host) = hosts.get_mut(key) else {
                    return;
                };
                match host.waiters.pop_front() {
                    Some(waiter) => waiter,
                    None if host.idle.len() < self.limits.max_idle_per_host => {
                        host.idle.push(Idle {
                            sender,
                            since: Instant::now(),
                        });
                        return;
                    }
                    None => break,
                }
            };
            match waiter.send(Handoff::Conn(sender)) {
                Ok(()) => return,
                Err(Handoff::Conn(back)) => sender = back,
                Err(Handoff::Connect(_)) => unreachable!("a handoff comes back as it was sent"),
            }
        }
        // The idle list is full: the connection closes when `sender` goes.
        drop(sender);
    }

    /// Gives a slot back: to the first waiter, else the count goes down.
    fn release(self: &Arc<Self>, key: &Key) {
        loop {
            let waiter = {
                let mut hosts = self.hosts.lock();
                let Some(host) = hosts.get_mut(key) else {
                    return;
                };
                match host.waiters.pop_front() {
                    Some(waiter) => waiter,
                    None => {
                        host.open -= 1;
                        if host.open == 0 && host.idle.is_empty() {
                            hosts.remove(key);
                        }
                        return;
                    }
                }
            };
            let slot = Slot {
                pool: Arc::downgrade(self),
                key: key.clone(),
                armed: true,
            };
            match waiter.send(Handoff::Connect(slot)) {
                Ok(()) => return,
                // The waiter left: the slot is still ours to pass on (defused, so dropping this
                // copy does not give it back a second time).
                Err(Handoff::Connect(mut back)) => back.armed = false,
                Err(Handoff::Conn(_)) => unreachable!("a handoff comes back as it was sent"),
            }
        }
    }

    /// The number of connections counted for `key` (open or being opened).
    #[cfg(test)]
    fn open(&self, key: &Key) -> usize {
        self.hosts.lock().get(key).map_or(0, |h| h.open)
    }
}

impl<B> Drop for Slot<B> {
    fn drop(&mut self) {
        if self.armed {
            if let Some(pool) = self.pool.upgrade() {
                pool.release(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(limit: Option<usize>) -> Arc<Pool<()>> {
        Arc::new(Pool::new(Limits {
            idle_timeout: None,
            max_idle_per_host: usize::MAX,
            max_connections_per_host: limit,
        }))
    }

    fn origin() -> Key {
        Key {
            host: "example.test".into(),
            port: 80,
        }
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        futures_util::FutureExt::now_or_never(f).expect("ready without waiting")
    }

    #[test]
    fn slots_are_counted_and_given_back() {
        let pool = pool(None);
        let a = block_on(pool.checkout(&origin()));
        let b = block_on(pool.checkout(&origin()));
        assert_eq!(pool.open(&origin()), 2);
        drop(a);
        assert_eq!(pool.open(&origin()), 1);
        drop(b);
        assert_eq!(pool.open(&origin()), 0);
    }

    #[test]
    fn at_the_limit_a_request_waits_and_gets_the_freed_slot() {
        let pool = pool(Some(1));
        let first = block_on(pool.checkout(&origin()));
        let key = origin();
        let mut waiting = Box::pin(pool.checkout(&key));
        assert!(futures_util::FutureExt::now_or_never(waiting.as_mut()).is_none());
        drop(first);
        // The slot went to the waiter: still one counted.
        assert_eq!(pool.open(&origin()), 1);
        let second = block_on(waiting);
        assert!(matches!(second, Checkout::Connect(_)));
        drop(second);
        assert_eq!(pool.open(&origin()), 0);
    }

    #[test]
    fn a_waiter_that_left_does_not_keep_a_slot() {
        let pool = pool(Some(1));
        let first = block_on(pool.checkout(&origin()));
        let key = origin();
        let mut gone = Box::pin(pool.checkout(&key));
        assert!(futures_util::FutureExt::now_or_never(gone.as_mut()).is_none());
        drop(gone);
        drop(first);
        assert_eq!(pool.open(&origin()), 0);
        let again = block_on(pool.checkout(&origin()));
        assert!(matches!(again, Checkout::Connect(_)));
    }

    /// What the model test does to the pool.
    #[derive(Debug, Clone)]
    enum Op {
        /// A request asks for a connection.
        Checkout,
        /// The connection of the `n`th slot held ends (its slot is given back).
        Release(usize),
        /// The `n`th waiting request is cancelled.
        Abandon(usize),
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        use proptest::prelude::*;
        prop_oneof![
            3 => Just(Op::Checkout),
            2 => any::<usize>().prop_map(Op::Release),
            1 => any::<usize>().prop_map(Op::Abandon),
        ]
    }

    type Waiting = std::pin::Pin<Box<dyn std::future::Future<Output = Checkout<()>>>>;

    proptest::proptest! {
        /// Against a model: the slots counted are exactly the ones requests hold, never more
        /// than the limit, and a request waits only while the limit is reached (so a freed slot
        /// never strands a waiter, whichever waiters left meanwhile).
        #[test]
        fn slots_follow_the_model(limit in 1usize..4, ops in proptest::collection::vec(op(), 1..60)) {
            let pool = pool(Some(limit));
            let mut held: Vec<Slot<()>> = Vec::new();
            let mut waiting: Vec<Waiting> = Vec::new();
            let waker = futures_util::task::noop_waker();
            let mut cx = std::task::Context::from_waker(&waker);
            for op in ops {
                match op {
                    Op::Checkout => {
                        let pool = pool.clone();
                        waiting.push(Box::pin(async move { pool.checkout(&origin()).await }));
                    }
                    Op::Release(i) if !held.is_empty() => drop(held.remove(i % held.len())),
                    Op::Abandon(i) if !waiting.is_empty() => drop(waiting.remove(i % waiting.len())),
                    _ => {}
                }
                // Let every waiting request look at what it was handed.
                let mut still = Vec::new();
                for mut w in waiting.drain(..) {
                    match w.as_mut().poll(&mut cx) {
                        std::task::Poll::Ready(Checkout::Connect(slot)) => held.push(slot),
                        std::task::Poll::Ready(Checkout::Reused(_)) => {
                            unreachable!("no connection was ever put back")
                        }
                        std::task::Poll::Pending => still.push(w),
                    }
                }
                waiting = still;
                proptest::prop_assert_eq!(pool.open(&origin()), held.len());
                proptest::prop_assert!(held.len() <= limit);
                if !waiting.is_empty() {
                    proptest::prop_assert_eq!(held.len(), limit);
                }
            }
            drop(waiting);
            drop(held);
            proptest::prop_assert_eq!(pool.open(&origin()), 0);
        }
    }
}

//! Many messages through mpsc from 8 producers, each on its own thread under a foreign executor
//! (`futures_executor::block_on`), checking that every message arrives exactly once and in order
//! per producer.
//!
//! Each of the first two tests moves 1,000,000 messages, in debug builds too: that takes about
//! 1.5 s per test unoptimised on the 2-core CI machine, inside the few-seconds budget. (Should it
//! ever outgrow it, gate the count on `cfg!(debug_assertions)` rather than dropping the test.)
#![cfg(not(loom))]

mod support;

use std::thread;

use support::run;
use weft_sync::mpsc;

const PRODUCERS: u64 = 8;

fn total() -> u64 {
    1_000_000
}

/// Checks per-producer order and completeness of `(producer, seq)` messages.
struct Tally {
    next: Vec<u64>,
}

impl Tally {
    fn new() -> Self {
        Tally {
            next: vec![0; PRODUCERS as usize],
        }
    }
    fn see(&mut self, (p, seq): (u64, u64)) {
        assert_eq!(self.next[p as usize], seq, "producer {p} out of order");
        self.next[p as usize] += 1;
    }
    fn check(&self, per: u64) {
        assert!(
            self.next.iter().all(|&n| n == per),
            "lost messages: {:?}",
            self.next
        );
    }
}

/// The receiving half of either flavour.
trait Recv {
    async fn recv(&mut self) -> Option<(u64, u64)>;
}

impl Recv for mpsc::Receiver<(u64, u64)> {
    async fn recv(&mut self) -> Option<(u64, u64)> {
        mpsc::Receiver::recv(self).await
    }
}

impl Recv for mpsc::UnboundedReceiver<(u64, u64)> {
    async fn recv(&mut self) -> Option<(u64, u64)> {
        mpsc::UnboundedReceiver::recv(self).await
    }
}

/// Runs `produce(tx, p, per)` for each producer `p` on its own thread, drops `tx`, receives until
/// the channel ends, checks that every producer's `per` messages came in order, and joins the
/// producers.
fn eight_producers<S: Clone + Send + 'static>(
    tx: S,
    mut rx: impl Recv,
    per: u64,
    produce: fn(tx: S, p: u64, per: u64),
) {
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let tx = tx.clone();
            thread::spawn(move || produce(tx, p, per))
        })
        .collect();
    drop(tx);
    let mut tally = Tally::new();
    run(async {
        while let Some(m) = rx.recv().await {
            tally.see(m);
        }
    });
    tally.check(per);
    for p in producers {
        p.join().unwrap();
    }
}

#[test]
fn bounded_eight_producers() {
    let (tx, rx) = mpsc::channel(1024);
    eight_producers(tx, rx, total() / PRODUCERS, |tx, p, per| {
        run(async move {
            for seq in 0..per {
                tx.send((p, seq)).await.unwrap();
            }
        })
    });
}

#[test]
fn unbounded_eight_producers() {
    let (tx, rx) = mpsc::unbounded_channel();
    eight_producers(tx, rx, total() / PRODUCERS, |tx, p, per| {
        for seq in 0..per {
            tx.send((p, seq)).unwrap();
        }
    });
}

#[test]
fn bounded_reserve_eight_producers_small_capacity() {
    // Capacity 4: senders wait most of the time, exercising the waiter queue hand-offs.
    let (tx, rx) = mpsc::channel(4);
    eight_producers(tx, rx, total() / PRODUCERS / 10, |tx, p, per| {
        run(async move {
            for seq in 0..per {
                tx.reserve().await.unwrap().send((p, seq));
            }
        })
    });
}

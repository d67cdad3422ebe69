//! proptest model tests: every channel against a `VecDeque`/plain-value model.
//!
//! Each test draws a random sequence of operations (sends, `try_send`, receives, polling and
//! cancelling futures, cloning and dropping handles, `close`), applies it to the channel and to a
//! tiny sequential model, and compares every observable result.
#![cfg(not(loom))]

mod support;

use std::collections::VecDeque;
use std::task::Poll;

use proptest::prelude::*;
use support::poll_once;
use weft_sync::{broadcast, mpsc, oneshot, watch};

#[derive(Debug, Clone)]
enum MpscOp {
    TrySend(usize),
    /// Poll a `send` future once and drop it (cancelled if it was pending).
    PollSend(usize),
    TryRecv,
    /// Poll a `recv` future once and drop it.
    PollRecv,
    CloneSender(usize),
    DropSender(usize),
    Reserve(usize),
    PermitSend(usize),
    PermitDrop(usize),
    Close,
    DropReceiver,
}

fn mpsc_op() -> impl Strategy<Value = MpscOp> {
    prop_oneof![
        4 => (0..4usize).prop_map(MpscOp::TrySend),
        3 => (0..4usize).prop_map(MpscOp::PollSend),
        4 => Just(MpscOp::TryRecv),
        3 => Just(MpscOp::PollRecv),
        1 => (0..4usize).prop_map(MpscOp::CloneSender),
        1 => (0..4usize).prop_map(MpscOp::DropSender),
        2 => (0..4usize).prop_map(MpscOp::Reserve),
        2 => (0..4usize).prop_map(MpscOp::PermitSend),
        1 => (0..4usize).prop_map(MpscOp::PermitDrop),
        1 => Just(MpscOp::Close),
        1 => Just(MpscOp::DropReceiver),
    ]
}

/// The sequential model of a (bounded or unbounded) mpsc channel.
#[derive(Default)]
struct MpscModel {
    queue: VecDeque<u32>,
    cap: Option<usize>,
    permits: usize,
    /// Live senders, counting the ones held by owned permits.
    senders: usize,
    closed: bool,
    rx_dropped: bool,
}

impl MpscModel {
    fn full(&self) -> bool {
        self.cap
            .is_some_and(|c| self.queue.len() + self.permits >= c)
    }
    fn recv(&mut self) -> Result<u32, mpsc::error::TryRecvError> {
        use mpsc::error::TryRecvError::*;
        if let Some(v) = self.queue.pop_front() {
            Ok(v)
        } else if self.senders == 0 || (self.closed && self.permits == 0) {
            Err(Disconnected)
        } else {
            Err(Empty)
        }
    }
}

/// The index of the `i`-th live sender (counting round), or `None` if none is live.
fn pick<S>(senders: &[Option<S>], i: usize) -> Option<usize> {
    let live: Vec<usize> = (0..senders.len())
        .filter(|&j| senders[j].is_some())
        .collect();
    (!live.is_empty()).then(|| live[i % live.len()])
}

/// Applies a receiver-side op (`TryRecv`, `PollRecv`, `Close` or `DropReceiver`), the same for
/// both flavours, to `$rx` (the receiver, if not dropped yet) and to the model `$m`, comparing
/// what the receiver returns. A macro because the two receiver types share no trait.
macro_rules! receiver_op {
    ($op:expr, $rx:expr, $m:expr) => {{
        let (op, rx, m): (&MpscOp, _, &mut MpscModel) = ($op, $rx, $m);
        match (op, rx.as_mut()) {
            (_, None) => {}
            (MpscOp::TryRecv, Some(r)) => assert_eq!(r.try_recv(), m.recv()),
            (MpscOp::PollRecv, Some(r)) => {
                let got = match poll_once(&mut Box::pin(r.recv())) {
                    Poll::Ready(Some(v)) => Ok(v),
                    Poll::Ready(None) => Err(mpsc::error::TryRecvError::Disconnected),
                    Poll::Pending => Err(mpsc::error::TryRecvError::Empty),
                };
                assert_eq!(got, m.recv());
            }
            (MpscOp::Close, Some(r)) => {
                r.close();
                m.closed = true;
            }
            (MpscOp::DropReceiver, Some(_)) => {
                *rx = None;
                m.rx_dropped = true;
                m.queue.clear();
            }
            (op, Some(_)) => unreachable!("{op:?} is not a receiver op"),
        }
    }};
}

fn run_bounded(cap: usize, ops: Vec<MpscOp>) {
    use mpsc::error::TrySendError;
    let (tx, rx) = mpsc::channel::<u32>(cap);
    let mut rx = Some(rx);
    let mut senders = vec![Some(tx)];
    let mut permits: Vec<mpsc::OwnedPermit<u32>> = Vec::new();
    let mut m = MpscModel {
        cap: Some(cap),
        senders: 1,
        ..Default::default()
    };
    let mut next = 0u32;
    for op in ops {
        match op {
            MpscOp::TrySend(i) | MpscOp::PollSend(i) => {
                let Some(j) = pick(&senders, i) else {
                    continue;
                };
                let tx = senders[j].as_ref().unwrap();
                next += 1;
                let v = next;
                let got = if matches!(op, MpscOp::TrySend(_)) {
                    tx.try_send(v)
                } else {
                    match poll_once(&mut Box::pin(tx.send(v))) {
                        Poll::Ready(Ok(())) => Ok(()),
                        Poll::Ready(Err(e)) => Err(TrySendError::Closed(e.0)),
                        Poll::Pending => Err(TrySendError::Full(v)),
                    }
                };
                let want = if m.closed || m.rx_dropped {
                    Err(TrySendError::Closed(v))
                } else if m.full() {
                    Err(TrySendError::Full(v))
                } else {
                    m.queue.push_back(v);
                    Ok(())
                };
                assert_eq!(got, want);
            }
            MpscOp::CloneSender(i) => {
                let Some(j) = pick(&senders, i) else {
                    continue;
                };
                let c = senders[j].as_ref().unwrap().clone();
                senders.push(Some(c));
                m.senders += 1;
            }
            MpscOp::DropSender(i) => {
                let Some(j) = pick(&senders, i) else {
                    continue;
                };
                senders[j] = None;
                m.senders -= 1;
            }
            MpscOp::Reserve(i) => {
                let Some(j) = pick(&senders, i) else {
                    continue;
                };
                let tx = senders[j].as_ref().unwrap().clone();
                m.senders += 1;
                match tx.try_reserve_owned() {
                    Ok(p) => {
                        assert!(!m.full() && !m.closed && !m.rx_dropped);
                        m.permits += 1;
                        permits.push(p);
                    }
                    Err(TrySendError::Full(_)) => {
                        assert!(m.full() && !m.closed && !m.rx_dropped);
                        m.senders -= 1;
                    }
                    Err(TrySendError::Closed(_)) => {
                        assert!(m.closed || m.rx_dropped);
                        m.senders -= 1;
                    }
                }
            }
            MpscOp::PermitSend(i) | MpscOp::PermitDrop(i) => {
                if permits.is_empty() {
                    continue;
                }
                let p = permits.remove(i % permits.len());
                m.permits -= 1;
                m.senders -= 1;
                if matches!(op, MpscOp::PermitSend(_)) {
                    next += 1;
                    drop(p.send(next));
                    if !m.rx_dropped {
                        m.queue.push_back(next);
                    }
                } else {
                    drop(p);
                }
            }
            MpscOp::TryRecv | MpscOp::PollRecv | MpscOp::Close | MpscOp::DropReceiver => {
                receiver_op!(&op, &mut rx, &mut m);
            }
        }
        if let Some(r) = &rx {
            assert_eq!(r.len(), m.queue.len());
            assert_eq!(r.sender_strong_count(), m.senders);
            if !m.closed {
                assert_eq!(r.capacity(), cap - m.queue.len() - m.permits);
            }
        }
    }
}

fn run_unbounded(ops: Vec<MpscOp>) {
    let (tx, rx) = mpsc::unbounded_channel::<u32>();
    let mut rx = Some(rx);
    let mut senders = vec![Some(tx)];
    let mut m = MpscModel {
        senders: 1,
        ..Default::default()
    };
    let mut next = 0u32;
    for op in ops {
        match op {
            MpscOp::TrySend(i) | MpscOp::PollSend(i) | MpscOp::PermitSend(i) => {
                let Some(j) = pick(&senders, i) else {
                    continue;
                };
                next += 1;
                let got = senders[j].as_ref().unwrap().send(next);
                if m.closed || m.rx_dropped {
                    assert_eq!(got, Err(mpsc::error::SendError(next)));
                } else {
                    assert_eq!(got, Ok(()));
                    m.queue.push_back(next);
                }
            }
            MpscOp::CloneSender(i) | MpscOp::Reserve(i) => {
                let Some(j) = pick(&senders, i) else {
                    continue;
                };
                let c = senders[j].as_ref().unwrap().clone();
                senders.push(Some(c));
                m.senders += 1;
            }
            MpscOp::DropSender(i) | MpscOp::PermitDrop(i) => {
                let Some(j) = pick(&senders, i) else {
                    continue;
                };
                senders[j] = None;
                m.senders -= 1;
            }
            MpscOp::TryRecv | MpscOp::PollRecv | MpscOp::Close | MpscOp::DropReceiver => {
                receiver_op!(&op, &mut rx, &mut m);
            }
        }
        if let Some(r) = &rx {
            assert_eq!(r.len(), m.queue.len());
            assert_eq!(r.sender_strong_count(), m.senders);
        }
    }
}

#[derive(Debug, Clone)]
enum BcOp {
    Send,
    TryRecv(usize),
    PollRecv(usize),
    Subscribe,
    DropReceiver(usize),
    CloneSender,
    DropSender,
}

fn bc_op() -> impl Strategy<Value = BcOp> {
    prop_oneof![
        5 => Just(BcOp::Send),
        4 => (0..4usize).prop_map(BcOp::TryRecv),
        2 => (0..4usize).prop_map(BcOp::PollRecv),
        1 => Just(BcOp::Subscribe),
        1 => (0..4usize).prop_map(BcOp::DropReceiver),
        1 => Just(BcOp::CloneSender),
        1 => Just(BcOp::DropSender),
    ]
}

fn run_broadcast(cap: usize, ops: Vec<BcOp>) {
    use broadcast::error::TryRecvError;
    let (tx, rx) = broadcast::channel::<u32>(cap);
    let mut senders = vec![tx];
    // Each receiver with the position it reads next.
    let mut rxs: Vec<(broadcast::Receiver<u32>, u64)> = vec![(rx, 0)];
    // Every value ever sent, by position.
    let mut log: Vec<u32> = Vec::new();
    let mut sender_gone = false;
    for op in ops {
        match op {
            BcOp::Send => {
                if senders.is_empty() {
                    continue;
                }
                let v = log.len() as u32 + 1;
                let got = senders[0].send(v);
                if rxs.is_empty() {
                    assert_eq!(got, Err(broadcast::error::SendError(v)));
                } else {
                    assert_eq!(got, Ok(rxs.len()));
                    log.push(v);
                }
            }
            BcOp::TryRecv(i) | BcOp::PollRecv(i) => {
                if rxs.is_empty() {
                    continue;
                }
                let k = i % rxs.len();
                let (r, pos) = &mut rxs[k];
                let got = if matches!(op, BcOp::TryRecv(_)) {
                    r.try_recv()
                } else {
                    match poll_once(&mut Box::pin(r.recv())) {
                        Poll::Ready(Ok(v)) => Ok(v),
                        Poll::Ready(Err(broadcast::error::RecvError::Closed)) => {
                            Err(TryRecvError::Closed)
                        }
                        Poll::Ready(Err(broadcast::error::RecvError::Lagged(n))) => {
                            Err(TryRecvError::Lagged(n))
                        }
                        Poll::Pending => Err(TryRecvError::Empty),
                    }
                };
                let end = log.len() as u64;
                let oldest = end.saturating_sub(cap as u64);
                let want = if *pos >= end {
                    if sender_gone {
                        Err(TryRecvError::Closed)
                    } else {
                        Err(TryRecvError::Empty)
                    }
                } else if *pos < oldest {
                    let n = oldest - *pos;
                    *pos = oldest;
                    Err(TryRecvError::Lagged(n))
                } else {
                    *pos += 1;
                    Ok(log[*pos as usize - 1])
                };
                assert_eq!(got, want);
            }
            BcOp::Subscribe => {
                if let Some(s) = senders.first() {
                    rxs.push((s.subscribe(), log.len() as u64));
                } else if let Some((r, _)) = rxs.first() {
                    rxs.push((r.resubscribe(), log.len() as u64));
                }
            }
            BcOp::DropReceiver(i) => {
                if !rxs.is_empty() {
                    rxs.remove(i % rxs.len());
                }
            }
            BcOp::CloneSender => {
                if let Some(s) = senders.first() {
                    senders.push(s.clone());
                }
            }
            BcOp::DropSender => {
                if senders.pop().is_some() && senders.is_empty() {
                    sender_gone = true;
                }
            }
        }
        if let Some(s) = senders.first() {
            assert_eq!(s.receiver_count(), rxs.len());
        }
        for (r, pos) in &rxs {
            assert_eq!(r.len() as u64, log.len() as u64 - *pos);
        }
    }
}

#[derive(Debug, Clone)]
enum WatchOp {
    Send,
    Changed(usize),
    BorrowAndUpdate(usize),
    CloneReceiver(usize),
    DropReceiver(usize),
    DropSender,
}

fn watch_op() -> impl Strategy<Value = WatchOp> {
    prop_oneof![
        3 => Just(WatchOp::Send),
        3 => (0..4usize).prop_map(WatchOp::Changed),
        2 => (0..4usize).prop_map(WatchOp::BorrowAndUpdate),
        1 => (0..4usize).prop_map(WatchOp::CloneReceiver),
        1 => (0..4usize).prop_map(WatchOp::DropReceiver),
        1 => Just(WatchOp::DropSender),
    ]
}

fn run_watch(ops: Vec<WatchOp>) {
    let (tx, rx) = watch::channel(0u32);
    let mut tx = Some(tx);
    // Each receiver with the value version it has seen.
    let mut rxs = vec![(rx, 0u32)];
    let mut version = 0u32;
    for op in ops {
        match op {
            WatchOp::Send => {
                let Some(t) = &tx else { continue };
                let got = t.send(version + 1);
                if rxs.is_empty() {
                    assert!(got.is_err());
                } else {
                    assert!(got.is_ok());
                    version += 1;
                }
            }
            WatchOp::Changed(i) => {
                if rxs.is_empty() {
                    continue;
                }
                let k = i % rxs.len();
                let (r, seen) = &mut rxs[k];
                let got = poll_once(&mut Box::pin(r.changed()));
                if *seen != version {
                    assert_eq!(got, Poll::Ready(Ok(())));
                    *seen = version;
                    assert_eq!(*r.borrow(), version);
                } else if tx.is_none() {
                    assert!(matches!(got, Poll::Ready(Err(_))));
                } else {
                    assert!(got.is_pending());
                }
            }
            WatchOp::BorrowAndUpdate(i) => {
                if rxs.is_empty() {
                    continue;
                }
                let k = i % rxs.len();
                let (r, seen) = &mut rxs[k];
                let b = r.borrow_and_update();
                assert_eq!(*b, version);
                assert_eq!(b.has_changed(), *seen != version);
                *seen = version;
            }
            WatchOp::CloneReceiver(i) => {
                if rxs.is_empty() {
                    if let Some(t) = &tx {
                        rxs.push((t.subscribe(), version));
                    }
                    continue;
                }
                let (r, seen) = &rxs[i % rxs.len()];
                let c = (r.clone(), *seen);
                rxs.push(c);
            }
            WatchOp::DropReceiver(i) => {
                if !rxs.is_empty() {
                    rxs.remove(i % rxs.len());
                }
            }
            WatchOp::DropSender => tx = None,
        }
        if let Some(t) = &tx {
            assert_eq!(t.receiver_count(), rxs.len());
            assert_eq!(*t.borrow(), version);
        }
    }
}

#[derive(Debug, Clone)]
enum OneshotOp {
    Send,
    DropSender,
    Close,
    TryRecv,
    PollRecv,
}

fn run_oneshot(ops: Vec<OneshotOp>) {
    use oneshot::error::TryRecvError;
    let (tx, rx) = oneshot::channel::<u32>();
    let (mut tx, mut rx) = (Some(tx), rx);
    // Model: the value waiting, whether the sender is done, whether the receiver closed, and
    // whether the receiver has finished (taken the value or seen the end).
    let (mut value, mut tx_done, mut closed, mut finished) = (None::<u32>, false, false, false);
    for op in ops {
        match op {
            OneshotOp::Send => {
                let Some(t) = tx.take() else { continue };
                tx_done = true;
                let got = t.send(7);
                if closed || finished {
                    assert_eq!(got, Err(7));
                } else {
                    assert_eq!(got, Ok(()));
                    value = Some(7);
                }
            }
            OneshotOp::DropSender => {
                if tx.take().is_some() {
                    tx_done = true;
                }
            }
            OneshotOp::Close => {
                if !finished {
                    rx.close();
                    closed = true;
                }
            }
            OneshotOp::TryRecv | OneshotOp::PollRecv => {
                if finished {
                    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
                    continue;
                }
                let got = if matches!(op, OneshotOp::TryRecv) {
                    rx.try_recv()
                } else {
                    match poll_once(&mut rx) {
                        Poll::Ready(Ok(v)) => Ok(v),
                        Poll::Ready(Err(_)) => Err(TryRecvError::Closed),
                        Poll::Pending => Err(TryRecvError::Empty),
                    }
                };
                let want = if let Some(v) = value.take() {
                    finished = true;
                    Ok(v)
                } else if tx_done || closed {
                    finished = true;
                    Err(TryRecvError::Closed)
                } else {
                    Err(TryRecvError::Empty)
                };
                assert_eq!(got, want);
            }
        }
        if let Some(t) = &tx {
            assert_eq!(t.is_closed(), closed || finished);
        }
    }
}

fn oneshot_op() -> impl Strategy<Value = OneshotOp> {
    prop_oneof![
        Just(OneshotOp::Send),
        Just(OneshotOp::DropSender),
        Just(OneshotOp::Close),
        Just(OneshotOp::TryRecv),
        Just(OneshotOp::PollRecv),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn mpsc_bounded_matches_model(cap in 1usize..5, ops in proptest::collection::vec(mpsc_op(), 0..80)) {
        run_bounded(cap, ops);
    }

    #[test]
    fn mpsc_unbounded_matches_model(ops in proptest::collection::vec(mpsc_op(), 0..80)) {
        run_unbounded(ops);
    }

    #[test]
    fn broadcast_matches_model(cap in 1usize..5, ops in proptest::collection::vec(bc_op(), 0..80)) {
        run_broadcast(cap, ops);
    }

    #[test]
    fn watch_matches_model(ops in proptest::collection::vec(watch_op(), 0..60)) {
        run_watch(ops);
    }

    #[test]
    fn oneshot_matches_model(ops in proptest::collection::vec(oneshot_op(), 0..12)) {
        run_oneshot(ops);
    }
}

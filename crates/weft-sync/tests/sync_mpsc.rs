//! Behaviour of the bounded and unbounded `mpsc` channels.
#![cfg(not(loom))]

mod support;

use std::sync::Arc;
use std::task::Poll;

use futures_util::StreamExt;
use support::{counting_waker, poll_once, poll_with, run};
use weft_sync::mpsc::{
    self,
    error::{SendError, TryRecvError, TrySendError},
};

#[test]
fn bounded_values_arrive_in_order() {
    run(async {
        let (tx, mut rx) = mpsc::channel(4);
        for i in 0..4 {
            tx.send(i).await.unwrap();
        }
        for i in 0..4 {
            assert_eq!(rx.recv().await, Some(i));
        }
    });
}

#[test]
fn bounded_full_channel_applies_back_pressure() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(1).unwrap();
    assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    let (count, waker) = counting_waker();
    let mut send = Box::pin(tx.send(2));
    assert!(poll_with(&mut send, &waker).is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(
        count.count(),
        1,
        "receiving frees a slot and wakes the waiting sender"
    );
    assert_eq!(poll_with(&mut send, &waker), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn cancelled_reserve_loses_nothing_and_passes_slot_on() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(0).unwrap();
    let (c1, w1) = counting_waker();
    let (c2, w2) = counting_waker();
    let mut first = Box::pin(tx.reserve());
    let mut second = Box::pin(tx.reserve());
    assert!(poll_with(&mut first, &w1).is_pending());
    assert!(poll_with(&mut second, &w2).is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(c1.count(), 1, "the first waiter gets the slot");
    assert_eq!(c2.count(), 0);
    drop(first); // cancelled after being picked: the slot goes to the next waiter
    assert_eq!(c2.count(), 1);
    let Poll::Ready(Ok(permit)) = poll_with(&mut second, &w2) else {
        panic!("second reserve must complete")
    };
    permit.send(7);
    assert_eq!(rx.try_recv(), Ok(7));
}

#[test]
fn dropped_permit_frees_its_slot() {
    let (tx, _rx) = mpsc::channel::<u8>(2);
    let p = tx.try_reserve().unwrap();
    assert_eq!(tx.capacity(), 1);
    drop(p);
    assert_eq!(tx.capacity(), 2);
    assert_eq!(tx.max_capacity(), 2);
}

#[test]
fn owned_permit_round_trip() {
    run(async {
        let (tx, mut rx) = mpsc::channel(1);
        let permit = tx.reserve_owned().await.unwrap();
        let tx = permit.send(3);
        let permit = tx.try_reserve_owned().unwrap_err();
        let TrySendError::Full(tx) = permit else {
            panic!("channel should be full")
        };
        assert_eq!(rx.recv().await, Some(3));
        let tx = tx.try_reserve_owned().unwrap().release();
        assert_eq!(tx.capacity(), 1);
    });
}

#[test]
fn send_to_dropped_receiver_returns_value() {
    run(async {
        let (tx, rx) = mpsc::channel(1);
        drop(rx);
        assert!(tx.is_closed());
        assert_eq!(tx.send(String::from("v")).await, Err(SendError("v".into())));
        assert_eq!(
            tx.try_send(1.to_string()),
            Err(TrySendError::Closed("1".into()))
        );
        let (utx, urx) = mpsc::unbounded_channel();
        drop(urx);
        assert_eq!(utx.send(5), Err(SendError(5)));
    });
}

#[test]
fn dropping_every_sender_ends_after_buffered_values() {
    run(async {
        let (tx, mut rx) = mpsc::channel(8);
        let tx2 = tx.clone();
        assert_eq!(tx.strong_count(), 2);
        assert_eq!(rx.sender_strong_count(), 2);
        tx.send(1).await.unwrap();
        tx2.send(2).await.unwrap();
        drop(tx);
        drop(tx2);
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, Some(2));
        assert_eq!(rx.recv().await, None);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    });
}

#[test]
fn last_sender_drop_wakes_receiver() {
    let (tx, mut rx) = mpsc::unbounded_channel::<u8>();
    let (count, waker) = counting_waker();
    let mut recv = Box::pin(rx.recv());
    assert!(poll_with(&mut recv, &waker).is_pending());
    drop(tx);
    assert_eq!(count.count(), 1);
    assert_eq!(poll_with(&mut recv, &waker), Poll::Ready(None));
}

#[test]
fn close_rejects_sends_but_drains_buffer() {
    run(async {
        let (tx, mut rx) = mpsc::channel(4);
        tx.send(1).await.unwrap();
        rx.close();
        assert!(rx.is_closed());
        assert!(tx.is_closed());
        assert_eq!(tx.send(2).await, Err(SendError(2)));
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, None);

        let (utx, mut urx) = mpsc::unbounded_channel();
        utx.send(1).unwrap();
        urx.close();
        assert_eq!(utx.send(2), Err(SendError(2)));
        assert_eq!(urx.recv().await, Some(1));
        assert_eq!(urx.recv().await, None);
    });
}

#[test]
fn permit_taken_before_close_still_delivers() {
    let (tx, mut rx) = mpsc::channel(2);
    let permit = tx.try_reserve().unwrap();
    rx.close();
    let (count, waker) = counting_waker();
    let mut recv = Box::pin(rx.recv());
    assert!(
        poll_with(&mut recv, &waker).is_pending(),
        "an outstanding permit may still send"
    );
    permit.send(9);
    assert_eq!(count.count(), 1);
    assert_eq!(poll_with(&mut recv, &waker), Poll::Ready(Some(9)));
    drop(recv);
    // No new permits after close.
    assert!(matches!(tx.try_reserve(), Err(TrySendError::Closed(()))));
    assert_eq!(poll_once(&mut Box::pin(rx.recv())), Poll::Ready(None));
}

#[test]
fn dropped_permit_after_close_ends_receiver() {
    let (tx, mut rx) = mpsc::channel::<u8>(2);
    let permit = tx.try_reserve().unwrap();
    rx.close();
    let (count, waker) = counting_waker();
    let mut recv = Box::pin(rx.recv());
    assert!(poll_with(&mut recv, &waker).is_pending());
    drop(permit);
    assert_eq!(count.count(), 1);
    assert_eq!(poll_with(&mut recv, &waker), Poll::Ready(None));
}

#[test]
fn sender_closed_future() {
    run(async {
        let (tx, rx) = mpsc::channel::<u8>(1);
        let (utx, urx) = mpsc::unbounded_channel::<u8>();
        let t = std::thread::spawn(move || {
            drop(rx);
            drop(urx);
        });
        tx.closed().await;
        utx.closed().await;
        t.join().unwrap();
    });
}

#[test]
fn receivers_are_streams() {
    run(async {
        let (tx, rx) = mpsc::channel(3);
        let (utx, urx) = mpsc::unbounded_channel();
        for i in 0..3 {
            tx.send(i).await.unwrap();
            utx.send(i * 10).unwrap();
        }
        drop(tx);
        drop(utx);
        assert_eq!(rx.collect::<Vec<_>>().await, [0, 1, 2]);
        assert_eq!(urx.collect::<Vec<_>>().await, [0, 10, 20]);
    });
}

#[test]
fn waiting_senders_are_served_in_order() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(0).unwrap();
    let mut sends: Vec<_> = (1..=5).map(|i| Some(Box::pin(tx.send(i)))).collect();
    for s in sends.iter_mut().flatten() {
        assert!(poll_once(s).is_pending());
    }
    let mut got = vec![rx.try_recv().unwrap()];
    for _ in 0..5 {
        // Poll every waiting sender (latest first): only the head of the queue may complete.
        for slot in sends.iter_mut().rev() {
            if let Some(s) = slot {
                if poll_once(s).is_ready() {
                    *slot = None;
                }
            }
        }
        got.push(rx.try_recv().unwrap());
    }
    assert_eq!(got, [0, 1, 2, 3, 4, 5]);
}

#[test]
fn dropping_receiver_drops_buffered_values() {
    let marker = Arc::new(());
    let (tx, rx) = mpsc::channel(4);
    tx.try_send(marker.clone()).unwrap();
    tx.try_send(marker.clone()).unwrap();
    assert_eq!(Arc::strong_count(&marker), 3);
    drop(rx);
    assert_eq!(Arc::strong_count(&marker), 1);
}

#[test]
fn len_and_capacity() {
    let (tx, mut rx) = mpsc::channel(3);
    assert!(rx.is_empty());
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    assert_eq!(rx.len(), 2);
    assert_eq!(rx.capacity(), 1);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.len(), 1);
    assert_eq!(rx.capacity(), 2);
    assert_eq!(rx.max_capacity(), 3);
}

#[test]
fn receive_consumes_cooperative_budget() {
    use weft_core::coop;
    let (tx, mut rx) = mpsc::unbounded_channel();
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    coop::with_budget(coop::Budget::new(1), || {
        assert_eq!(poll_once(&mut Box::pin(rx.recv())), Poll::Ready(Some(1)));
        assert!(
            poll_once(&mut Box::pin(rx.recv())).is_pending(),
            "budget spent: must yield"
        );
    });
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn blocking_send_and_recv_across_threads() {
    let (tx, mut rx) = mpsc::channel(2);
    let t = std::thread::spawn(move || {
        for i in 0..100 {
            tx.blocking_send(i).unwrap();
        }
    });
    for i in 0..100 {
        assert_eq!(rx.blocking_recv(), Some(i));
    }
    assert_eq!(rx.blocking_recv(), None);
    t.join().unwrap();
}

#[test]
#[should_panic(expected = "capacity of at least 1")]
fn zero_capacity_panics() {
    let _ = mpsc::channel::<u8>(0);
}

#[test]
fn same_channel() {
    let (a, _r) = mpsc::channel::<u8>(1);
    let (b, _r2) = mpsc::channel::<u8>(1);
    assert!(a.same_channel(&a.clone()));
    assert!(!a.same_channel(&b));
    let (ua, _ur) = mpsc::unbounded_channel::<u8>();
    assert!(ua.same_channel(&ua.clone()));
}

#[test]
fn recv_many_takes_a_batch() {
    run(async {
        let (tx, mut rx) = mpsc::channel(8);
        for i in 0..5 {
            tx.send(i).await.unwrap();
        }
        let mut buf = vec![-1];
        assert_eq!(rx.recv_many(&mut buf, 3).await, 3);
        assert_eq!(buf, [-1, 0, 1, 2]);
        assert_eq!(tx.capacity(), 6, "a batch frees its slots");
        assert_eq!(rx.recv_many(&mut buf, 10).await, 2);
        assert_eq!(rx.recv_many(&mut buf, 0).await, 0);
        drop(tx);
        assert_eq!(rx.recv_many(&mut buf, 10).await, 0);

        let (utx, mut urx) = mpsc::unbounded_channel();
        utx.send(1).unwrap();
        let mut buf = Vec::new();
        assert_eq!(urx.recv_many(&mut buf, 4).await, 1);
        drop(utx);
        assert_eq!(urx.recv_many(&mut buf, 4).await, 0);
    });
}

#[test]
fn weak_senders_do_not_keep_the_channel_open() {
    run(async {
        let (tx, mut rx) = mpsc::channel::<u8>(2);
        let weak = tx.downgrade();
        assert_eq!(tx.weak_count(), 1);
        let tx2 = weak.upgrade().expect("a sender is alive");
        assert_eq!(tx.strong_count(), 2);
        drop(tx);
        drop(tx2);
        assert!(weak.upgrade().is_none());
        assert_eq!(rx.recv().await, None);

        let (utx, mut urx) = mpsc::unbounded_channel::<u8>();
        let uweak = utx.downgrade().clone();
        assert_eq!(utx.weak_count(), 1);
        uweak.upgrade().unwrap().send(4).unwrap();
        drop(utx);
        assert!(uweak.upgrade().is_none());
        assert_eq!(urx.recv().await, Some(4));
        assert_eq!(urx.recv().await, None);
    });
}

#[test]
fn waiting_sender_gets_value_back_when_receiver_goes() {
    let (tx, rx) = mpsc::channel(1);
    tx.try_send(1).unwrap();
    let (count, waker) = counting_waker();
    let mut send = Box::pin(tx.send(2));
    assert!(poll_with(&mut send, &waker).is_pending());
    drop(rx);
    assert_eq!(count.count(), 1, "closing wakes the waiting sender");
    assert_eq!(poll_with(&mut send, &waker), Poll::Ready(Err(SendError(2))));
}

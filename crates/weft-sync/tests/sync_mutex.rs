//! Behaviour of `Mutex` and `RwLock`, including FIFO fairness and writer preference.
#![cfg(not(loom))]

mod support;

use std::future::Future;
use std::sync::Arc;
use std::task::Poll;

use support::{counting_waker, poll_once, poll_with, run};
use weft_sync::{Mutex, RwLock};

#[test]
fn lock_guards_data_across_await() {
    run(async {
        let m = Mutex::new(vec![1]);
        {
            let mut g = m.lock().await;
            g.push(2);
            futures_util::future::ready(()).await;
            g.push(3);
            assert!(m.try_lock().is_err());
        }
        assert_eq!(*m.lock().await, [1, 2, 3]);
        assert_eq!(m.into_inner(), [1, 2, 3]);
    });
}

#[test]
fn try_lock_and_get_mut() {
    let mut m = Mutex::new(1);
    *m.get_mut() += 1;
    let g = m.try_lock().unwrap();
    assert_eq!(*g, 2);
    assert_eq!(format!("{m:?}"), "Mutex { data: <locked> }");
    drop(g);
    assert_eq!(format!("{m:?}"), "Mutex { data: 2 }");
}

#[test]
fn lock_owned_is_static() {
    run(async {
        let m = Arc::new(Mutex::new(0));
        let mut g = m.clone().lock_owned().await;
        let t = std::thread::spawn(move || {
            *g += 5;
        });
        t.join().unwrap();
        assert_eq!(*m.lock().await, 5);
        let g = m.clone().try_lock_owned().unwrap();
        assert!(Arc::ptr_eq(g.mutex(), &m));
    });
}

#[test]
fn unlock_wakes_next_waiter_once() {
    let m = Mutex::new(());
    let g = m.try_lock().unwrap();
    let (count, waker) = counting_waker();
    let mut w = Box::pin(m.lock());
    assert!(poll_with(&mut w, &waker).is_pending());
    drop(g);
    assert_eq!(count.count(), 1);
    assert!(poll_with(&mut w, &waker).is_ready());
}

#[test]
fn cancelled_waiter_passes_lock_on() {
    let m = Mutex::new(());
    let g = m.try_lock().unwrap();
    let mut first = Box::pin(m.lock());
    let (count, waker) = counting_waker();
    let mut second = Box::pin(m.lock());
    assert!(poll_once(&mut first).is_pending());
    assert!(poll_with(&mut second, &waker).is_pending());
    drop(g); // handed to `first`
    assert_eq!(count.count(), 0);
    drop(first); // cancelled after being handed the lock
    assert_eq!(count.count(), 1);
    assert!(poll_with(&mut second, &waker).is_ready());
}

#[test]
fn waiters_get_the_lock_in_arrival_order() {
    let m = Mutex::new(Vec::new());
    let mut holder = Some(m.try_lock().unwrap());
    let mut waiters: Vec<_> = (0..5).map(|_| Some(Box::pin(m.lock()))).collect();
    for w in waiters.iter_mut().flatten() {
        assert!(poll_once(w).is_pending());
    }
    for _ in 0..5 {
        drop(holder.take());
        for (i, slot) in waiters.iter_mut().enumerate().rev() {
            if let Some(w) = slot {
                if let Poll::Ready(mut g) = poll_once(w) {
                    g.push(i);
                    holder = Some(g);
                    *slot = None;
                }
            }
        }
    }
    assert_eq!(*holder.unwrap(), [0, 1, 2, 3, 4]);
}

#[test]
fn fifo_across_threads() {
    let m = Arc::new(Mutex::new(Vec::new()));
    let held = m.clone().try_lock_owned().unwrap();
    let mut threads = Vec::new();
    for i in 0..4 {
        let m2 = m.clone();
        let (queued_tx, queued_rx) = std::sync::mpsc::channel();
        threads.push(std::thread::spawn(move || {
            run(async move {
                let mut lock = Box::pin(m2.lock());
                let first = std::future::poll_fn(|cx| Poll::Ready(lock.as_mut().poll(cx))).await;
                assert!(first.is_pending());
                queued_tx.send(()).unwrap();
                lock.await.push(i);
            })
        }));
        queued_rx.recv().unwrap();
    }
    drop(held);
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*m.blocking_lock(), [0, 1, 2, 3]);
}

#[test]
fn contended_counter() {
    let m = Arc::new(Mutex::new(0u64));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let m = m.clone();
            std::thread::spawn(move || {
                run(async move {
                    for _ in 0..5_000 {
                        *m.lock().await += 1;
                    }
                })
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*m.blocking_lock(), 40_000);
}

#[test]
fn lock_consumes_cooperative_budget() {
    use weft_core::coop;
    let m = Mutex::new(());
    coop::with_budget(coop::Budget::new(0), || {
        assert!(poll_once(&mut Box::pin(m.lock())).is_pending());
    });
    assert!(m.try_lock().is_ok());
}

#[test]
fn rwlock_readers_share_writer_excludes() {
    run(async {
        let l = RwLock::new(1);
        let a = l.read().await;
        let b = l.try_read().unwrap();
        assert_eq!(*a + *b, 2);
        assert!(l.try_write().is_err());
        drop((a, b));
        let mut w = l.write().await;
        *w = 5;
        assert!(l.try_read().is_err());
        drop(w);
        assert_eq!(*l.read().await, 5);
        assert_eq!(l.into_inner(), 5);
    });
}

#[test]
fn rwlock_is_write_preferring() {
    let l = RwLock::new(0);
    let reader = l.try_read().unwrap();
    let mut writer = Box::pin(l.write());
    assert!(poll_once(&mut writer).is_pending());
    // A writer waits: new readers queue behind it instead of joining the current reader.
    assert!(l.try_read().is_err());
    let mut late_reader = Box::pin(l.read());
    assert!(poll_once(&mut late_reader).is_pending());
    drop(reader);
    assert!(poll_once(&mut late_reader).is_pending());
    let Poll::Ready(mut w) = poll_once(&mut writer) else {
        panic!("the writer must get the lock once the reader leaves")
    };
    *w = 1;
    drop(w);
    let Poll::Ready(r) = poll_once(&mut late_reader) else {
        panic!("the reader queued behind the writer gets the lock next")
    };
    assert_eq!(*r, 1);
}

#[test]
fn rwlock_cancelled_writer_lets_readers_in() {
    let l = RwLock::new(0);
    let reader = l.try_read().unwrap();
    let mut writer = Box::pin(l.write());
    assert!(poll_once(&mut writer).is_pending());
    let (count, waker) = counting_waker();
    let mut late_reader = Box::pin(l.read());
    assert!(poll_with(&mut late_reader, &waker).is_pending());
    drop(writer);
    assert_eq!(
        count.count(),
        1,
        "the reader behind a cancelled writer is woken"
    );
    assert!(poll_with(&mut late_reader, &waker).is_ready());
    drop(reader);
}

#[test]
fn rwlock_many_threads() {
    let l = Arc::new(RwLock::new(0u64));
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let l = l.clone();
            std::thread::spawn(move || {
                run(async move {
                    for _ in 0..2_000 {
                        if i % 2 == 0 {
                            *l.write().await += 1;
                        } else {
                            let v = *l.read().await;
                            assert!(v <= 4_000);
                        }
                    }
                })
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*run(l.read()), 4_000);
}

#[test]
fn guards_debug() {
    let l = RwLock::new(3);
    assert_eq!(format!("{:?}", l.try_read().unwrap()), "3");
    assert_eq!(format!("{l:?}"), "RwLock { data: 3 }");
}

#[test]
fn rwlock_downgrade_lets_readers_in_but_not_writers() {
    let l = RwLock::new(1);
    let mut w = l.try_write().unwrap();
    *w = 2;
    let mut reader = Box::pin(l.read());
    assert!(poll_once(&mut reader).is_pending());
    let r = w.downgrade();
    assert_eq!(*r, 2);
    let Poll::Ready(r2) = poll_once(&mut reader) else {
        panic!("a queued reader joins after the downgrade")
    };
    assert_eq!(*r2, 2);
    assert!(l.try_write().is_err());
    drop((r, r2));
    assert!(l.try_write().is_ok());
}

#[test]
fn rwlock_owned_guards() {
    run(async {
        let l = Arc::new(RwLock::new(1));
        let r = l.clone().read_owned().await;
        let r2 = l.clone().try_read_owned().unwrap();
        assert!(l.clone().try_write_owned().is_err());
        let t = std::thread::spawn(move || *r + *r2);
        assert_eq!(t.join().unwrap(), 2);
        let mut w = l.clone().write_owned().await;
        *w = 3;
        let r = w.downgrade();
        assert!(l.clone().try_write_owned().is_err());
        assert_eq!(*l.clone().try_read_owned().unwrap(), 3);
        drop(r);
        let w = l.clone().try_write_owned().unwrap();
        assert_eq!(format!("{w:?}"), "3");
    });
}

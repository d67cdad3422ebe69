//! The synchronisation benchmarks: each primitive family on its own runtime
//! (weft::sync on weft, tokio::sync on tokio, async-channel / async-lock on smol's executor).
//! All the work runs in spawned tasks on the runtime's workers; `block_on` only waits.

use std::sync::Arc;

use crate::{Rt, Smol, Tokio, Weft};

/// Messages per mpsc run, split over the producers.
pub const MESSAGES: usize = 1_000_000;
/// Bounded channel capacity.
pub const CAPACITY: usize = 1024;
/// Tasks contending for the mutex.
pub const MUTEX_TASKS: usize = 8;
/// Lock/unlock pairs per task.
pub const MUTEX_LOCKS: usize = 100_000;
/// Oneshot create+send+recv per run.
pub const ONESHOTS: usize = 100_000;

fn check_sum(sum: u64) {
    let n = MESSAGES as u64;
    assert_eq!(sum, n * (n - 1) / 2, "lost or duplicated messages");
}

// ------------------------------------------------------------------ mpsc

/// `producers` tasks send `MESSAGES` in total through a bounded(1024) channel to one receiving task.
pub fn mpsc_weft(rt: &Weft, producers: usize) {
    let sp = rt.spawner();
    let sum = rt.block_on(Weft::spawn(&sp.clone(), async move {
        let (tx, mut rx) = weft::sync::mpsc::channel::<u64>(CAPACITY);
        let per = MESSAGES / producers;
        for p in 0..producers {
            let tx = tx.clone();
            Weft::detach(Weft::spawn(&sp, async move {
                for i in p * per..(p + 1) * per {
                    tx.send(i as u64).await.unwrap();
                }
            }));
        }
        drop(tx);
        let mut sum = 0;
        while let Some(v) = rx.recv().await {
            sum += v;
        }
        sum
    }));
    check_sum(sum);
}

/// As [`mpsc_weft`], with `tokio::sync::mpsc` on tokio.
pub fn mpsc_tokio(rt: &Tokio, producers: usize) {
    let sp = rt.spawner();
    let sum = rt.block_on(Tokio::spawn(&sp.clone(), async move {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<u64>(CAPACITY);
        let per = MESSAGES / producers;
        for p in 0..producers {
            let tx = tx.clone();
            Tokio::detach(Tokio::spawn(&sp, async move {
                for i in p * per..(p + 1) * per {
                    tx.send(i as u64).await.unwrap();
                }
            }));
        }
        drop(tx);
        let mut sum = 0;
        while let Some(v) = rx.recv().await {
            sum += v;
        }
        sum
    }));
    check_sum(sum);
}

/// As [`mpsc_weft`], with `async_channel::bounded` on smol's executor.
pub fn mpsc_smol(rt: &Smol, producers: usize) {
    let sp = rt.spawner();
    let sum = rt.block_on(Smol::spawn(&sp.clone(), async move {
        let (tx, rx) = async_channel::bounded::<u64>(CAPACITY);
        let per = MESSAGES / producers;
        for p in 0..producers {
            let tx = tx.clone();
            Smol::detach(Smol::spawn(&sp, async move {
                for i in p * per..(p + 1) * per {
                    tx.send(i as u64).await.unwrap();
                }
            }));
        }
        drop(tx);
        let mut sum = 0;
        while let Ok(v) = rx.recv().await {
            sum += v;
        }
        sum
    }));
    check_sum(sum);
}

// ------------------------------------------------------------------ mutex

fn check_count(n: u64) {
    assert_eq!(n, (MUTEX_TASKS * MUTEX_LOCKS) as u64, "lost increments");
}

/// `MUTEX_TASKS` tasks each lock, increment and unlock one shared counter `MUTEX_LOCKS` times.
pub fn mutex_weft(rt: &Weft) {
    let sp = rt.spawner();
    let m = Arc::new(weft::sync::Mutex::new(0u64));
    let hs: Vec<_> = (0..MUTEX_TASKS)
        .map(|_| {
            let m = m.clone();
            Weft::spawn(&sp, async move {
                for _ in 0..MUTEX_LOCKS {
                    *m.lock().await += 1;
                }
            })
        })
        .collect();
    rt.block_on(async {
        for h in hs {
            h.await;
        }
    });
    check_count(*rt.block_on(m.lock()));
}

/// As [`mutex_weft`], with `tokio::sync::Mutex`.
pub fn mutex_tokio(rt: &Tokio) {
    let sp = rt.spawner();
    let m = Arc::new(tokio::sync::Mutex::new(0u64));
    let hs: Vec<_> = (0..MUTEX_TASKS)
        .map(|_| {
            let m = m.clone();
            Tokio::spawn(&sp, async move {
                for _ in 0..MUTEX_LOCKS {
                    *m.lock().await += 1;
                }
            })
        })
        .collect();
    rt.block_on(async {
        for h in hs {
            h.await;
        }
    });
    check_count(*rt.block_on(m.lock()));
}

/// As [`mutex_weft`], with `async_lock::Mutex` on smol's executor.
pub fn mutex_smol(rt: &Smol) {
    let sp = rt.spawner();
    let m = Arc::new(async_lock::Mutex::new(0u64));
    let hs: Vec<_> = (0..MUTEX_TASKS)
        .map(|_| {
            let m = m.clone();
            Smol::spawn(&sp, async move {
                for _ in 0..MUTEX_LOCKS {
                    *m.lock().await += 1;
                }
            })
        })
        .collect();
    rt.block_on(async {
        for h in hs {
            h.await;
        }
    });
    check_count(*rt.block_on(m.lock()));
}

// ------------------------------------------------------------------ oneshot

/// `ONESHOTS` times, in one task: create a oneshot, send a value, receive it.
pub fn oneshot_weft(rt: &Weft) {
    let sum = rt.block_on(Weft::spawn(&rt.spawner(), async {
        let mut sum = 0u64;
        for i in 0..ONESHOTS as u64 {
            let (tx, rx) = weft::sync::oneshot::channel();
            tx.send(i).unwrap();
            sum += rx.await.unwrap();
        }
        sum
    }));
    assert_eq!(sum, (ONESHOTS as u64) * (ONESHOTS as u64 - 1) / 2);
}

/// As [`oneshot_weft`], with `tokio::sync::oneshot`.
pub fn oneshot_tokio(rt: &Tokio) {
    let sum = rt.block_on(Tokio::spawn(&rt.spawner(), async {
        let mut sum = 0u64;
        for i in 0..ONESHOTS as u64 {
            let (tx, rx) = tokio::sync::oneshot::channel();
            tx.send(i).unwrap();
            sum += rx.await.unwrap();
        }
        sum
    }));
    assert_eq!(sum, (ONESHOTS as u64) * (ONESHOTS as u64 - 1) / 2);
}

/// As [`oneshot_weft`], with `async_channel::bounded(1)` (smol's ecosystem has no oneshot of its
/// own; this is what smol code uses).
pub fn oneshot_smol(rt: &Smol) {
    let sum = rt.block_on(Smol::spawn(&rt.spawner(), async {
        let mut sum = 0u64;
        for i in 0..ONESHOTS as u64 {
            let (tx, rx) = async_channel::bounded(1);
            tx.try_send(i).unwrap();
            sum += rx.recv().await.unwrap();
        }
        sum
    }));
    assert_eq!(sum, (ONESHOTS as u64) * (ONESHOTS as u64 - 1) / 2);
}

/// `ONESHOTS` times: create a oneshot, hand the sender to a spawned task that sends, await the
/// receiver (the cross-task, waking path).
pub fn oneshot_cross_weft(rt: &Weft) {
    let sp = rt.spawner();
    rt.block_on(Weft::spawn(&sp.clone(), async move {
        for i in 0..ONESHOTS as u64 / 10 {
            let (tx, rx) = weft::sync::oneshot::channel();
            Weft::detach(Weft::spawn(&sp, async move {
                let _ = tx.send(i);
            }));
            assert_eq!(rx.await.unwrap(), i);
        }
    }));
}

/// As [`oneshot_cross_weft`], with tokio.
pub fn oneshot_cross_tokio(rt: &Tokio) {
    let sp = rt.spawner();
    rt.block_on(Tokio::spawn(&sp.clone(), async move {
        for i in 0..ONESHOTS as u64 / 10 {
            let (tx, rx) = tokio::sync::oneshot::channel();
            Tokio::detach(Tokio::spawn(&sp, async move {
                let _ = tx.send(i);
            }));
            assert_eq!(rx.await.unwrap(), i);
        }
    }));
}

/// As [`oneshot_cross_weft`], with async-channel bounded(1) on smol.
pub fn oneshot_cross_smol(rt: &Smol) {
    let sp = rt.spawner();
    rt.block_on(Smol::spawn(&sp.clone(), async move {
        for i in 0..ONESHOTS as u64 / 10 {
            let (tx, rx) = async_channel::bounded(1);
            Smol::detach(Smol::spawn(&sp, async move {
                let _ = tx.try_send(i);
            }));
            assert_eq!(rx.recv().await.unwrap(), i);
        }
    }));
}

//! Multi-thread specifics: work really spreads over the workers, shutdown with stuck or
//! self-dropping runtimes, many outside threads.
#![allow(missing_docs)]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use support::*;
use weft_runtime::{spawn, Builder, Runtime};

fn rt(workers: usize) -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .build()
        .unwrap()
}

#[test]
fn tasks_run_in_parallel_on_all_workers() {
    let rt = rt(2);
    let barrier = Arc::new(Barrier::new(2));
    rt.block_on(async {
        // Each task blocks its worker until the other arrives: this only finishes if the two
        // tasks run on two workers at once (the second one woken or stolen).
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let b = barrier.clone();
                spawn(async move {
                    b.wait();
                })
            })
            .collect();
        for h in hs {
            h.await.unwrap();
        }
    });
}

#[test]
fn spawns_from_inside_a_task_spread_by_stealing() {
    let rt = rt(2);
    let barrier = Arc::new(Barrier::new(2));
    let b = barrier.clone();
    rt.block_on(spawn_on(&rt, async move {
        // Both tasks land in this worker's queue; the other worker must steal one.
        let b2 = b.clone();
        let x = spawn(async move {
            b.wait();
        });
        let y = spawn(async move {
            b2.wait();
        });
        x.await.unwrap();
        y.await.unwrap();
    }))
    .unwrap();
}

fn spawn_on<F>(rt: &Runtime, f: F) -> weft_runtime::task::JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    rt.spawn(f)
}

#[test]
fn shutdown_timeout_with_a_stuck_worker() {
    let rt = rt(2);
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
    let stuck = rt.spawn(async move {
        started_tx.send(()).unwrap();
        let _ = release_rx.recv();
    });
    started_rx.recv().unwrap();
    let drops = DropCounter::default();
    let token = drops.token();
    let pending = rt.spawn(async move {
        let _t = token;
        std::future::pending::<()>().await;
    });
    rt.shutdown_timeout(Duration::from_millis(50));
    // The idle task was cancelled even though one worker is stuck.
    assert_eq!(drops.count(), 1);
    assert!(block_on_outside(pending).unwrap_err().is_cancelled());
    drop(release_tx);
    // The stuck task finishes its poll (it completes).
    assert!(block_on_outside(stuck).is_ok());
}

#[test]
fn dropping_the_runtime_inside_its_own_task() {
    let rt = rt(2);
    let handle = rt.handle().clone();
    let (tx, rx) = std::sync::mpsc::channel();
    drop(handle.spawn(async move {
        drop(rt);
        tx.send(()).unwrap();
    }));
    rx.recv_timeout(Duration::from_secs(10))
        .expect("dropping a runtime from its own worker must not deadlock");
}

#[test]
fn many_outside_threads_spawn_and_block_on() {
    let rt = rt(2);
    let done = Arc::new(AtomicUsize::new(0));
    std::thread::scope(|s| {
        for t in 0..4 {
            let handle = rt.handle().clone();
            let done = done.clone();
            s.spawn(move || {
                for i in 0..100 {
                    let v = handle.block_on(handle.spawn(async move { t * 1000 + i }));
                    assert_eq!(v.unwrap(), t * 1000 + i);
                    done.fetch_add(1, SeqCst);
                }
            });
        }
    });
    assert_eq!(done.load(SeqCst), 400);
}

#[test]
fn single_worker_runs_everything() {
    let rt = rt(1);
    let hs: Vec<_> = (0..10_000u64).map(|i| rt.spawn(async move { i })).collect();
    let sum = rt.block_on(async move {
        let mut sum = 0;
        for h in hs {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, 9_999 * 10_000 / 2);
}

#[test]
fn ping_pong_between_tasks() {
    // Tasks waking each other exercise the LIFO slot (and its fairness limit).
    let rt = rt(2);
    let out = rt.block_on(async {
        let mut total = 0;
        for round in 0..200u32 {
            let (tx, rx) = oneshot();
            let a = spawn(async move { rx.await.unwrap() + 1 });
            let b = spawn(async move { tx.send(round) });
            b.await.unwrap();
            total += a.await.unwrap();
        }
        total
    });
    assert_eq!(out, (1..=200).sum::<u32>());
}

#[test]
fn injector_is_not_starved_by_a_busy_local_queue() {
    // One worker whose local queue never empties (two tasks yielding forever): a task spawned
    // from outside still runs, because the injector is checked every global_queue_interval ticks.
    let rt = rt(1);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let spins = Arc::new(AtomicUsize::new(0));
    for _ in 0..2 {
        let (stop, spins) = (stop.clone(), spins.clone());
        drop(rt.spawn(async move {
            while !stop.load(SeqCst) {
                spins.fetch_add(1, SeqCst);
                yield_now().await;
            }
        }));
    }
    // Both yielders now cycle in the worker's local queue; only then spawn from outside.
    while spins.load(SeqCst) < 100 {
        std::thread::yield_now();
    }
    let s = stop.clone();
    let outside = rt.spawn(async move { s.store(true, SeqCst) });
    rt.block_on(outside).unwrap();
}

#[test]
fn lifo_ping_pong_does_not_starve_others() {
    // Two tasks hand a baton back and forth forever; each hand-over wakes the other, which lands
    // in the LIFO slot. Mid-game a player spawns a stopper, which waits in the ordinary queue: it
    // must still get its turn (the LIFO slot yields after a few polls in a row).
    use std::sync::atomic::AtomicBool;
    use std::sync::Mutex;
    use std::task::{Poll, Waker};

    #[derive(Default)]
    struct Baton {
        turn: Mutex<(usize, [Option<Waker>; 2])>,
    }
    let rt = rt(1);
    let stop = Arc::new(AtomicBool::new(false));
    let baton = Arc::new(Baton::default());
    let out = rt.block_on(rt.spawn({
        let (stop, baton) = (stop.clone(), baton.clone());
        async move {
            let players: Vec<_> = (0..2usize)
                .map(|me| {
                    let (stop, baton) = (stop.clone(), baton.clone());
                    spawn(async move {
                        let mut rounds = 0;
                        while !stop.load(SeqCst) {
                            rounds += 1;
                            std::future::poll_fn(|cx| {
                                let mut t = baton.turn.lock().unwrap();
                                if t.0 % 2 == me || stop.load(SeqCst) {
                                    t.0 += 1;
                                    if me == 0 && rounds == 10 {
                                        // Spawned before the hand-over: the woken player takes
                                        // the LIFO slot and the stopper goes to the queue.
                                        let stop = stop.clone();
                                        drop(spawn(async move { stop.store(true, SeqCst) }));
                                    }
                                    // Hand the baton over: wake the other player.
                                    if let Some(w) = t.1[1 - me].take() {
                                        drop(t);
                                        w.wake();
                                    }
                                    Poll::Ready(())
                                } else {
                                    t.1[me] = Some(cx.waker().clone());
                                    Poll::Pending
                                }
                            })
                            .await;
                        }
                    })
                })
                .collect();
            for p in players {
                p.await.unwrap();
            }
            true
        }
    }));
    assert!(out.unwrap());
}

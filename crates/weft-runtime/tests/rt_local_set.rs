//! `LocalSet` on both runtime flavours: `!Send` tasks run on the thread that drives the set,
//! wakes from other threads reach it, tasks outlive one `run_until` and are cancelled on the
//! owner thread when the set drops.
#![allow(missing_docs)]

mod support;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};

use support::{oneshot, runtimes, yield_now};
use weft_core::task_local;
use weft_runtime::task::LocalSet;
use weft_runtime::{spawn, spawn_local, Builder};

#[test]
fn local_tasks_run_on_the_owner_thread_on_both_flavours() {
    for rt in runtimes() {
        let local = LocalSet::new();
        let me = thread::current().id();
        let counter = Rc::new(Cell::new(0));
        let out = local.block_on(&rt, async {
            let mut handles = Vec::new();
            for i in 0..100u32 {
                let counter = counter.clone();
                handles.push(spawn_local(async move {
                    assert_eq!(thread::current().id(), me);
                    yield_now().await;
                    counter.set(counter.get() + 1);
                    assert_eq!(thread::current().id(), me);
                    i
                }));
            }
            let mut sum = 0;
            for h in handles {
                sum += h.await.unwrap();
            }
            sum
        });
        assert_eq!(out, (0..100).sum::<u32>());
        assert_eq!(counter.get(), 100);
    }
}

#[test]
fn wakes_from_other_threads_are_delivered_to_the_owner() {
    for rt in runtimes() {
        let local = LocalSet::new();
        let me = thread::current().id();
        let ran_on: Rc<RefCell<Vec<ThreadId>>> = Rc::default();
        let seen = ran_on.clone();
        local.block_on(&rt, async move {
            let mut handles = Vec::new();
            for _ in 0..8 {
                let (tx, rx) = oneshot::<u32>();
                let seen = seen.clone();
                handles.push(spawn_local(async move {
                    let v = rx.await.unwrap();
                    seen.borrow_mut().push(thread::current().id());
                    v
                }));
                // Woken from a plain thread and from a runtime task.
                thread::spawn(move || tx.send(1));
            }
            let (tx, rx) = oneshot::<u32>();
            handles.push(spawn_local(async move { rx.await.unwrap() }));
            spawn(async move { tx.send(2) }).await.unwrap();
            let mut total = 0;
            for h in handles {
                total += h.await.unwrap();
            }
            assert_eq!(total, 10);
        });
        assert_eq!(*ran_on.borrow(), vec![me; 8]);
    }
}

#[test]
fn tasks_spawned_before_or_left_by_run_until_run_in_the_next() {
    for rt in runtimes() {
        let local = LocalSet::new();
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = log.clone();
        let early = local.spawn_local(async move {
            l.borrow_mut().push("early");
            7
        });
        let l = log.clone();
        let gate = Rc::new(Cell::new(false));
        let g = gate.clone();
        let late = local.spawn_local(async move {
            while !g.get() {
                yield_now().await;
            }
            l.borrow_mut().push("late");
        });
        assert_eq!(local.block_on(&rt, early).unwrap(), 7);
        assert_eq!(*log.borrow(), ["early"]);
        gate.set(true);
        local.block_on(&rt, late).unwrap();
        assert_eq!(*log.borrow(), ["early", "late"]);
    }
}

#[test]
fn dropping_the_set_cancels_its_tasks_on_its_own_thread() {
    struct RecordDrop {
        threads: Arc<Mutex<Vec<ThreadId>>>,
        _not_send: Rc<()>,
    }
    impl Drop for RecordDrop {
        fn drop(&mut self) {
            self.threads.lock().unwrap().push(thread::current().id());
        }
    }
    for rt in runtimes() {
        let dropped = Arc::new(Mutex::new(Vec::new()));
        let local = LocalSet::new();
        let handles: Vec<_> = (0..3)
            .map(|i| {
                let guard = RecordDrop {
                    threads: dropped.clone(),
                    _not_send: Rc::new(()),
                };
                local.spawn_local(async move {
                    let _guard = guard;
                    if i > 0 {
                        std::future::pending::<()>().await; // idle when the set drops
                    }
                })
            })
            .collect();
        // Run once so two of them are idle, then drop the set.
        local.block_on(&rt, async { yield_now().await });
        let never_run = local.spawn_local(std::future::pending::<()>());
        drop(local);
        assert_eq!(*dropped.lock().unwrap(), vec![thread::current().id(); 3]);
        let mut results = handles.into_iter().map(|h| rt.block_on(h));
        assert!(results.next().unwrap().is_ok());
        assert!(results.all(|r| r.unwrap_err().is_cancelled()));
        assert!(rt.block_on(never_run).unwrap_err().is_cancelled());
    }
}

#[test]
fn local_tasks_spawn_local_tasks_and_inherit_task_locals() {
    task_local! { static USER: &'static str; }
    for rt in runtimes() {
        let local = LocalSet::new();
        let out = local.block_on(
            &rt,
            USER.scope("ada", async {
                spawn_local(async {
                    let inner = spawn_local(async { USER.get() });
                    (
                        USER.get(),
                        inner.await.unwrap(),
                        weft_runtime::task::try_id().is_some(),
                    )
                })
                .await
                .unwrap()
            }),
        );
        assert_eq!(out, ("ada", "ada", true));
    }
}

#[test]
fn many_local_tasks_yield_and_finish() {
    for rt in runtimes() {
        let local = LocalSet::new();
        let done = Rc::new(Cell::new(0u32));
        let d = done.clone();
        local.block_on(&rt, async move {
            let handles: Vec<_> = (0..10_000)
                .map(|_| {
                    let d = d.clone();
                    spawn_local(async move {
                        yield_now().await;
                        d.set(d.get() + 1);
                    })
                })
                .collect();
            for h in handles {
                h.await.unwrap();
            }
        });
        assert_eq!(done.get(), 10_000);
    }
}

#[test]
fn spawn_local_outside_a_set_on_a_multi_thread_runtime_names_the_fix() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async { drop(spawn_local(async {})) })
    }))
    .unwrap_err();
    let msg = support::panic_message(&*err);
    assert!(msg.contains("LocalSet::run_until"), "{msg}");
}

#[test]
fn a_set_dropped_while_other_threads_wake_its_tasks_drops_each_future_once_on_its_thread() {
    struct OnOwner {
        owner: ThreadId,
        drops: Arc<Mutex<Vec<ThreadId>>>,
        _alive: Arc<()>,
    }
    impl Drop for OnOwner {
        fn drop(&mut self) {
            let me = thread::current().id();
            assert_eq!(me, self.owner, "a local future was dropped off its thread");
            self.drops.lock().unwrap().push(me);
        }
    }
    for rt in runtimes() {
        for round in 0..200 {
            let local = LocalSet::new();
            let alive = Arc::new(());
            let drops = Arc::new(Mutex::new(Vec::new()));
            let mut senders = Vec::new();
            for _ in 0..2 {
                let (tx, rx) = oneshot::<()>();
                let guard = OnOwner {
                    owner: thread::current().id(),
                    drops: drops.clone(),
                    _alive: alive.clone(),
                };
                drop(local.spawn_local(async move {
                    let _guard = guard;
                    let _ = rx.await;
                    std::future::pending::<()>().await
                }));
                senders.push(tx);
            }
            // Both tasks wait on their receivers; the wakes race with the drop below.
            local.block_on(&rt, yield_now());
            let wakers: Vec<_> = senders
                .into_iter()
                .map(|tx| thread::spawn(move || tx.send(())))
                .collect();
            if round % 2 == 0 {
                thread::yield_now();
            }
            drop(local);
            for w in wakers {
                w.join().unwrap();
            }
            assert_eq!(drops.lock().unwrap().len(), 2);
            assert_eq!(Arc::strong_count(&alive), 1, "a future outlived its set");
        }
    }
}

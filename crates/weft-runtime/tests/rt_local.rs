//! Current-thread specifics: `spawn_local` and `!Send` tasks, several threads on one runtime.
#![allow(missing_docs)]

mod support;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use support::*;
use weft_runtime::{spawn, spawn_local, Builder, Runtime};

fn rt() -> Runtime {
    Builder::new_current_thread().build().unwrap()
}

#[test]
fn spawn_local_runs_non_send_futures() {
    let out = rt().block_on(async {
        let counter = Rc::new(Cell::new(0));
        let mut hs = Vec::new();
        for _ in 0..10 {
            let c = counter.clone();
            hs.push(spawn_local(async move {
                yield_now().await;
                c.set(c.get() + 1);
                Rc::new(c.get())
            }));
        }
        for h in hs {
            h.await.unwrap();
        }
        counter.get()
    });
    assert_eq!(out, 10);
}

#[test]
fn local_task_woken_from_another_thread() {
    let (tx, rx) = oneshot();
    let out = rt().block_on(async move {
        let local = Rc::new(5);
        let h = spawn_local(async move { *local + rx.await.unwrap() });
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(10));
            tx.send(1);
        });
        let out = h.await.unwrap();
        t.join().unwrap();
        out
    });
    assert_eq!(out, 6);
}

#[test]
fn local_and_send_tasks_interleave() {
    let out = rt().block_on(async {
        let log = Rc::new(std::cell::RefCell::new(Vec::new()));
        let l = log.clone();
        let local = spawn_local(async move {
            for i in 0..3 {
                l.borrow_mut().push(i);
                yield_now().await;
            }
        });
        let send = spawn(async {
            for _ in 0..3 {
                yield_now().await;
            }
            7
        });
        local.await.unwrap();
        let v = send.await.unwrap();
        let n = log.borrow().len();
        (v, n)
    });
    assert_eq!(out, (7, 3));
}

#[test]
#[allow(clippy::async_yields_async)] // the block returns the JoinHandle on purpose
fn local_tasks_cancelled_at_shutdown_on_owner() {
    let drops = DropCounter::default();
    let rt = rt();
    let token = drops.token();
    let h = rt.block_on(async move {
        let rc = Rc::new(token);
        let h = spawn_local(async move {
            let _rc = rc;
            std::future::pending::<()>().await;
        });
        yield_now().await;
        h
    });
    drop(rt);
    assert_eq!(drops.count(), 1);
    assert!(block_on_outside(h).unwrap_err().is_cancelled());
}

#[test]
fn shutdown_off_owner_thread_does_not_drop_local_tasks_there() {
    let drops = DropCounter::default();
    let rt = rt();
    let token = drops.token();
    rt.block_on(async move {
        let rc = Rc::new(token);
        drop(spawn_local(async move {
            let _rc = rc;
            std::future::pending::<()>().await;
        }));
    });
    // Dropping the runtime elsewhere must not drop the `Rc` on that thread.
    std::thread::spawn(move || drop(rt)).join().unwrap();
    assert_eq!(drops.count(), 0);
}

#[test]
fn spawn_local_from_a_second_thread_panics() {
    let rt = rt();
    rt.block_on(async {
        drop(spawn_local(async {}));
    });
    let handle = rt.handle().clone();
    std::thread::spawn(move || {
        let _g = handle.enter();
        expect_panic("local tasks belong to another thread", || {
            drop(spawn_local(async {}));
        });
    })
    .join()
    .unwrap();
}

#[test]
fn spawn_local_on_multi_thread_panics() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    expect_panic(
        "spawn_local needs a current-thread runtime or a LocalSet",
        || {
            rt.block_on(async {
                drop(spawn_local(async {}));
            });
        },
    );
    let err = rt
        .block_on(rt.spawn(async {
            drop(spawn_local(async {}));
        }))
        .unwrap_err();
    assert!(panic_message(&*err.into_panic())
        .contains("spawn_local needs a current-thread runtime or a LocalSet"));
}

#[test]
fn second_block_on_thread_while_one_drives() {
    let rt = rt();
    let handle = rt.handle().clone();
    let (stop_tx, stop_rx) = oneshot::<()>();
    let driver = std::thread::spawn(move || handle.block_on(stop_rx));
    std::thread::sleep(Duration::from_millis(10));
    // This thread cannot take the core while the other drives; its spawned task runs there.
    let out = rt.block_on(async { spawn(async { 40 }).await.unwrap() + 2 });
    assert_eq!(out, 42);
    stop_tx.send(());
    driver.join().unwrap();
    // The core came back: this thread can drive again.
    assert_eq!(rt.block_on(async { spawn(async { 1 }).await.unwrap() }), 1);
}

#[test]
fn tasks_spawned_from_outside_run_inside_block_on() {
    let rt = rt();
    let h = rt.spawn(async { 3 });
    assert!(!h.is_finished());
    assert_eq!(rt.block_on(h).unwrap(), 3);
}

#[test]
fn dropping_the_runtime_inside_its_own_task() {
    let rt = rt();
    let handle = rt.handle().clone();
    let drops = DropCounter::default();
    let token = drops.token();
    drop(handle.spawn(async move {
        let _t = token;
        std::future::pending::<()>().await;
    }));
    let (tx, rx) = std::sync::mpsc::channel();
    let dropper = handle.spawn(async move {
        drop(rt);
        tx.send(()).unwrap();
    });
    // Drive from another thread so a hang fails the test instead of blocking it.
    let t = std::thread::spawn(move || {
        let _ = handle.block_on(dropper);
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("dropping a runtime from its own task must not deadlock");
    t.join().unwrap();
    assert_eq!(drops.count(), 1);
}

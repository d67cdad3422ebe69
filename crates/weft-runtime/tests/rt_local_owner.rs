//! A current-thread runtime's `spawn_local` tasks are only ever dropped on their owner thread:
//! dropped there, the runtime cancels them all; dropped on another thread, it hands them back to
//! the owner, which cancels them at its next `block_on` poll (woken by the hand-over, even while
//! it waits inside another runtime on one of them) or when it exits; only if the owner already
//! exited are they leaked (with a message). The multi-thread flavour has no
//! `spawn_local` outside a `LocalSet`, and a `LocalSet` cannot leave its thread (it is `!Send`).
//! The stderr case runs in a child process.
#![allow(missing_docs)]

mod support;

use std::process::Command;
use std::rc::Rc;
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::thread::{self, ThreadId};

use support::{block_on_outside, oneshot, yield_now, Sender};
use weft_core::task::{live_task_count, JoinHandle};
use weft_runtime::{spawn_local, Builder, Runtime};

/// `live_task_count` is process-wide: one test at a time.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn new_rt() -> Runtime {
    Builder::new_current_thread().build().unwrap()
}

/// Records the thread each future was dropped on; `!Send` like the futures it guards.
struct RecordDrop {
    threads: Arc<Mutex<Vec<ThreadId>>>,
    _not_send: Rc<()>,
}

impl Drop for RecordDrop {
    fn drop(&mut self) {
        self.threads.lock().unwrap().push(thread::current().id());
    }
}

type Drops = Arc<Mutex<Vec<ThreadId>>>;

/// Spawns, inside `rt.block_on`, local tasks in every state a shutdown can find them in: idle
/// (waiting forever), idle waiting on a signal (returned, to be fired later), finished with its
/// output unread, and queued (spawned last, never polled). Returns their handles.
fn spawn_locals(rt: &Runtime, drops: &Drops) -> (Vec<JoinHandle<()>>, Sender<()>) {
    let guard = || RecordDrop {
        threads: drops.clone(),
        _not_send: Rc::new(()),
    };
    let (g1, g2, g3, g4) = (guard(), guard(), guard(), guard());
    let (tx, rx) = oneshot::<()>();
    let handles = rt.block_on(async move {
        let idle = spawn_local(async move {
            let _g = g1;
            std::future::pending::<()>().await
        });
        let signalled = spawn_local(async move {
            let _g = g2;
            let _ = rx.await;
            std::future::pending::<()>().await
        });
        let finished = spawn_local(async move {
            drop(g3);
        });
        for _ in 0..3 {
            yield_now().await;
        }
        let queued = spawn_local(async move {
            let _g = g4;
        });
        vec![idle, signalled, finished, queued]
    });
    (handles, tx)
}

fn only(drops: &Drops, n: usize, on: ThreadId) {
    let d = drops.lock().unwrap();
    assert_eq!(d.len(), n, "{d:?}");
    assert!(d.iter().all(|t| *t == on), "dropped off {on:?}: {d:?}");
}

#[test]
fn dropped_on_the_owner_thread_the_runtime_cancels_every_local_task_there() {
    let _s = serial();
    let base = live_task_count();
    let drops = Drops::default();
    let rt = new_rt();
    let (handles, tx) = spawn_locals(&rt, &drops);
    only(&drops, 1, thread::current().id()); // the finished one
    drop(rt);
    only(&drops, 4, thread::current().id());
    drop(tx); // it holds a waker (a reference) of a cancelled task
    let results: Vec<_> = handles.into_iter().map(block_on_outside).collect();
    assert!(results[2].is_ok());
    assert!(results
        .iter()
        .enumerate()
        .all(|(i, r)| i == 2 || r.as_ref().unwrap_err().is_cancelled()));
    assert_eq!(live_task_count(), base, "a task cell leaked");
}

#[test]
fn dropped_off_the_owner_thread_the_owner_cancels_them_at_its_next_block_on() {
    let _s = serial();
    let base = live_task_count();
    let drops = Drops::default();
    let rt = new_rt();
    let (handles, tx) = spawn_locals(&rt, &drops);
    let me = thread::current().id();
    thread::spawn(move || drop(rt)).join().unwrap();
    only(&drops, 1, me);
    // A wake that reaches a local task on a third thread after the shutdown: handed back too.
    thread::spawn(move || tx.send(())).join().unwrap();
    only(&drops, 1, me);
    // Entering any runtime on the owner thread cancels them here.
    new_rt().block_on(async {});
    only(&drops, 4, me);
    for (i, h) in handles.into_iter().enumerate() {
        let r = block_on_outside(h);
        assert_eq!(r.is_ok(), i == 2, "{i}: {r:?}");
    }
    assert_eq!(live_task_count(), base, "a task cell leaked");
}

#[test]
fn dropped_off_the_owner_thread_the_owner_cancels_them_when_it_exits() {
    let _s = serial();
    let base = live_task_count();
    let drops = Drops::default();
    let (rt_tx, rt_rx) = mpsc::channel::<Runtime>();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let d = drops.clone();
    let owner = thread::spawn(move || {
        let rt = new_rt();
        let (handles, tx) = spawn_locals(&rt, &d);
        rt_tx.send(rt).unwrap();
        done_rx.recv().unwrap();
        // Exits without entering a runtime again; the handles go with it.
        drop((handles, tx));
        thread::current().id()
    });
    drop(rt_rx.recv().unwrap()); // shut down here, off the owner thread
    assert_eq!(drops.lock().unwrap().len(), 1);
    done_tx.send(()).unwrap();
    let owner_id = owner.join().unwrap();
    only(&drops, 4, owner_id);
    assert_eq!(live_task_count(), base, "a task cell leaked");
}

// ---- the owner exited before the runtime was dropped: leaked, with a message ----

const CHILD_ENV: &str = "WEFT_RT_LOCAL_OWNER_CHILD";
const TEST_NAME: &str = "an_owner_that_exited_first_leaves_its_tasks_leaked_and_named";

#[test]
fn an_owner_that_exited_first_leaves_its_tasks_leaked_and_named() {
    if std::env::var(CHILD_ENV).is_ok() {
        let drops = Drops::default();
        let d = drops.clone();
        let rt = thread::spawn(move || {
            let rt = new_rt();
            let (handles, tx) = spawn_locals(&rt, &d);
            drop((handles, tx));
            rt
        })
        .join()
        .unwrap();
        drop(rt);
        // No thread may drop them any more: not dropped here.
        assert_eq!(drops.lock().unwrap().len(), 1);
        return;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([TEST_NAME, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        // The child leaks the tasks on purpose: under AddressSanitizer (the CI step), its
        // LeakSanitizer must not fail the child for it (the allocations are made inside the
        // runtime's shutdown, so no suppression by this test's name can match them).
        .env("ASAN_OPTIONS", "detect_leaks=0")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed: {stderr}");
    assert!(
        stderr.contains("spawn_local (!Send) tasks belong to thread")
            && stderr.contains("which has exited")
            && stderr.contains("so they are leaked"),
        "{stderr}"
    );
}

#[test]
fn the_owner_blocked_on_another_runtime_is_woken_to_cancel_them() {
    let _s = serial();
    // The owner awaits one of the local tasks inside another runtime's block_on (either
    // flavour) while a third thread drops the runtime the task belongs to: the hand-over wakes
    // that block_on, which cancels the tasks here, and the JoinHandle resolves.
    for other in [
        new_rt(),
        Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap(),
    ] {
        let base = live_task_count();
        let drops = Drops::default();
        let rt = new_rt();
        let (handles, tx) = spawn_locals(&rt, &drops);
        let mut handles = handles.into_iter();
        let idle = handles.next().unwrap();
        drop(handles.collect::<Vec<_>>());
        let dropper = thread::spawn(move || {
            // Most often after the owner is waiting below; either order must work.
            thread::sleep(std::time::Duration::from_millis(20));
            drop(rt);
        });
        let joined = other.block_on(idle);
        assert!(joined.unwrap_err().is_cancelled());
        dropper.join().unwrap();
        only(&drops, 4, thread::current().id());
        drop(tx);
        drop(other);
        assert_eq!(live_task_count(), base, "a task cell leaked");
    }
}

//! A `LocalSet` driven inside a runtime, on both flavours: its tasks follow the runtime's
//! unhandled-panic policy (and `report_unhandled_panics`), and appear in the runtime's dumps,
//! task counts and shutdown reports. The stderr cases run in a child process.
#![allow(missing_docs)]

mod support;

use std::cell::Cell;
use std::future::pending;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::Command;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

use support::{runtime_reporting, runtimes_with_policy, yield_now, DropCounter};
use weft_core::task::{Resource, TaskState};
use weft_runtime::task::LocalSet;
use weft_runtime::{spawn, spawn_local, Handle, UnhandledPanic};

fn expect_block_on_panic<T>(f: impl FnOnce() -> T) -> String {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(_) => panic!("block_on returned instead of panicking"),
        Err(payload) => support::panic_message(&*payload),
    }
}

#[test]
fn a_detached_local_panic_shuts_the_runtime_down() {
    for rt in runtimes_with_policy(UnhandledPanic::ShutdownRuntime) {
        let drops = DropCounter::default();
        let (send_token, local_token) = (drops.token(), drops.token());
        let local = LocalSet::new();
        let msg = expect_block_on_panic(|| {
            local.block_on(&rt, async move {
                // A Send bystander (cancelled by the shutdown) and a local one (cancelled when
                // the set drops).
                drop(spawn(async move {
                    let _t = send_token;
                    pending::<()>().await
                }));
                let not_send = Rc::new(local_token);
                drop(spawn_local(async move {
                    let _t = not_send;
                    pending::<()>().await
                }));
                drop(
                    weft_runtime::task::Builder::new()
                        .name("local-doomed")
                        .spawn_local(async { panic!("a local task failed") }),
                );
                pending::<()>().await
            })
        });
        assert!(msg.contains("a local task failed"), "{msg}");
        assert!(msg.contains("\"local-doomed\""), "{msg}");
        assert!(msg.contains("UnhandledPanic::ShutdownRuntime"), "{msg}");
        assert_eq!(drops.count(), 1, "the runtime's task was cancelled");
        assert!(rt.handle().is_shut_down());
        drop(local);
        assert_eq!(drops.count(), 2, "the set cancelled its task when dropped");
    }
}

#[test]
fn a_local_join_handle_dropped_holding_a_panic_counts_as_unhandled() {
    for rt in runtimes_with_policy(UnhandledPanic::ShutdownRuntime) {
        let local = LocalSet::new();
        let msg = expect_block_on_panic(|| {
            local.block_on(&rt, async {
                let h = spawn_local(async { panic!("dropped unread") });
                while !h.is_finished() {
                    yield_now().await;
                }
                drop(h);
                pending::<()>().await
            })
        });
        assert!(msg.contains("dropped unread"), "{msg}");
    }
}

#[test]
fn a_set_spawned_into_before_it_runs_uses_the_runtime_it_runs_in() {
    for rt in runtimes_with_policy(UnhandledPanic::ShutdownRuntime) {
        let local = LocalSet::new();
        // Spawned before the set ever ran: the policy is the runtime's it then runs in.
        drop(local.spawn_local(async { panic!("early and unseen") }));
        let msg = expect_block_on_panic(|| local.block_on(&rt, pending::<()>()));
        assert!(msg.contains("early and unseen"), "{msg}");
    }
}

#[test]
fn handled_local_panics_and_the_default_policy_change_nothing() {
    for rt in runtimes_with_policy(UnhandledPanic::ShutdownRuntime) {
        let local = LocalSet::new();
        let out = local.block_on(&rt, async {
            let err = spawn_local(async { panic!("seen") }).await.unwrap_err();
            assert!(err.is_panic());
            7
        });
        assert_eq!(out, 7);
        assert!(!rt.handle().is_shut_down());
    }
    for rt in runtimes_with_policy(UnhandledPanic::Ignore) {
        let local = LocalSet::new();
        let out = local.block_on(&rt, async {
            let h = spawn_local(async { panic!("ignored") });
            while !h.is_finished() {
                yield_now().await;
            }
            drop(h);
            spawn_local(async { 5 }).await.unwrap()
        });
        assert_eq!(out, 5);
    }
}

/// Waits until `handle` lists `n` live tasks (a finished task leaves the lists just after its
/// JoinHandle is woken).
fn wait_live(handle: &Handle, n: usize) {
    let start = Instant::now();
    while handle.num_live_tasks() != n {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "expected {n} live tasks: {:?}",
            handle.live_tasks()
        );
        std::thread::yield_now();
    }
}

#[test]
fn local_tasks_are_in_dumps_and_counts() {
    for rt in runtimes_with_policy(UnhandledPanic::Ignore) {
        let handle = rt.handle().clone();
        let before = handle.metrics().spawned_tasks_count();
        let local = LocalSet::new();
        let release = Rc::new(Cell::new(false));
        let r = release.clone();
        let (outer,) = local.block_on(&rt, async move {
            let inner = weft_runtime::task::Builder::new()
                .name("local-inner")
                .spawn_local(async move {
                    while !r.get() {
                        yield_now().await;
                    }
                });
            let waiter = weft_runtime::task::Builder::new()
                .name("local-waiter")
                .spawn_local(async move { inner.await.unwrap() });
            // Let both run once.
            for _ in 0..3 {
                yield_now().await;
            }
            let dump = Handle::current().dump();
            let names: Vec<_> = dump.tasks().iter().filter_map(|t| t.name.clone()).collect();
            assert_eq!(names, ["local-inner", "local-waiter"], "{dump}");
            let w = &dump.tasks()[1];
            assert!(w.polls >= 1, "{dump}");
            assert_eq!(w.state, TaskState::Idle, "{dump}");
            let on = w.waiting_on.expect("the waiter waits on a join");
            assert_eq!(on.resource, Some(Resource::Join));
            assert_eq!(w.spawned_at.file(), file!());
            assert_eq!(Handle::current().metrics().num_alive_tasks(), 2);
            assert_eq!(Handle::current().live_tasks().len(), 2);
            (waiter,)
        });
        // Between two run_untils the tasks stay in the set, and listed.
        assert_eq!(handle.num_live_tasks(), 2);
        assert_eq!(handle.metrics().spawned_tasks_count(), before + 2);
        release.set(true);
        local.block_on(&rt, outer).unwrap();
        wait_live(&handle, 0);
        assert_eq!(handle.metrics().spawned_tasks_count(), before + 2);
        // A set that drops keeps its count in the runtime's.
        drop(local.spawn_local(pending::<()>()));
        local.block_on(&rt, yield_now());
        assert_eq!(handle.num_live_tasks(), 1);
        drop(local);
        assert_eq!(handle.num_live_tasks(), 0);
        assert_eq!(handle.metrics().spawned_tasks_count(), before + 3);
        assert!(handle.dump().is_empty());
    }
}

#[test]
fn a_set_moves_to_the_runtime_it_is_driven_in() {
    let [a, b] = runtimes_with_policy(UnhandledPanic::Ignore);
    let local = LocalSet::new();
    drop(local.spawn_local(pending::<()>()));
    local.block_on(&a, yield_now());
    assert_eq!(a.handle().num_live_tasks(), 1);
    assert_eq!(a.handle().metrics().spawned_tasks_count(), 1);
    local.block_on(&b, yield_now());
    assert_eq!(a.handle().num_live_tasks(), 0);
    assert_eq!(b.handle().num_live_tasks(), 1);
    // Counted by both, as it ran in both; neither count goes down.
    assert_eq!(a.handle().metrics().spawned_tasks_count(), 1);
    assert_eq!(b.handle().metrics().spawned_tasks_count(), 1);
    drop(local);
    assert_eq!(b.handle().num_live_tasks(), 0);
    assert_eq!(b.handle().metrics().spawned_tasks_count(), 1);
}

// ---- stderr cases, in a child process ----

const CHILD_ENV: &str = "WEFT_RT_LOCAL_SET_RUNTIME_CHILD";
const TEST_NAME: &str = "stderr_cases";

async fn detached_local_panic() {
    drop(
        weft_runtime::task::Builder::new()
            .name("local-reporter")
            .spawn_local(async { panic!("local detached boom") }),
    );
    // The panic is reported when the task completes, in the same poll of the set.
    for _ in 0..4 {
        yield_now().await;
    }
}

fn child(spec: &str) {
    let mut parts = spec.split(':');
    let case = parts.next().unwrap();
    let flavour = parts.next().unwrap();
    match case {
        "report" => {
            let report = parts.next().unwrap() == "true";
            let rt = runtime_reporting(flavour, report);
            let local = LocalSet::new();
            local.block_on(&rt, detached_local_panic());
        }
        "no-runtime" => {
            let local = LocalSet::new();
            let out = support::block_on_outside(local.run_until(async {
                detached_local_panic().await;
                spawn_local(async { 3 }).await.unwrap()
            }));
            assert_eq!(out, 3, "the set carries on");
        }
        "shutdown-timeout" => {
            // A local task stuck in a poll on another thread outlives shutdown_timeout: listed.
            let rt = runtime_reporting(flavour, true);
            let handle = rt.handle().clone();
            let started = Arc::new(AtomicBool::new(false));
            let release = Arc::new(AtomicBool::new(false));
            let (s, r) = (started.clone(), release.clone());
            let driver = std::thread::spawn(move || {
                let local = LocalSet::new();
                handle.block_on(local.run_until(async move {
                    let stuck = weft_runtime::task::Builder::new()
                        .name("local-stuck")
                        .spawn_local(async move {
                            s.store(true, SeqCst);
                            while !r.load(SeqCst) {
                                std::thread::sleep(Duration::from_millis(1));
                            }
                        });
                    let _ = stuck.await;
                }));
            });
            let deadline = Instant::now() + Duration::from_secs(20);
            while !started.load(SeqCst) {
                assert!(Instant::now() < deadline, "the stuck task never started");
                std::thread::sleep(Duration::from_millis(1));
            }
            rt.shutdown_timeout(Duration::from_millis(50));
            release.store(true, SeqCst);
            driver.join().unwrap();
        }
        _ => unreachable!("{case}"),
    }
}

/// Whether `stderr` has weft's one-line report of the detached local panic.
fn reported(stderr: &str) -> bool {
    stderr.lines().any(|l| {
        l.starts_with("weft: task")
            && l.contains("(\"local-reporter\")")
            && l.contains("rt_local_set_runtime.rs")
            && l.contains("local detached boom")
    })
}

fn run_child(spec: &str) -> String {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([TEST_NAME, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, spec)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "child {spec} failed: {stderr}");
    stderr
}

#[test]
fn stderr_cases() {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        child(&spec);
        return;
    }
    for flavour in ["current", "multi"] {
        let loud = run_child(&format!("report:{flavour}:true"));
        assert!(reported(&loud), "{flavour}: {loud}");
        let quiet = run_child(&format!("report:{flavour}:false"));
        assert!(!reported(&quiet), "{flavour}: {quiet}");

        let listed = run_child(&format!("shutdown-timeout:{flavour}"));
        assert!(
            listed.contains("outlived the timeout") && listed.contains("(\"local-stuck\") running"),
            "{flavour}: {listed}"
        );
    }
    // No runtime around: the default policy (reported, the set carries on).
    let alone = run_child("no-runtime:none");
    assert!(reported(&alone), "{alone}");
}

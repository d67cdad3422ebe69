// The runtime's behaviour suite: the body of `mod current_thread` and `mod multi_thread` in
// rt_common.rs, and again in the facade's tests/rt_with_reactor.rs with weft-io's reactor installed
// as the park hook. The including module provides `fn rt() -> Runtime`, `const MULTI: bool` and
// `Builder` (weft-runtime's, or the facade's with the reactor), so every runtime a test builds is of
// the same kind as `rt()`.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use crate::support::*;
use weft_runtime::{spawn, spawn_blocking, Handle};

#[test]
fn block_on_returns_output() {
    assert_eq!(rt().block_on(async { 42 }), 42);
}

#[test]
fn spawn_and_join_outputs() {
    let out = rt().block_on(async {
        let handles: Vec<_> = (0..100u32).map(|i| spawn(async move { i * 2 })).collect();
        let mut out = Vec::new();
        for h in handles {
            out.push(h.await.unwrap());
        }
        out
    });
    assert_eq!(out, (0..100u32).map(|i| i * 2).collect::<Vec<_>>());
}

#[test]
fn runtime_spawn_from_outside() {
    let rt = rt();
    let h = rt.spawn(async { "outside" });
    assert_eq!(rt.block_on(h).unwrap(), "outside");
}

#[test]
fn panic_is_delivered_to_joiner() {
    let rt = rt();
    let err = rt
        .block_on(spawn_on_rt(&rt, async { panic!("task boom") }))
        .unwrap_err();
    assert!(err.is_panic());
    assert_eq!(panic_message(&*err.into_panic()), "task boom");
    // The runtime keeps working.
    assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1);
}

fn spawn_on_rt<P, F>(
    rt: &weft_runtime::runtime::Runtime<P>,
    f: F,
) -> weft_runtime::task::JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    rt.spawn(f)
}

#[test]
fn many_panics_do_not_kill_workers() {
    let one_worker = Builder::new_multi_thread()
        .worker_threads(1)
        .report_unhandled_panics(false)
        .build()
        .unwrap();
    for runtime in [one_worker, rt()] {
        let ok = runtime.block_on(async {
            let mut hs = Vec::new();
            for i in 0..50 {
                hs.push(spawn(async move {
                    if i % 2 == 0 {
                        panic!("even")
                    }
                    i
                }));
            }
            let mut ok = 0;
            for h in hs {
                if h.await.is_ok() {
                    ok += 1;
                }
            }
            ok
        });
        assert_eq!(ok, 25);
    }
}

#[test]
fn abort_cancels_and_drops_future() {
    let drops = DropCounter::default();
    let token = drops.token();
    let rt = rt();
    rt.block_on(async move {
        let h = spawn(async move {
            let _t = token;
            std::future::pending::<()>().await;
        });
        yield_now().await;
        h.abort();
        let err = h.await.unwrap_err();
        assert!(err.is_cancelled());
    });
    assert_eq!(drops.count(), 1);
}

#[test]
fn abort_before_first_poll() {
    // Multi-thread: hold the only worker busy so the task cannot start before the abort.
    let rt = if MULTI {
        Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap()
    } else {
        rt()
    };
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    if MULTI {
        let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
        drop(rt.spawn(async move {
            started_tx.send(()).unwrap();
            let _ = release_rx.recv();
        }));
        started_rx.recv().unwrap();
    }
    let polled = Arc::new(AtomicBool::new(false));
    let p = polled.clone();
    let h = rt.spawn(async move { p.store(true, SeqCst) });
    h.abort();
    drop(release_tx);
    assert!(rt.block_on(h).unwrap_err().is_cancelled());
    assert!(!polled.load(SeqCst));
}

#[test]
fn detached_task_keeps_running() {
    let rt = rt();
    let (tx, rx) = oneshot();
    rt.block_on(async move {
        drop(spawn(async move {
            yield_now().await;
            tx.send(7);
        }));
        assert_eq!(rx.await, Some(7));
    });
}

#[test]
fn spawn_from_inside_tasks() {
    let out = rt().block_on(async {
        spawn(async {
            let inner = spawn(async { spawn(async { 3 }).await.unwrap() + 2 });
            inner.await.unwrap() + 1
        })
        .await
        .unwrap()
    });
    assert_eq!(out, 6);
}

#[test]
fn join_handle_across_runtimes() {
    let a = rt();
    let b = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let (tx, rx) = oneshot::<u32>();
    let on_b = b.spawn(async move { rx.await.unwrap() * 2 });
    let out = a.block_on(async move {
        let waiter = spawn(async move { on_b.await.unwrap() });
        yield_now().await;
        tx.send(21);
        waiter.await.unwrap()
    });
    assert_eq!(out, 42);
}

#[test]
fn wake_from_another_thread() {
    let rt = rt();
    let (tx, rx) = oneshot();
    let out = rt.block_on(async move {
        let task = spawn(async move { rx.await.unwrap() + 1 });
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(10));
            tx.send(41);
        });
        let out = task.await.unwrap();
        t.join().unwrap();
        out
    });
    assert_eq!(out, 42);
}

#[test]
fn block_on_woken_from_another_thread() {
    let rt = rt();
    let (tx, rx) = oneshot();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(10));
        tx.send("woken");
    });
    assert_eq!(rt.block_on(rx), Some("woken"));
    t.join().unwrap();
}

#[test]
fn spawn_blocking_jobs_overlap() {
    let rt = rt();
    let inside = Arc::new(AtomicUsize::new(0));
    let job = |inside: Arc<AtomicUsize>| {
        move || {
            inside.fetch_add(1, SeqCst);
            // Wait (bounded) until the other job is inside too: only concurrent jobs see 2.
            let start = std::time::Instant::now();
            while inside.load(SeqCst) < 2 && start.elapsed() < Duration::from_secs(10) {
                std::thread::sleep(Duration::from_millis(1));
            }
            inside.load(SeqCst)
        }
    };
    let (a, b) = rt.block_on(async {
        let a = spawn_blocking(job(inside.clone()));
        let b = spawn_blocking(job(inside.clone()));
        (a.await.unwrap(), b.await.unwrap())
    });
    assert_eq!(
        (a, b),
        (2, 2),
        "the two blocking jobs did not run at the same time"
    );
}

#[test]
fn spawn_blocking_panic_and_handle_inside() {
    let rt = rt();
    rt.block_on(async {
        let err = spawn_blocking(|| panic!("blocking boom"))
            .await
            .unwrap_err();
        assert!(err.is_panic());
        // The blocking thread has the runtime as its current one.
        let h = spawn_blocking(|| Handle::current().spawn(async { 5 }))
            .await
            .unwrap();
        assert_eq!(h.await.unwrap(), 5);
    });
}

#[test]
fn block_on_inside_runtime_panics() {
    let rt = rt();
    let handle = rt.handle().clone();
    expect_panic("cannot block_on inside a weft runtime", || {
        rt.block_on(async { handle.block_on(async {}) });
    });
    // Inside a task: the panic reaches the joiner.
    let handle = rt.handle().clone();
    let err = rt
        .block_on(rt.spawn(async move { handle.block_on(async {}) }))
        .unwrap_err();
    assert!(panic_message(&*err.into_panic()).contains("cannot block_on inside a weft runtime"));
    // Still usable afterwards, also for block_on from this thread.
    assert_eq!(rt.block_on(async { 1 }), 1);
}

#[test]
fn block_on_inside_other_runtime_panics() {
    let a = rt();
    let b = rt();
    expect_panic("cannot block_on inside a weft runtime", || {
        a.block_on(async { b.block_on(async {}) });
    });
}

#[test]
fn shutdown_drops_pending_futures() {
    let drops = DropCounter::default();
    let rt = rt();
    let mut handles = Vec::new();
    for _ in 0..100 {
        let token = drops.token();
        handles.push(rt.spawn(async move {
            let _t = token;
            std::future::pending::<()>().await;
        }));
    }
    // Let some of them start (and park on `pending`).
    rt.block_on(yield_now());
    drop(rt);
    assert_eq!(drops.count(), 100);
    for h in handles {
        assert!(block_on_outside(h).unwrap_err().is_cancelled());
    }
}

#[test]
fn spawn_after_shutdown_is_cancelled() {
    let rt = rt();
    let handle = rt.handle().clone();
    drop(rt);
    let drops = DropCounter::default();
    let token = drops.token();
    let h = handle.spawn(async move {
        let _t = token;
        1
    });
    assert_eq!(drops.count(), 1, "the future is dropped at once");
    assert!(block_on_outside(h).unwrap_err().is_cancelled());
    let b = handle.spawn_blocking(|| 1);
    assert!(block_on_outside(b).unwrap_err().is_cancelled());
}

#[test]
fn destructor_that_spawns_during_shutdown() {
    struct SpawnOnDrop(Handle);
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            drop(self.0.spawn(async {}));
        }
    }
    let rt = rt();
    let guard = SpawnOnDrop(rt.handle().clone());
    drop(rt.spawn(async move {
        let _g = guard;
        std::future::pending::<()>().await;
    }));
    drop(rt);
}

#[test]
fn shutdown_timeout_returns() {
    let rt = rt();
    let drops = DropCounter::default();
    let token = drops.token();
    let h = rt.spawn(async move {
        let _t = token;
        std::future::pending::<()>().await;
    });
    rt.shutdown_timeout(Duration::from_secs(5));
    assert_eq!(drops.count(), 1);
    assert!(block_on_outside(h).unwrap_err().is_cancelled());
}

#[test]
fn shutdown_background_returns() {
    let rt = rt();
    let h = rt.spawn(std::future::pending::<()>());
    rt.shutdown_background();
    assert!(block_on_outside(h).unwrap_err().is_cancelled());
}

#[test]
fn yield_lets_others_run() {
    let rt = rt();
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    rt.block_on(async move {
        let spinner = spawn(async move {
            let mut spins = 0u64;
            while !f.load(SeqCst) {
                yield_now().await;
                spins += 1;
            }
            spins
        });
        let setter = spawn(async move { flag.store(true, SeqCst) });
        setter.await.unwrap();
        spinner.await.unwrap();
    });
}

#[test]
fn handle_current_and_try_current() {
    assert!(Handle::try_current().is_err());
    expect_panic("no weft runtime is running on this thread", || {
        drop(Handle::current());
    });
    let rt = rt();
    rt.block_on(async {
        let h = Handle::current();
        assert_eq!(h.spawn(async { 2 }).await.unwrap(), 2);
        let inner = spawn(async { Handle::try_current().is_ok() })
            .await
            .unwrap();
        assert!(inner);
    });
    assert!(Handle::try_current().is_err());
    let _guard = rt.enter();
    assert!(Handle::try_current().is_ok());
    let h = spawn(async { 9 });
    assert_eq!(rt.block_on(h).unwrap(), 9);
}

#[test]
fn spawn_outside_runtime_panics() {
    expect_panic("no weft runtime is running on this thread", || {
        drop(spawn(async {}));
    });
    expect_panic("no weft runtime is running on this thread", || {
        drop(spawn_blocking(|| {}));
    });
    expect_panic("no weft runtime is running on this thread", || {
        drop(weft_runtime::spawn_local(async {}));
    });
}

#[test]
fn handle_block_on_from_another_thread() {
    let rt = rt();
    let handle = rt.handle().clone();
    let out = std::thread::spawn(move || {
        handle.block_on(async { spawn(async { 20 }).await.unwrap() + 1 })
    })
    .join()
    .unwrap();
    assert_eq!(out, 21);
}

#[test]
fn named_tasks_show_in_live_tasks() {
    let rt = rt();
    let h = weft_runtime::task::Builder::new()
        .name("listed")
        .spawn_on(std::future::pending::<()>(), rt.handle());
    let live = rt.handle().live_tasks();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].name.as_deref(), Some("listed"));
    assert_eq!(live[0].id, h.id());
    assert_eq!(live[0].spawned_at.file(), file!());
    h.abort();
    assert!(rt.block_on(h).unwrap_err().is_cancelled());
    wait_no_live_tasks(rt.handle());
}

#[test]
fn live_task_allocations_are_freed() {
    let rt = rt();
    rt.block_on(async {
        let hs: Vec<_> = (0..50).map(|i| spawn(async move { i })).collect();
        for h in hs {
            h.await.unwrap();
        }
    });
    wait_no_live_tasks(rt.handle());
}

#[test]
fn budget_is_set_around_polls() {
    let rt = rt();
    rt.block_on(async {
        let remaining = spawn(async { weft_core::coop::current().remaining() })
            .await
            .unwrap();
        assert_eq!(remaining, Some(weft_core::coop::INITIAL_BUDGET));
    });
}

#[test]
fn thread_callbacks_and_name() {
    let starts = Arc::new(AtomicUsize::new(0));
    let stops = Arc::new(AtomicUsize::new(0));
    let (s1, s2) = (starts.clone(), stops.clone());
    let mut b = if MULTI {
        let mut b = Builder::new_multi_thread();
        b.worker_threads(2);
        b
    } else {
        Builder::new_current_thread()
    };
    let rt = b
        .thread_name("named-pool")
        .on_thread_start(move || {
            s1.fetch_add(1, SeqCst);
        })
        .on_thread_stop(move || {
            s2.fetch_add(1, SeqCst);
        })
        .build()
        .unwrap();
    let name = rt.block_on(rt.spawn_blocking(|| std::thread::current().name().map(str::to_owned)));
    assert_eq!(name.unwrap().as_deref(), Some("named-pool"));
    drop(rt);
    let expected = if MULTI { 3 } else { 1 };
    assert_eq!(starts.load(SeqCst), expected);
    assert_eq!(stops.load(SeqCst), expected);
}

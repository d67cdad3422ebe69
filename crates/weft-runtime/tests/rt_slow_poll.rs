//! Slow-poll reports: a poll over the threshold is reported once with the task's name and spawn
//! site; quick polls never are; a poll stuck for good is reported while it is stuck. Both flavours.
#![allow(missing_docs)]

use std::panic::Location;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use weft_runtime::slow_poll::SlowPoll;
use weft_runtime::{Builder, Runtime};

fn build(
    multi: bool,
    threshold: Duration,
    f: impl Fn(&SlowPoll) + Send + Sync + 'static,
) -> Runtime {
    let mut b = if multi {
        Builder::new_multi_thread()
    } else {
        Builder::new_current_thread()
    };
    if multi {
        b.worker_threads(2);
    }
    b.slow_poll_threshold(threshold)
        .on_slow_poll(f)
        .build()
        .unwrap()
}

fn collecting(multi: bool, threshold: Duration) -> (Runtime, Arc<Mutex<Vec<SlowPoll>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let rt = build(multi, threshold, move |p| s.lock().unwrap().push(p.clone()));
    (rt, seen)
}

fn a_sluggish_task_is_reported_once_and_quick_ones_never(multi: bool) {
    let (rt, seen) = collecting(multi, Duration::from_millis(100));
    let spawned_at = rt.block_on(async {
        // Quick tasks, many polls each.
        let quick: Vec<_> = (0..50)
            .map(|_| {
                weft_runtime::spawn(async {
                    for _ in 0..10 {
                        yield_now().await;
                    }
                })
            })
            .collect();
        for t in quick {
            t.await.unwrap();
        }
        let here = Location::caller();
        let sluggish = weft_runtime::task::Builder::new()
            .name("sluggish")
            .spawn(async { std::thread::sleep(Duration::from_millis(200)) });
        // The spawn site is the line of the `.spawn(` call.
        let line = line!() - 2;
        sluggish.await.unwrap();
        (here.file(), line)
    });
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let report = &seen[0];
    assert_eq!(report.name.as_deref(), Some("sluggish"));
    assert_eq!(report.spawned_at.file(), spawned_at.0);
    assert_eq!(report.spawned_at.line(), spawned_at.1);
    assert!(report.duration >= Duration::from_millis(100), "{report:?}");
    assert_eq!(report.threshold, Duration::from_millis(100));
    let line = report.to_string();
    assert!(line.contains("(\"sluggish\") spawned at "), "{line}");
    assert!(
        line.contains(&format!("{}:{}", spawned_at.0, spawned_at.1)),
        "{line}"
    );
}

#[test]
fn a_sluggish_task_is_reported_once_and_quick_ones_never_current_thread() {
    a_sluggish_task_is_reported_once_and_quick_ones_never(false);
}

#[test]
fn a_sluggish_task_is_reported_once_and_quick_ones_never_multi_thread() {
    a_sluggish_task_is_reported_once_and_quick_ones_never(true);
}

fn a_stuck_task_is_reported_while_stuck(multi: bool) {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let rt = build(multi, Duration::from_millis(50), move |p| {
        let _ = tx.lock().unwrap().send(p.clone());
    });
    let release = Arc::new(AtomicBool::new(false));
    let r = release.clone();
    // Watches from outside: the stuck task may hold the thread inside block_on.
    let observer = std::thread::spawn(move || {
        let report = rx.recv_timeout(Duration::from_secs(20));
        let stuck_when_reported = !r.load(SeqCst);
        r.store(true, SeqCst);
        (report, stuck_when_reported, rx)
    });
    rt.block_on(async {
        let release = release.clone();
        weft_runtime::task::Builder::new()
            .name("spinner")
            .spawn(async move {
                while !release.load(SeqCst) {
                    std::hint::spin_loop();
                }
            })
            .await
            .unwrap();
    });
    let (report, stuck_when_reported, rx) = observer.join().unwrap();
    let report = report.expect("no report within 20 s of a task spinning forever");
    assert!(stuck_when_reported);
    assert!(report.still_running, "{report:?}");
    assert_eq!(report.name.as_deref(), Some("spinner"));
    assert!(report.duration >= Duration::from_millis(50));
    assert!(report.to_string().contains("has not returned"), "{report}");
    drop(rt);
    // Reported once: the poll's end does not report it again.
    assert!(rx.try_recv().is_err());
}

#[test]
fn a_stuck_task_is_reported_while_stuck_current_thread() {
    a_stuck_task_is_reported_while_stuck(false);
}

#[test]
fn a_stuck_task_is_reported_while_stuck_multi_thread() {
    a_stuck_task_is_reported_while_stuck(true);
}

#[test]
#[should_panic(expected = "on_slow_poll was set without slow_poll_threshold")]
fn a_callback_without_a_threshold_is_a_misuse() {
    let _ = Builder::new_current_thread().on_slow_poll(|_| {}).build();
}

#[test]
fn a_panicking_callback_does_not_take_the_runtime_down() {
    for multi in [false, true] {
        let rt = build(multi, Duration::from_millis(5), |_| {
            panic!("callback panics")
        });
        let out = rt.block_on(async {
            weft_runtime::spawn(async { std::thread::sleep(Duration::from_millis(20)) })
                .await
                .unwrap();
            weft_runtime::spawn(async { 7 }).await.unwrap()
        });
        assert_eq!(out, 7);
    }
}

/// Yields once.
fn yield_now() -> impl std::future::Future<Output = ()> {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
}

//! A shutdown that leaves tasks behind says which: `shutdown_timeout` lists the tasks that
//! outlived it; dropping a runtime whose task is stuck in a poll lists it after the grace period
//! and goes on waiting. Each case runs in a child process so its stderr can be read.
#![allow(missing_docs)]

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

use weft_runtime::{Builder, Runtime};

const CHILD_ENV: &str = "WEFT_RT_SHUTDOWN_REPORT_CHILD";
const TEST_NAME: &str = "shutdown_reports";

static STARTED: AtomicBool = AtomicBool::new(false);

async fn stuck_until(release: Arc<AtomicBool>) {
    STARTED.store(true, SeqCst);
    while !release.load(SeqCst) {
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn wait_started() {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !STARTED.load(SeqCst) {
        assert!(Instant::now() < deadline, "the stuck task never started");
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn child(case: &str) {
    let release = Arc::new(AtomicBool::new(false));
    match case {
        "timeout-multi" => {
            let rt: Runtime = Builder::new_multi_thread()
                .worker_threads(2)
                .build()
                .unwrap();
            let h = rt.handle();
            let named = |n: &str| weft_runtime::task::Builder::new().name(n);
            drop(named("stuck").spawn_on(stuck_until(release.clone()), h));
            drop(named("idle").spawn_on(std::future::pending::<()>(), h));
            wait_started();
            // The idle task must have been polled (not left queued behind the stuck one), so that
            // the shutdown can cancel it.
            let deadline = Instant::now() + Duration::from_secs(20);
            while h.dump().tasks().iter().any(|t| t.polls == 0) {
                assert!(Instant::now() < deadline, "the idle task never ran");
                std::thread::sleep(Duration::from_millis(1));
            }
            rt.shutdown_timeout(Duration::from_millis(100));
        }
        "timeout-current" => {
            let rt: Runtime = Builder::new_current_thread().build().unwrap();
            let h = rt.handle().clone();
            let r = release.clone();
            // Another thread runs the tasks (and gets stuck in one); this one shuts down.
            std::thread::spawn(move || {
                h.block_on(async move {
                    drop(
                        weft_runtime::task::Builder::new()
                            .name("stuck")
                            .spawn(stuck_until(r)),
                    );
                    std::future::pending::<()>().await;
                })
            });
            wait_started();
            rt.shutdown_timeout(Duration::from_millis(100));
        }
        "drop-multi" => {
            let rt: Runtime = Builder::new_multi_thread()
                .worker_threads(1)
                .build()
                .unwrap();
            drop(
                weft_runtime::task::Builder::new()
                    .name("stuck")
                    .spawn_on(stuck_until(release.clone()), rt.handle()),
            );
            wait_started();
            // Released after the grace period: the drop reports, then finishes.
            let r = release.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(10_500));
                r.store(true, SeqCst);
            });
            drop(rt);
            eprintln!("child: the drop returned");
        }
        other => panic!("unknown case {other}"),
    }
}

fn run(case: &str) -> String {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .arg(TEST_NAME)
        .arg("--exact")
        .arg("--nocapture")
        .env(CHILD_ENV, case)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{case}: child failed:\n{stderr}");
    stderr
}

#[test]
fn shutdown_reports() {
    if let Ok(case) = std::env::var(CHILD_ENV) {
        child(&case);
        return;
    }
    for case in ["timeout-multi", "timeout-current"] {
        let err = run(case);
        let report: Vec<&str> = err.lines().filter(|l| l.starts_with("weft:")).collect();
        assert_eq!(report.len(), 2, "{case}:\n{err}");
        assert!(
            report[0].contains("shutdown_timeout(100ms): 1 task(s) outlived the timeout"),
            "{case}:\n{err}"
        );
        assert!(report[1].contains("(\"stuck\") running"), "{case}:\n{err}");
        assert!(report[1].contains(file!()), "{case}:\n{err}");
    }
    let err = run("drop-multi");
    let report: Vec<&str> = err.lines().filter(|l| l.starts_with("weft:")).collect();
    assert_eq!(report.len(), 2, "{err}");
    assert!(
        report[0].contains("dropping the runtime: still waiting after 10s for 1 task(s) stuck"),
        "{err}"
    );
    assert!(report[1].contains("(\"stuck\") running"), "{err}");
    // It went on waiting: the report came before the drop returned.
    let reported = err.find("dropping the runtime").unwrap();
    let returned = err.find("child: the drop returned").unwrap();
    assert!(reported < returned, "{err}");
}

//! A panic no `JoinHandle` will see is reported on stderr (with the task's name and spawn
//! location), unless the builder turned reports off. Each case runs in a child process so its
//! stderr can be read.
#![allow(missing_docs)]

mod support;

use std::process::Command;

const CHILD_ENV: &str = "WEFT_RT_PANIC_REPORT_CHILD";
const TEST_NAME: &str = "unhandled_panic_report";

fn child(spec: &str) {
    let (flavour, report) = spec.split_once(':').unwrap();
    let report = report == "true";
    let rt = support::runtime_reporting(flavour, report);
    rt.block_on(async {
        drop(
            weft_runtime::task::Builder::new()
                .name("reporter")
                .spawn(async { panic!("detached boom") }),
        );
        // The report is made before the task leaves the registry.
        while weft_runtime::Handle::current().num_live_tasks() != 0 {
            let mut yielded = false;
            std::future::poll_fn(|cx| {
                if yielded {
                    std::task::Poll::Ready(())
                } else {
                    yielded = true;
                    cx.waker().wake_by_ref();
                    std::task::Poll::Pending
                }
            })
            .await;
        }
    });
}

#[test]
fn unhandled_panic_report() {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        child(&spec);
        return;
    }
    let exe = std::env::current_exe().unwrap();
    for flavour in ["current", "multi"] {
        for report in [true, false] {
            let out = Command::new(&exe)
                .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
                .env(CHILD_ENV, format!("{flavour}:{report}"))
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.success(),
                "{flavour}/{report}: child failed:\n{stderr}"
            );
            let reported = stderr.lines().any(|l| {
                l.starts_with("weft: task")
                    && l.contains("(\"reporter\")")
                    && l.contains("rt_panic_report.rs")
                    && l.contains("detached boom")
            });
            assert_eq!(
                reported, report,
                "{flavour}/{report}: stderr was:\n{stderr}"
            );
        }
    }
}

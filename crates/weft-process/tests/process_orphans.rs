//! Children that outlive the runtime they were spawned on leave no zombie: a `Child` dropped after
//! its runtime is gone, a dropped child whose runtime shuts down before it exits, and
//! `kill_on_drop` without a runtime. Both runtime flavours, both ways of waiting for an exit (the
//! wait mode is process-wide, so the tests of this file run one at a time).

mod support;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use support::{child_state, runtime, Flavor};
use weft_process::{Child, Command};

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs `test` for every runtime flavour and wait mode, one at a time.
fn each_flavor_and_mode(test: impl Fn(Flavor)) {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    for force_sigchld in [false, true] {
        weft_process::__private::force_sigchld_fallback(force_sigchld);
        for flavor in [Flavor::CurrentThread, Flavor::MultiThread] {
            test(flavor);
        }
    }
}

/// Spawns `sleep seconds` on a new runtime of `flavor` and returns it with the runtime gone.
fn spawn_then_drop_the_runtime(flavor: Flavor, seconds: &str, kill_on_drop: bool) -> Child {
    let rt = runtime(flavor);
    let child = rt.block_on(async {
        Command::new("sleep")
            .arg(seconds)
            .kill_on_drop(kill_on_drop)
            .spawn()
            .unwrap()
    });
    drop(rt);
    child
}

/// Blocks until `pid` is no longer a child of this process (reaped); fails after `limit`.
fn wait_until_reaped(pid: u32, limit: Duration, what: &str) {
    let start = Instant::now();
    while child_state(pid).is_some() {
        assert!(
            start.elapsed() < limit,
            "{what}: child {pid} not reaped after {limit:?}: state {:?}",
            child_state(pid)
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_child_dropped_after_its_runtime_is_gone_is_reaped_when_it_ends() {
    each_flavor_and_mode(|flavor| {
        let child = spawn_then_drop_the_runtime(flavor, "0.2", false);
        let pid = child.id().unwrap();
        drop(child);
        assert!(
            matches!(child_state(pid), Some(state) if state != 'Z'),
            "{flavor:?}: without kill_on_drop the child runs on"
        );
        wait_until_reaped(pid, Duration::from_secs(10), &format!("{flavor:?}"));
    });
}

#[test]
fn a_dropped_child_whose_runtime_shuts_down_first_is_reaped_when_it_ends() {
    each_flavor_and_mode(|flavor| {
        let rt = runtime(flavor);
        let pid = rt.block_on(async {
            let child = Command::new("sleep").arg("0.2").spawn().unwrap();
            let pid = child.id().unwrap();
            // Handed to a reaper task on this runtime, which shuts down before the exit.
            drop(child);
            pid
        });
        drop(rt);
        assert!(
            matches!(child_state(pid), Some(state) if state != 'Z'),
            "{flavor:?}: the child should still be running"
        );
        wait_until_reaped(pid, Duration::from_secs(10), &format!("{flavor:?}"));
    });
}

#[test]
fn kill_on_drop_without_a_runtime_kills_and_reaps() {
    each_flavor_and_mode(|flavor| {
        let child = spawn_then_drop_the_runtime(flavor, "100", true);
        let pid = child.id().unwrap();
        drop(child);
        // Killed at once: reaped long before the 100 s sleep would end.
        wait_until_reaped(pid, Duration::from_secs(10), &format!("{flavor:?}"));
    });
}

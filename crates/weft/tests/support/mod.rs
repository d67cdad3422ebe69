//! Shared by the tests that run the examples as programs.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// The path of example `name`, built with the same profile as this test.
///
/// `cargo test` builds the examples next to the test binaries; a filtered run that did not is
/// given them by `cargo build --example`.
pub fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    let path = profile_dir.join("examples").join(name);
    if !path.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        build.args(["build", "-p", "weft", "--example", name]);
        if profile_dir.file_name().is_some_and(|p| p == "release") {
            build.arg("--release");
        }
        let status = build.status().expect("run cargo build");
        assert!(status.success(), "could not build example {name}");
    }
    path
}

/// Waits until process `pid` catches `SIGINT` (its `SigCgt` mask in `/proc`), so a `SIGINT` sent
/// from now on reaches its listener instead of ending it. weft counts a listener before it
/// installs its handler, so the handler showing means a listener exists.
pub fn wait_until_it_catches_sigint(pid: u32) {
    let start = Instant::now();
    loop {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let mask = status
            .lines()
            .find_map(|l| l.strip_prefix("SigCgt:"))
            .map(|m| u64::from_str_radix(m.trim(), 16).unwrap())
            .unwrap();
        if mask & (1 << (libc::SIGINT - 1)) != 0 {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "process {pid} never listened for SIGINT"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Sends `SIGINT` (what Ctrl-C sends) to process `pid`, once it listens for it.
pub fn ctrl_c(pid: u32) {
    wait_until_it_catches_sigint(pid);
    // SAFETY: kill with a child's pid and a valid signal number has no memory effects.
    let rc = unsafe { libc::kill(pid as libc::pid_t, libc::SIGINT) };
    assert_eq!(rc, 0, "kill: {}", std::io::Error::last_os_error());
}

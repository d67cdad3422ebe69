//! Running a test's body in a child process, for tests that change process-wide state (a lowered
//! `RLIMIT_NOFILE`) that the rest of the suite must not see.
//!
//! The parent re-executes the test binary with the test's exact name and an environment variable
//! that tells the test it is the child; the child prints lines on stdout that the parent reads
//! with a time limit. The child is killed when the parent's handle is dropped (also on a failed
//! assertion), so no process outlives its test.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A running child process of the test binary, with its stdout as lines.
pub struct ChildTest {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl ChildTest {
    /// Re-runs the test binary for test `name` only, with `env` set to `name` (the child's test
    /// sees the variable and runs the child's body).
    pub fn spawn(name: &str, env: &str) -> ChildTest {
        let mut child = Command::new(std::env::current_exe().expect("the test binary's path"))
            .args([name, "--exact", "--nocapture", "--test-threads=1"])
            .env(env, name)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the child process");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        ChildTest { child, lines }
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The next line, waiting at most `limit`; `None` on time-out or when the child's stdout
    /// closed.
    pub fn line(&self, limit: Duration) -> Option<String> {
        self.lines.recv_timeout(limit).ok()
    }

    /// The lines printed so far and not yet read.
    pub fn lines_so_far(&self) -> Vec<String> {
        self.lines.try_iter().collect()
    }

    /// Reads lines until one contains `marker` and returns what follows the marker, failing the
    /// test (with `what` and the lines skipped) if none comes within `limit`. libtest may print
    /// "test <name> ... " at the start of the child's first line, hence "contains".
    pub fn after_marker(&self, marker: &str, limit: Duration, what: &str) -> String {
        let deadline = Instant::now() + limit;
        let mut skipped = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Some(line) = self.line(left) else {
                panic!("{what}: no line with {marker:?} within {limit:?}; got {skipped:#?}");
            };
            if let Some(at) = line.find(marker) {
                return line[at + marker.len()..].trim().to_owned();
            }
            skipped.push(line);
        }
    }

    /// Whether the child is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("query the child").is_none()
    }
}

impl Drop for ChildTest {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether this process is the child of a [`ChildTest`] selected by `env`.
pub fn is_child(env: &str) -> bool {
    std::env::var_os(env).is_some()
}

/// Lowers this process's descriptor limit to the descriptors open now plus `headroom`: only
/// `headroom` more may be opened.
pub fn limit_descriptors(headroom: u64) {
    let open = std::fs::read_dir("/proc/self/fd")
        .expect("list /proc/self/fd")
        .count() as u64;
    let limit = libc::rlimit {
        rlim_cur: open + headroom,
        rlim_max: open + headroom,
    };
    // SAFETY: `limit` is a valid rlimit; lowering our own limit is always allowed.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
}

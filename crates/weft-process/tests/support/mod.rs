//! Shared test harness: every behaviour test runs on both runtime flavours, written once, and
//! (through the file that includes the suite) with both ways of waiting for an exit.
//!
//! `flavors! { async fn name() { body } ... }` expands to `current_thread` and `multi_thread`
//! modules with one `#[test]` each; every test first sets the wait mode from the including file's
//! `FORCE_SIGCHLD` constant, then runs its body on a fresh runtime under a watchdog.
#![allow(dead_code, unused_macros, unused_imports)]

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use weft_io::{Driver, DriverConfig};

/// How long a test body may run before the watchdog fails it.
pub const LIMIT: Duration = Duration::from_secs(120);

/// A runtime flavour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    CurrentThread,
    MultiThread,
}

/// Builds a runtime of `flavor` with a fresh driver.
pub fn runtime(flavor: Flavor) -> weft_runtime::Runtime {
    let driver = Arc::new(Driver::new(DriverConfig::default()).expect("create the weft-io driver"));
    let mut builder = match flavor {
        Flavor::CurrentThread => weft_runtime::Builder::new_current_thread(),
        Flavor::MultiThread => {
            let mut b = weft_runtime::Builder::new_multi_thread();
            b.worker_threads(2);
            b
        }
    };
    builder.park_hook(driver);
    builder.build().expect("build the runtime")
}

/// Runs `body` on a new runtime of `flavor`, failing if it takes longer than [`LIMIT`].
pub fn run<F: Future>(flavor: Flavor, force_sigchld: bool, body: F) -> F::Output {
    weft_process::__private::force_sigchld_fallback(force_sigchld);
    raise_fd_limit();
    runtime(flavor).block_on(async move {
        match weft_io::time::timeout(LIMIT, body).await {
            Ok(out) => out,
            Err(_) => panic!("the test did not finish within {LIMIT:?} (a hang)"),
        }
    })
}

/// Raises the soft limit on open files to the hard limit (500 children need 500+ descriptors).
pub fn raise_fd_limit() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid, writable rlimit for getrlimit to fill.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0 && lim.rlim_cur < lim.rlim_max
    {
        lim.rlim_cur = lim.rlim_max.min(65536);
        // SAFETY: `lim` is a valid rlimit; raising the soft limit up to the hard one is allowed.
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) };
    }
}

/// The state letter of process `pid` (`R`, `S`, `Z`, ...) if it exists and is a child of this
/// process; `None` if it is gone (or the number now belongs to someone else's process).
pub fn child_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses; it ends at the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split(' ');
    let state = fields.next()?.chars().next()?;
    let ppid: u32 = fields.next()?.parse().ok()?;
    (ppid == std::process::id()).then_some(state)
}

/// Waits (polling /proc) until `pid` is no longer a child of this process, zombie or not; fails
/// after 10 s.
pub async fn wait_until_reaped(pid: u32) {
    for _ in 0..1000 {
        if child_state(pid).is_none() {
            return;
        }
        weft_io::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("child {pid} was not reaped: state {:?}", child_state(pid));
}

/// The number of descriptors this process has open.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("list /proc/self/fd")
        .count()
}

/// Writes both flavours of each test: `flavors! { async fn name() { body } }`.
macro_rules! flavors {
    ($( $(#[$meta:meta])* async fn $name:ident() $body:block )*) => {
        mod current_thread {
            #[allow(unused_imports)]
            use super::*;
            $(
                $(#[$meta])*
                #[test]
                fn $name() {
                    $crate::support::run(
                        $crate::support::Flavor::CurrentThread,
                        $crate::FORCE_SIGCHLD,
                        async move $body,
                    )
                }
            )*
        }

        mod multi_thread {
            #[allow(unused_imports)]
            use super::*;
            $(
                $(#[$meta])*
                #[test]
                fn $name() {
                    $crate::support::run(
                        $crate::support::Flavor::MultiThread,
                        $crate::FORCE_SIGCHLD,
                        async move $body,
                    )
                }
            )*
        }
    };
}

pub(crate) use flavors;

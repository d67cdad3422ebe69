//! Shared test harness: every behaviour test runs on both runtime flavours, written once.
//!
//! `flavors! { async fn name() { body } ... }` expands to two modules, `current_thread` and
//! `multi_thread`, each with one `#[test]` per function, run on a weft-runtime runtime with a
//! weft-io driver as its park hook, under a watchdog.
//!
//! Signals are process-wide and tests of one binary run in parallel: a test that sends a signal to
//! the process first calls [`keep_listening`] for it, so a delivery that lands after its own
//! listener is gone meets another listener instead of the signal's default action.
#![allow(dead_code, unused_macros, unused_imports)]

use std::collections::HashSet;
use std::future::Future;
use std::process::{Command, ExitStatus};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use weft_io::{Driver, DriverConfig};
use weft_signal::unix::{signal, SignalKind};

/// How long a test body may run before the watchdog fails it.
pub const LIMIT: Duration = Duration::from_secs(60);

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
pub fn run<F: Future>(flavor: Flavor, body: F) -> F::Output {
    runtime(flavor).block_on(async move {
        match weft_io::time::timeout(LIMIT, body).await {
            Ok(out) => out,
            Err(_) => panic!("the test did not finish within {LIMIT:?} (a hang)"),
        }
    })
}

/// Keeps one listener of `kind` alive for the rest of the test binary (see the module doc).
pub fn keep_listening(kind: SignalKind) {
    static KEPT: Mutex<Option<HashSet<i32>>> = Mutex::new(None);
    let mut kept = KEPT.lock().unwrap();
    if kept
        .get_or_insert_with(HashSet::new)
        .insert(kind.as_raw_value())
    {
        // Made on a thread of its own: the caller may be inside a runtime.
        std::thread::spawn(move || {
            let listener = runtime(Flavor::CurrentThread)
                .block_on(async { signal(kind) })
                .expect("listen to the signal");
            std::mem::forget(listener);
        })
        .join()
        .expect("make the kept listener");
    }
}

/// Sends `kind` to this process.
pub fn raise(kind: SignalKind) {
    // SAFETY: kill with our own pid and a valid signal number has no memory effects.
    let rc = unsafe { libc::kill(libc::getpid(), kind.as_raw_value()) };
    assert_eq!(rc, 0, "kill: {}", std::io::Error::last_os_error());
}

/// The real-time signal `SIGRTMIN + n`: one per test, so parallel tests do not see each other's.
pub fn realtime(n: i32) -> SignalKind {
    let signum = libc::SIGRTMIN() + n;
    assert!(signum <= libc::SIGRTMAX());
    SignalKind::from_raw(signum)
}

/// The environment variable that tells a re-executed test binary to run a child's part.
pub const CHILD_ENV: &str = "WEFT_SIGNAL_TEST_CHILD";

/// Whether this process is the child part of a test that re-executes the binary.
pub fn in_child() -> bool {
    std::env::var_os(CHILD_ENV).is_some()
}

/// Runs test `name` (its full path in the binary) alone in a new process of this test binary with
/// [`CHILD_ENV`] set, and returns how the process ended.
pub fn run_in_child(name: &str) -> ExitStatus {
    Command::new(std::env::current_exe().expect("the test binary's path"))
        .args([name, "--exact", "--test-threads=1", "--nocapture"])
        .env(CHILD_ENV, "1")
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run the test binary again")
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
                    $crate::support::run($crate::support::Flavor::CurrentThread, async move $body)
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
                    $crate::support::run($crate::support::Flavor::MultiThread, async move $body)
                }
            )*
        }
    };
}

pub(crate) use flavors;

/// A real-time signal no other test of this binary uses, with a kept listener (see
/// [`keep_listening`]): tests that count deliveries do not see another test's signals.
pub fn fresh_signal() -> SignalKind {
    static NEXT: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let kind = realtime(n);
    keep_listening(kind);
    kind
}

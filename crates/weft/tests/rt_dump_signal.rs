//! `Builder::dump_on_signal`: a child process (this test binary again, told what to do by an
//! environment variable) builds a runtime that dumps its tasks on a signal, gets its tasks
//! waiting (and, in the "stuck" cases, its only worker stuck in a blocking loop); the parent
//! sends the signal and finds the dump on the child's stderr: the header, the idle task with what
//! it waits on and the awaiting line, and the stuck task as running. Both flavours.
#![allow(missing_docs)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use weft::runtime::Builder;
use weft::signal::unix::SignalKind;

const CHILD_ENV: &str = "WEFT_TEST_DUMP_ON_SIGNAL";
const HOUR: Duration = Duration::from_secs(3600);

/// The child's part: `how` is "<flavor> <signal number> <stuck|idle>". Prints `READY <line>`
/// (the line that awaits the sleep) once its tasks wait, then never returns: the parent kills it.
fn child(how: &str) -> ! {
    let mut words = how.split(' ');
    let flavor = words.next().unwrap();
    let signum: i32 = words.next().unwrap().parse().unwrap();
    let what = words.next();
    let stuck = what == Some("stuck");
    let mut builder = match flavor {
        "current_thread" => Builder::new_current_thread(),
        _ => Builder::new_multi_thread(),
    };
    let rt = builder
        .worker_threads(1)
        .dump_on_signal(SignalKind::from_raw(signum))
        .build()
        .unwrap();
    if what == Some("dropped") {
        // The watch ends with the runtime: the signal's default action is back.
        drop(rt);
        println!("READY 0");
        loop {
            std::thread::sleep(Duration::from_secs(1));
        }
    }
    rt.block_on(async {
        let (line_tx, line_rx) = weft::sync::oneshot::channel();
        let _sleeper = weft::task::Builder::new()
            .name("sleeper")
            .spawn(async move {
                line_tx.send(line!() + 1).unwrap();
                weft::time::sleep(HOUR).await;
            });
        let line = line_rx.await.unwrap();
        // Let the sleeper's poll end (it is then idle, waiting on its sleep).
        weft::time::sleep(Duration::from_millis(20)).await;
        if stuck {
            let _stuck = weft::task::Builder::new().name("stuck").spawn(async move {
                println!("READY {line}");
                // The only worker never comes back from this poll.
                loop {
                    std::thread::sleep(Duration::from_millis(10));
                }
            });
        } else {
            println!("READY {line}");
        }
        std::future::pending::<()>().await
    });
    unreachable!()
}

/// Kills the child however the test ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The parent's part: runs `test` again as the child, signals it, checks the dump.
fn dump_on_signal(test: &str, flavor: &str, kind: SignalKind, stuck: bool) {
    if let Ok(how) = std::env::var(CHILD_ENV) {
        child(&how);
    }
    let how = format!(
        "{flavor} {} {}",
        kind.as_raw_value(),
        if stuck { "stuck" } else { "idle" }
    );
    let mut child = Killed(
        Command::new(std::env::current_exe().unwrap())
            .args([test, "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, how)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = BufReader::new(child.0.stdout.take().unwrap());
    let line: u32 = stdout
        .lines()
        .map(Result::unwrap)
        // libtest may print "test <name> ... " on the same line first.
        .find_map(|l| l.split_once("READY ").map(|(_, n)| n.parse().unwrap()))
        .expect("the child got its tasks waiting");
    let (tx, rx) = mpsc::channel();
    let stderr = BufReader::new(child.0.stderr.take().unwrap());
    std::thread::spawn(move || {
        for l in stderr.lines() {
            if tx.send(l.unwrap()).is_err() {
                return;
            }
        }
    });
    let pid = child.0.id() as libc::pid_t;
    // SAFETY: kill with the child's pid and a valid signal number has no memory effects.
    let sent = unsafe { libc::kill(pid, kind.as_raw_value()) };
    assert_eq!(sent, 0);

    let header = format!("weft: {kind} received: dump of");
    let waiting = format!("sleep at {}:{line}:", file!());
    let mut seen = Vec::new();
    let (mut got_header, mut got_sleeper, mut got_stuck) = (false, false, !stuck);
    while !(got_header && got_sleeper && got_stuck) {
        let Ok(l) = rx.recv_timeout(Duration::from_secs(20)) else {
            panic!(
                "no complete dump on stderr within 20 s; got:\n{}",
                seen.join("\n")
            );
        };
        got_header |= l.starts_with(&header);
        got_sleeper |= l.contains("sleeper") && l.contains(" idle ") && l.contains(&waiting);
        got_stuck |= l.contains("stuck") && l.contains(" running ");
        seen.push(l);
    }
    // The header comes first, then the table's own header.
    let at = seen.iter().position(|l| l.starts_with(&header)).unwrap();
    assert!(seen[at + 1].starts_with("ID "), "{}", seen.join("\n"));
    // Still alive: the signal's default action (ending the process) was replaced.
    assert!(child.0.try_wait().unwrap().is_none());
}

#[test]
fn current_thread_dumps_on_sigquit_with_its_only_thread_stuck() {
    dump_on_signal(
        "current_thread_dumps_on_sigquit_with_its_only_thread_stuck",
        "current_thread",
        SignalKind::quit(),
        true,
    );
}

#[test]
fn multi_thread_dumps_on_sigquit_with_its_only_worker_stuck() {
    dump_on_signal(
        "multi_thread_dumps_on_sigquit_with_its_only_worker_stuck",
        "multi_thread",
        SignalKind::quit(),
        true,
    );
}

#[test]
fn current_thread_dumps_on_sigusr1() {
    dump_on_signal(
        "current_thread_dumps_on_sigusr1",
        "current_thread",
        SignalKind::user_defined1(),
        false,
    );
}

#[test]
fn multi_thread_dumps_on_sigusr1() {
    dump_on_signal(
        "multi_thread_dumps_on_sigusr1",
        "multi_thread",
        SignalKind::user_defined1(),
        false,
    );
}

/// A runtime's watch ends when it is dropped: the signal then ends the process again, as it would
/// have without weft.
#[test]
fn the_watch_ends_with_the_runtime() {
    if let Ok(how) = std::env::var(CHILD_ENV) {
        child(&how);
    }
    use std::os::unix::process::ExitStatusExt;
    let kind = SignalKind::user_defined1();
    let mut child = Killed(
        Command::new(std::env::current_exe().unwrap())
            .args(["the_watch_ends_with_the_runtime", "--exact", "--nocapture"])
            .env(
                CHILD_ENV,
                format!("multi_thread {} dropped", kind.as_raw_value()),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = BufReader::new(child.0.stdout.take().unwrap());
    assert!(
        stdout
            .lines()
            .map(Result::unwrap)
            .any(|l| l.contains("READY ")),
        "the child dropped its runtime"
    );
    let pid = child.0.id() as libc::pid_t;
    // SAFETY: kill with the child's pid and a valid signal number has no memory effects.
    let sent = unsafe { libc::kill(pid, kind.as_raw_value()) };
    assert_eq!(sent, 0);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "SIGUSR1 did not end the child"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.signal(), Some(kind.as_raw_value()), "{status:?}");
}

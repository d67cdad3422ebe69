//! The process-wide side of signals: listeners on two runtimes in one process, a listener whose
//! runtime is gone, and what a signal does once nobody listens (in child processes, so the
//! default action ends the child and not the test binary).

mod support;

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use support::{fresh_signal, in_child, raise, run_in_child, runtime, Flavor, CHILD_ENV};
use weft_signal::unix::{signal, SignalKind};

#[test]
fn listeners_on_two_runtimes_both_see_every_signal() {
    let kind = fresh_signal();
    const ROUNDS: usize = 50;
    let (ready_tx, ready_rx) = mpsc::channel();
    let (go_tx, go_rx) = (0..2)
        .map(|_| mpsc::channel::<()>())
        .unzip::<_, _, Vec<_>, Vec<_>>();
    let threads: Vec<_> = [Flavor::CurrentThread, Flavor::MultiThread]
        .into_iter()
        .zip(go_rx)
        .map(|(flavor, go)| {
            let ready = ready_tx.clone();
            std::thread::spawn(move || {
                runtime(flavor).block_on(async move {
                    let mut listener = signal(kind).unwrap();
                    for _ in 0..ROUNDS {
                        ready.send(()).unwrap();
                        listener.recv().await.unwrap();
                        // Wait until the main thread saw both listeners through this round.
                        while go.try_recv().is_err() {
                            weft_io::time::sleep(Duration::from_millis(1)).await;
                        }
                    }
                })
            })
        })
        .collect();
    for _ in 0..ROUNDS {
        ready_rx.recv().unwrap();
        ready_rx.recv().unwrap();
        raise(kind);
        for go in &go_tx {
            go.send(()).unwrap();
        }
    }
    for thread in threads {
        thread.join().unwrap();
    }
}

#[test]
fn recv_is_none_once_the_runtime_is_gone() {
    let kind = fresh_signal();
    let rt = runtime(Flavor::CurrentThread);
    let mut listener = rt.block_on(async { signal(kind) }).unwrap();
    drop(rt);
    raise(kind);
    assert_eq!(futures_executor_block_on(listener.recv()), None);
}

/// A tiny executor for a future that must not need a weft runtime.
fn futures_executor_block_on<F: std::future::Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// The disposition of `signum` is still the default one.
fn is_default(signum: i32) -> bool {
    // SAFETY: an all-zero sigaction is a valid value of the C struct.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: a null new action only queries; `action` is a valid out-pointer.
    let rc = unsafe { libc::sigaction(signum, std::ptr::null(), &mut action) };
    assert_eq!(rc, 0);
    action.sa_sigaction == libc::SIG_DFL
}

#[test]
fn a_signal_nobody_listens_to_any_more_ends_the_process() {
    if in_child() {
        runtime(Flavor::CurrentThread).block_on(async {
            let mut listener = signal(SignalKind::user_defined2()).unwrap();
            raise(SignalKind::user_defined2());
            listener.recv().await.unwrap();
        });
        // Nobody listens now: the default action (terminate) applies again.
        raise(SignalKind::user_defined2());
        std::thread::sleep(Duration::from_secs(5));
        std::process::exit(0);
    }
    let status = run_in_child("a_signal_nobody_listens_to_any_more_ends_the_process");
    assert_eq!(status.signal(), Some(libc::SIGUSR2), "{status}");
}

#[test]
fn an_ignored_signal_stays_ignored_after_weft_listened() {
    if in_child() {
        // As under `nohup`: SIGHUP ignored before weft listens.
        // SAFETY: setting a signal to SIG_IGN has no memory effects.
        unsafe { libc::signal(libc::SIGHUP, libc::SIG_IGN) };
        runtime(Flavor::CurrentThread).block_on(async {
            let mut listener = signal(SignalKind::hangup()).unwrap();
            raise(SignalKind::hangup());
            listener.recv().await.unwrap();
        });
        raise(SignalKind::hangup());
        std::thread::sleep(Duration::from_millis(100));
        std::process::exit(7);
    }
    let status = run_in_child("an_ignored_signal_stays_ignored_after_weft_listened");
    assert_eq!(status.code(), Some(7), "{status}");
}

#[test]
fn only_the_signals_listened_to_are_touched() {
    if in_child() {
        assert!(is_default(libc::SIGUSR1) && is_default(libc::SIGUSR2));
        runtime(Flavor::CurrentThread).block_on(async {
            let _listener = signal(SignalKind::user_defined2()).unwrap();
            assert!(is_default(libc::SIGUSR1));
            assert!(!is_default(libc::SIGUSR2));
        });
        std::process::exit(7);
    }
    let status = run_in_child("only_the_signals_listened_to_are_touched");
    assert_eq!(status.code(), Some(7), "{status}");
}

#[test]
fn a_stop_signal_nobody_listens_to_is_ignored() {
    const NAME: &str = "a_stop_signal_nobody_listens_to_is_ignored";
    if in_child() {
        let rt = runtime(Flavor::CurrentThread);
        let tstp = SignalKind::from_raw(libc::SIGTSTP);
        rt.block_on(async {
            let mut listener = signal(tstp).unwrap();
            raise(tstp);
            listener.recv().await.unwrap();
        });
        // Nobody listens: ignored (the process neither stops nor ends).
        raise(tstp);
        std::thread::sleep(Duration::from_millis(50));
        // A new listener sees the next one.
        rt.block_on(async {
            let mut listener = signal(tstp).unwrap();
            raise(tstp);
            listener.recv().await.unwrap();
        });
        std::process::exit(7);
    }
    // The child gets a process group of its own: the kernel discards stop signals sent to an
    // orphaned process group, as the test runner's may be, and the test must see a stop if one
    // happens. It is reaped by `waitpid` below (std's `wait` cannot report a stop).
    #[allow(clippy::zombie_processes)]
    let child = Command::new(std::env::current_exe().unwrap())
        .args([NAME, "--exact", "--test-threads=1", "--nocapture"])
        .env(CHILD_ENV, "1")
        .stdout(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: `pid` is our unreaped child; `status` is a valid out-pointer.
    let rc = unsafe { libc::waitpid(pid, &mut status, libc::WUNTRACED) };
    assert_eq!(rc, pid);
    if libc::WIFSTOPPED(status) {
        // SAFETY: signalling and reaping our own stopped child, so the failure leaves nothing.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
            libc::waitpid(pid, &mut status, 0);
        }
        panic!("the child stopped on a SIGTSTP nobody listened to");
    }
    assert!(libc::WIFEXITED(status), "status {status:#x}");
    assert_eq!(libc::WEXITSTATUS(status), 7);
}

/// The descriptors this process has open.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Out of descriptors, `signal` is the `EMFILE` error; it leaves no descriptor behind and no
/// listener counted (a later delivery of the signal, nobody listening, ends the process as its
/// default action does). In a child, since the descriptor limit is the process's.
fn emfile_is_an_error_and_leaves_no_listener(flavor: Flavor, name: &str) {
    if in_child() {
        let rt = runtime(flavor);
        rt.block_on(async {
            // The first listener builds the registry (its doorbell) and installs the handler.
            drop(signal(SignalKind::user_defined1()).unwrap());
            let before = open_fds();
            // The lowest free descriptor number: a limit there leaves no number to open.
            // SAFETY: F_GETFD on any number only reports whether it is an open descriptor.
            let lowest_free = (0..).find(|&fd| unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0);
            let mut lim = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            // SAFETY: `lim` is a valid out-pointer.
            assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) }, 0);
            let saved = lim;
            lim.rlim_cur = lowest_free.unwrap() as libc::rlim_t;
            // SAFETY: lowering the soft limit below the hard one is always allowed.
            assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) }, 0);
            for _ in 0..10 {
                let err = signal(SignalKind::user_defined1()).unwrap_err();
                assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");
            }
            // SAFETY: restoring the limits read above.
            assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &saved) }, 0);
            assert_eq!(open_fds(), before, "a failed signal() leaked a descriptor");
        });
        // No listener is left counted: the default action (terminate) applies.
        raise(SignalKind::user_defined1());
        std::thread::sleep(Duration::from_secs(5));
        std::process::exit(0);
    }
    let status = run_in_child(name);
    assert_eq!(status.signal(), Some(libc::SIGUSR1), "{status}");
}

#[test]
fn emfile_is_an_error_and_leaves_no_listener_current_thread() {
    emfile_is_an_error_and_leaves_no_listener(
        Flavor::CurrentThread,
        "emfile_is_an_error_and_leaves_no_listener_current_thread",
    );
}

#[test]
fn emfile_is_an_error_and_leaves_no_listener_multi_thread() {
    emfile_is_an_error_and_leaves_no_listener(
        Flavor::MultiThread,
        "emfile_is_an_error_and_leaves_no_listener_multi_thread",
    );
}

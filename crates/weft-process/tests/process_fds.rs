//! No descriptor leaks and no zombies on the failure paths of spawning: a missing program, and
//! running out of descriptors (EMFILE) at every step of a spawn. The tests count /proc/self/fd, so
//! they run one at a time (a lock) and each owns the process while it counts; each runs with both
//! ways of waiting for an exit, and the EMFILE ones on both runtime flavours.

mod support;

use std::io::ErrorKind;
use std::sync::Mutex;

use support::{child_state, open_fds, raise_fd_limit, runtime, wait_until_reaped, Flavor};
use weft_process::{Command, Stdio};

/// Serialises the tests of this file: each counts the whole process's descriptors.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs `body` on a runtime of `flavor`, with the wait mode set, holding the lock.
fn exclusive<F: std::future::Future>(flavor: Flavor, force_sigchld: bool, body: F) -> F::Output {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    weft_process::__private::force_sigchld_fallback(force_sigchld);
    raise_fd_limit();
    let rt = runtime(flavor);
    let out = rt.block_on(body);
    // Dropped while the lock is held: its descriptors must not close during the next count.
    drop(rt);
    out
}

/// One spawn of `true` with all three streams piped, waited for if it started.
async fn spawn_piped_true() -> std::io::Result<()> {
    let mut child = Command::new("true")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let pid = child.id().unwrap();
    assert!(child.wait().await?.success());
    assert_eq!(child_state(pid), None);
    Ok(())
}

fn missing_program_and_success_leak_nothing(force_sigchld: bool) {
    exclusive(Flavor::CurrentThread, force_sigchld, async {
        // Warm up: the first spawn may set up process-wide things (weft-signal's doorbell).
        spawn_piped_true().await.unwrap();
        let before = open_fds();
        for _ in 0..20 {
            let err = Command::new("/nonexistent/weft-no-such-program")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound);
            spawn_piped_true().await.unwrap();
            let dropped = Command::new("sleep")
                .arg("100")
                .stdout(Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .unwrap();
            let pid = dropped.id().unwrap();
            drop(dropped);
            wait_until_reaped(pid).await;
        }
        assert_eq!(open_fds(), before, "descriptors leaked");
    });
}

#[test]
fn missing_program_and_success_leak_nothing_pidfd() {
    missing_program_and_success_leak_nothing(false);
}

#[test]
fn missing_program_and_success_leak_nothing_sigchld() {
    missing_program_and_success_leak_nothing(true);
}

/// Lowers the soft descriptor limit so that only `spare` more can be opened, runs `f`, and puts
/// the limit back.
fn with_spare_fds<R>(spare: usize, f: impl FnOnce() -> R) -> R {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid out-pointer.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) }, 0);
    let saved = lim;
    // New descriptors take the lowest free numbers below the limit (open ones above it stay
    // usable): the limit is where exactly `spare` numbers below it are free.
    // (Asked of the OS number by number: listing /proc/self/fd would count the listing's own
    // descriptor, closed again by now.)
    // SAFETY: F_GETFD on any number only reports whether it is an open descriptor.
    let is_open = |fd: u64| unsafe { libc::fcntl(fd as libc::c_int, libc::F_GETFD) } >= 0;
    let open: std::collections::HashSet<u64> = (0..lim.rlim_cur.min(1 << 16))
        .filter(|&fd| is_open(fd))
        .collect();
    let mut limit = 0;
    let mut free = 0;
    while free < spare || open.contains(&limit) {
        if !open.contains(&limit) {
            free += 1;
        }
        limit += 1;
    }
    lim.rlim_cur = limit;
    // SAFETY: lowering the soft limit below the hard one is always allowed.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) }, 0);
    let out = f();
    // SAFETY: restoring the limits read above.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &saved) }, 0);
    out
}

fn emfile_at_every_step_is_an_error_and_leaks_nothing(flavor: Flavor, force_sigchld: bool) {
    exclusive(flavor, force_sigchld, async {
        spawn_piped_true().await.unwrap();
        let before = open_fds();
        let mut failures = 0;
        let mut successes = 0;
        let mut after_start = false;
        // With pipes, std's spawn needs the most descriptors; without, it may need none
        // (posix_spawn), and EMFILE then hits weft's own step (pidfd or the SIGCHLD listener),
        // after the child started: it must be killed and reaped.
        for (spare, piped) in (0..16).flat_map(|spare| [(spare, true), (spare, false)]) {
            let result = with_spare_fds(spare, || {
                let mut command = Command::new("true");
                if piped {
                    command
                        .stdin(Stdio::piped())
                        .stdout(Stdio::piped())
                        .stderr(Stdio::piped());
                }
                command.spawn()
            });
            match result {
                Ok(mut child) => {
                    successes += 1;
                    let pid = child.id().unwrap();
                    assert!(child.wait().await.unwrap().success());
                    assert_eq!(child_state(pid), None);
                }
                Err(e) => {
                    failures += 1;
                    assert_eq!(e.raw_os_error(), Some(libc::EMFILE), "spare {spare}: {e}");
                    if !piped && spare == 0 {
                        after_start = true;
                    }
                }
            }
            assert_eq!(open_fds(), before, "descriptors leaked with {spare} spare");
        }
        assert!(
            failures > 0 && successes > 0,
            "{failures} failures, {successes} successes"
        );
        // glibc's posix_spawn needs no descriptor: the spawn with no pipes and none spare started
        // the child, and weft's own step (pidfd or SIGCHLD listener) failed after it.
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        assert!(after_start, "no spawn failed after the child had started");
        // No zombie is left by the failed spawns either (they are killed and reaped).
        let zombies = std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter(|&pid| child_state(pid) == Some('Z'))
            .count();
        assert_eq!(zombies, 0);
    });
}

#[test]
fn emfile_at_every_step_is_an_error_and_leaks_nothing_pidfd() {
    emfile_at_every_step_is_an_error_and_leaks_nothing(Flavor::CurrentThread, false);
}

#[test]
fn emfile_at_every_step_is_an_error_and_leaks_nothing_sigchld() {
    emfile_at_every_step_is_an_error_and_leaks_nothing(Flavor::CurrentThread, true);
}

#[test]
fn emfile_at_every_step_is_an_error_and_leaks_nothing_pidfd_multi_thread() {
    emfile_at_every_step_is_an_error_and_leaks_nothing(Flavor::MultiThread, false);
}

#[test]
fn emfile_at_every_step_is_an_error_and_leaks_nothing_sigchld_multi_thread() {
    emfile_at_every_step_is_an_error_and_leaks_nothing(Flavor::MultiThread, true);
}

//! The runtime when the OS refuses resources, each case in a child process (the limits are
//! process-wide): threads (`RLIMIT_NPROC` lowered to 0) and descriptors (`RLIMIT_NOFILE` lowered
//! to what is open plus 0..4). `build()` returns an error instead of panicking; the blocking pool
//! queues a job while it has a thread and cancels it (the `JoinHandle` resolves to an error) when
//! it has none and cannot start one; nothing panics, no job is lost silently and no descriptor
//! leaks on a failed build.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Set in the child to the test it must run.
const CHILD: &str = "WEFT_RT_LIMITS_CHILD";

/// Re-runs this test binary for test `name` in a child process and returns its stdout (at most
/// 120 s; the child is killed after that).
fn run_child(name: &str) -> String {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, name)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the child");
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut out = String::new();
        let _ = stdout.read_to_string(&mut out);
        let _ = tx.send(out);
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let out = loop {
        if let Ok(out) = rx.recv_timeout(Duration::from_millis(50)) {
            break out;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the child of {name} did not finish within 120 s");
        }
    };
    let _ = child.wait();
    out
}

/// The value after `key: ` on the child's line starting with `key`.
fn field<'a>(out: &'a str, key: &str) -> &'a str {
    let prefix = format!("{key}: ");
    out.lines()
        .find_map(|l| l.find(&prefix).map(|at| l[at + prefix.len()..].trim()))
        .unwrap_or_else(|| panic!("no line {key:?} in the child's output:\n{out}"))
}

/// Ends the child at once, skipping exit handlers (a leak checker's at-exit thread would be
/// refused under the thread limit).
fn child_exit() -> ! {
    use std::io::Write;
    std::io::stdout().flush().unwrap();
    // SAFETY: `_exit` ends the process; nothing runs after it.
    unsafe { libc::_exit(0) }
}

fn open_descriptors() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn refused_threads_give_errors_not_panics_and_lose_no_job() {
    if std::env::var_os(CHILD).is_none() {
        let out = run_child("refused_threads_give_errors_not_panics_and_lose_no_job");
        println!("{out}");
        if field(&out, "threads") != "refused" {
            println!("skipped: this system lets the child start threads under RLIMIT_NPROC=0");
            return;
        }
        assert!(
            field(&out, "multi-thread build").starts_with("error"),
            "{out}"
        );
        assert_eq!(
            field(&out, "queued behind a busy thread"),
            "8 of 8 ran",
            "{out}"
        );
        assert_eq!(field(&out, "current-thread build"), "ok", "{out}");
        assert_eq!(
            field(&out, "spawn_blocking without a thread"),
            "cancelled",
            "{out}"
        );
        // An error, and not a shutdown: the runtime is alive, a thread was refused.
        assert!(
            field(&out, "fs without a thread").starts_with("error (not a shutdown)"),
            "{out}"
        );
        assert_eq!(field(&out, "tasks still run"), "yes", "{out}");
        assert_eq!(field(&out, "done"), "yes", "{out}");
        return;
    }

    // The child. A runtime whose blocking pool has one thread, busy until told.
    let rt = weft::runtime::Builder::new_current_thread()
        .max_blocking_threads(4)
        .build()
        .unwrap();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let busy = rt.spawn_blocking(move || release_rx.recv().unwrap());

    // Root is not held to RLIMIT_NPROC: become nobody first.
    // SAFETY: plain syscalls on this process's credentials and limits.
    unsafe {
        if libc::geteuid() == 0 {
            assert_eq!(libc::setresgid(65534, 65534, 65534), 0);
            assert_eq!(libc::setresuid(65534, 65534, 65534), 0);
        }
        let none = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        assert_eq!(libc::setrlimit(libc::RLIMIT_NPROC, &none), 0);
    }
    let refused = std::thread::Builder::new().spawn(|| {}).is_err();
    println!("threads: {}", if refused { "refused" } else { "allowed" });
    if !refused {
        child_exit();
    }

    match weft::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
    {
        Ok(_) => println!("multi-thread build: ok"),
        Err(e) => println!("multi-thread build: error ({e})"),
    }

    // Eight jobs while the pool's only thread is busy and no other can start: they wait in the
    // queue and that thread runs them all once free.
    let ran = rt.block_on(async {
        let jobs: Vec<_> = (0..8).map(|i| weft::spawn_blocking(move || i)).collect();
        release_tx.send(()).unwrap();
        busy.await.unwrap();
        let mut ran = 0;
        for (i, job) in jobs.into_iter().enumerate() {
            if job.await.ok() == Some(i) {
                ran += 1;
            }
        }
        ran
    });
    println!("queued behind a busy thread: {ran} of 8 ran");

    // A fresh runtime: its pool has no thread and cannot start one.
    let fresh = weft::runtime::Builder::new_current_thread().build();
    println!(
        "current-thread build: {}",
        if fresh.is_ok() { "ok" } else { "error" }
    );
    let fresh = fresh.unwrap();
    fresh.block_on(async {
        match weft::spawn_blocking(|| 1).await {
            Ok(_) => println!("spawn_blocking without a thread: ran"),
            Err(e) if e.is_cancelled() => println!("spawn_blocking without a thread: cancelled"),
            Err(e) => println!("spawn_blocking without a thread: {e}"),
        }
        match weft::fs::read("/proc/self/stat").await {
            Ok(_) => println!("fs without a thread: ok"),
            Err(e) if weft::runtime::ShutdownError::is(&e) => {
                println!("fs without a thread: error (a shutdown) ({e})")
            }
            Err(e) => println!("fs without a thread: error (not a shutdown) ({e})"),
        }
        let task = weft::spawn(async { weft::task::yield_now().await });
        task.await.unwrap();
        println!("tasks still run: yes");
    });
    println!("done: yes");
    child_exit();
}

#[test]
fn exhausted_descriptors_make_build_fail_without_leaking() {
    if std::env::var_os(CHILD).is_none() {
        let out = run_child("exhausted_descriptors_make_build_fail_without_leaking");
        println!("{out}");
        for headroom in 0..4 {
            for flavour in ["current", "multi"] {
                let line = field(&out, &format!("{flavour} {headroom}"));
                assert!(line.ends_with("leaked 0"), "{flavour} {headroom}: {line}");
            }
        }
        // With no descriptor to spare, the driver's epoll cannot be made: an error.
        assert!(field(&out, "current 0").starts_with("error"), "{out}");
        assert!(field(&out, "multi 0").starts_with("error"), "{out}");
        assert_eq!(field(&out, "done"), "yes", "{out}");
        return;
    }

    // The child: lower the soft limit to what is open plus `headroom`, build, put it back.
    let mut old = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `old` is a valid rlimit to fill.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut old) }, 0);
    for headroom in 0..4 {
        for flavour in ["current", "multi"] {
            let before = open_descriptors();
            let limit = libc::rlimit {
                // The listing of /proc/self/fd counted its own descriptor.
                rlim_cur: (before - 1 + headroom) as libc::rlim_t,
                rlim_max: old.rlim_max,
            };
            // SAFETY: valid rlimits; lowering and restoring the soft limit is always allowed.
            unsafe { assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0) };
            let built = if flavour == "current" {
                weft::runtime::Builder::new_current_thread().build()
            } else {
                weft::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .build()
            };
            let outcome = match &built {
                Ok(_) => "ok".to_owned(),
                Err(e) => format!("error ({e})"),
            };
            drop(built);
            // SAFETY: as above.
            unsafe { assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &old), 0) };
            let leaked = open_descriptors() as isize - before as isize;
            println!("{flavour} {headroom}: {outcome}, leaked {leaked}");
        }
    }
    println!("done: yes");
    child_exit();
}

//! The behaviour suite of child processes, run by `process_pidfd.rs` and `process_sigchld.rs`
//! (one per way of waiting for an exit), on both runtime flavours. Every program is a real one
//! from the system (sh, cat, sleep, true, yes, head, ...).

use std::io::ErrorKind;
use std::os::unix::process::ExitStatusExt;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use futures_util::{AsyncReadExt, AsyncWriteExt};
use weft_io::time::timeout;
use weft_process::{Command, Stdio};

use crate::support::{child_state, flavors, wait_until_reaped};

/// A deterministic byte stream for byte-exact transfers: byte `i` is `BLOCK[i % BLOCK.len()]`,
/// with a block length no buffer size divides, so a lost, doubled or reordered chunk shows. (Built
/// once and compared slice by slice: per-byte checks of 16 MiB cost seconds in a debug build.)
fn block() -> Vec<u8> {
    (0..1_048_583usize)
        .map(|i| ((i * 31 + i / 4099) % 251) as u8)
        .collect()
}

/// Calls `f` with the pieces (at most `max` bytes each) of the stream's bytes `range`.
fn pieces<'a>(
    block: &'a [u8],
    range: std::ops::Range<usize>,
    max: usize,
    mut f: impl FnMut(usize, &'a [u8]),
) {
    let mut pos = range.start;
    while pos < range.end {
        let at = pos % block.len();
        let n = (block.len() - at).min(max).min(range.end - pos);
        f(pos, &block[at..at + n]);
        pos += n;
    }
}

/// The number of pidfds this process holds.
fn open_pidfds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .filter(|target| target.to_string_lossy().contains("pidfd"))
        .count()
}

/// Whether this process has a handler for SIGCHLD.
fn catches_sigchld() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let mask = status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .unwrap()
        .trim();
    u64::from_str_radix(mask, 16).unwrap() & (1 << (libc::SIGCHLD - 1)) != 0
}

flavors! {
    async fn children_are_waited_for_the_way_this_binary_asks() {
        let mut child = Command::new("sleep").arg("0.2").spawn().unwrap();
        if crate::FORCE_SIGCHLD {
            assert_eq!(open_pidfds(), 0, "the SIGCHLD fallback opened a pidfd");
            assert!(catches_sigchld(), "the SIGCHLD fallback has no SIGCHLD handler");
        } else {
            assert!(open_pidfds() >= 1, "no pidfd for the running child");
        }
        assert!(child.wait().await.unwrap().success());
    }

    async fn exit_codes_are_reported() {
        let status = Command::new("sh").args(["-c", "exit 3"]).status().await.unwrap();
        assert_eq!(status.code(), Some(3));
        assert!(!status.success());
        assert!(Command::new("true").status().await.unwrap().success());
        let mut child = Command::new("sh").args(["-c", "exit 42"]).spawn().unwrap();
        assert_eq!(child.wait().await.unwrap().code(), Some(42));
        // The status stays: waiting again returns it without touching the OS.
        assert_eq!(child.wait().await.unwrap().code(), Some(42));
        assert_eq!(child.id(), None);
    }

    async fn cat_echoes_16_mib_written_and_read_at_once() {
        const LEN: usize = 16 << 20;
        let mut cat = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = cat.stdin.take().unwrap();
        let mut stdout = cat.stdout.take().unwrap();
        let block = block();
        let writer = async {
            let mut chunks = Vec::new();
            pieces(&block, 0..LEN, 100_003, |_, piece| chunks.push(piece));
            for chunk in chunks {
                stdin.write_all(chunk).await.unwrap();
            }
            stdin.close().await.unwrap();
        };
        let reader = async {
            let mut buf = vec![0; 1 << 16];
            let mut total = 0;
            loop {
                let n = stdout.read(&mut buf).await.unwrap();
                if n == 0 {
                    return total;
                }
                assert!(total + n <= LEN, "more bytes than were written");
                pieces(&block, total..total + n, usize::MAX, |pos, expected| {
                    let at = pos - total;
                    assert!(buf[at..at + expected.len()] == *expected, "bytes differ near {pos}");
                });
                total += n;
            }
        };
        let ((), total) = futures_util::join!(writer, reader);
        assert_eq!(total, LEN);
        assert!(cat.wait().await.unwrap().success());
    }

    async fn a_sleeping_child_is_killed_at_once() {
        let start = Instant::now();
        let mut child = Command::new("sleep").arg("100").spawn().unwrap();
        let pid = child.id().unwrap();
        child.kill().await.unwrap();
        let status = child.try_wait().unwrap().expect("kill waits for the exit");
        assert_eq!(status.signal(), Some(libc::SIGKILL));
        assert!(start.elapsed() < Duration::from_secs(50), "kill waited for the sleep");
        assert_eq!(child_state(pid), None, "the killed child is reaped");
        // Killing an exited child is not an error.
        child.start_kill().unwrap();
    }

    async fn kill_on_drop_kills_and_reaps() {
        let child = Command::new("sleep").arg("100").kill_on_drop(true).spawn().unwrap();
        let pid = child.id().unwrap();
        drop(child);
        wait_until_reaped(pid).await;
    }

    async fn a_dropped_running_child_keeps_running_and_is_reaped_when_it_ends() {
        let child = Command::new("sleep").arg("0.3").spawn().unwrap();
        let pid = child.id().unwrap();
        drop(child);
        weft_io::time::sleep(Duration::from_millis(100)).await;
        assert!(
            matches!(child_state(pid), Some(state) if state != 'Z'),
            "without kill_on_drop the child runs on: {:?}",
            child_state(pid)
        );
        wait_until_reaped(pid).await;
    }

    async fn five_hundred_children_at_once_all_succeed_and_leave_no_zombie() {
        let mut children: Vec<_> = (0..500).map(|_| Command::new("true").spawn().unwrap()).collect();
        let pids: Vec<u32> = children.iter().map(|c| c.id().unwrap()).collect();
        let statuses = join_all(children.iter_mut().map(|c| c.wait())).await;
        assert!(statuses.into_iter().all(|s| s.unwrap().success()));
        let left: Vec<_> = pids.iter().filter_map(|&p| child_state(p).map(|s| (p, s))).collect();
        assert!(left.is_empty(), "children still there: {left:?}");
    }

    async fn yes_through_head_counts_100_mib() {
        const LEN: usize = 100 << 20;
        let mut yes = Command::new("yes").stdout(Stdio::piped()).spawn().unwrap();
        let yes_out = Stdio::try_from(yes.stdout.take().unwrap()).unwrap();
        let mut head = Command::new("head")
            .arg(format!("-c{LEN}"))
            .stdin(yes_out)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = head.stdout.take().unwrap();
        let mut buf = vec![0; 1 << 16];
        // What `yes` prints, one byte longer than the buffer so any offset parity fits.
        let expected: Vec<u8> = b"y\n".repeat(buf.len() / 2 + 1);
        let mut total = 0;
        loop {
            let n = stdout.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            let phase = total % 2;
            assert!(buf[..n] == expected[phase..phase + n], "not `yes` output near byte {total}");
            total += n;
        }
        assert_eq!(total, LEN);
        assert!(head.wait().await.unwrap().success());
        // `yes` ends on SIGPIPE once head is gone (std resets SIGPIPE to the default in children).
        assert_eq!(yes.wait().await.unwrap().signal(), Some(libc::SIGPIPE));
    }

    async fn a_pipeline_pumped_through_this_process() {
        // yes -> (this process) -> head -c 10M -> (this process): two children, two pumps.
        const LEN: usize = 10 << 20;
        let mut yes = Command::new("yes").stdout(Stdio::piped()).kill_on_drop(true).spawn().unwrap();
        let mut head = Command::new("head")
            .arg(format!("-c{LEN}"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut from_yes = yes.stdout.take().unwrap();
        let mut to_head = head.stdin.take().unwrap();
        let mut from_head = head.stdout.take().unwrap();
        let pump = async move {
            // Ends when head exits and the write fails with BrokenPipe.
            let err = futures_util::io::copy(&mut from_yes, &mut to_head).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::BrokenPipe);
        };
        let collect = async move {
            let mut buf = vec![0; 1 << 16];
            let expected: Vec<u8> = b"y\n".repeat(buf.len() / 2 + 1);
            let mut total = 0;
            loop {
                let n = from_head.read(&mut buf).await.unwrap();
                if n == 0 {
                    return total;
                }
                let phase = total % 2;
                assert!(buf[..n] == expected[phase..phase + n], "not `yes` output near {total}");
                total += n;
            }
        };
        let ((), total) = futures_util::join!(pump, collect);
        assert_eq!(total, LEN);
        assert!(head.wait().await.unwrap().success());
        yes.kill().await.unwrap();
    }

    async fn a_missing_program_is_not_found() {
        for _ in 0..3 {
            let err = Command::new("/nonexistent/weft-no-such-program")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
            let err = Command::new("weft-no-such-program-on-path").output().await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
        }
    }

    async fn writing_to_a_child_that_closed_its_stdin_is_broken_pipe() {
        // Rust's runtime ignores SIGPIPE in this process: the write fails instead of killing us.
        // SAFETY: an all-zero sigaction is a valid value; a null new action only queries.
        let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
        // SAFETY: as above; `action` is a valid out-pointer.
        let rc = unsafe { libc::sigaction(libc::SIGPIPE, std::ptr::null(), &mut action) };
        assert_eq!(rc, 0);
        assert_eq!(action.sa_sigaction, libc::SIG_IGN);

        let mut head = Command::new("head")
            .arg("-c1")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = head.stdin.take().unwrap();
        let chunk = vec![b'x'; 1 << 16];
        let err = loop {
            // head reads one byte and exits; the pipe then has no reader.
            if let Err(e) = stdin.write_all(&chunk).await {
                break e;
            }
        };
        assert_eq!(err.kind(), ErrorKind::BrokenPipe, "{err}");
        assert!(head.wait().await.unwrap().success());

        // Our own close: later writes are BrokenPipe too.
        let mut cat = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::null()).spawn().unwrap();
        let mut stdin = cat.stdin.take().unwrap();
        stdin.write_all(b"x").await.unwrap();
        stdin.close().await.unwrap();
        assert_eq!(stdin.write_all(b"y").await.unwrap_err().kind(), ErrorKind::BrokenPipe);
        assert!(cat.wait().await.unwrap().success());
    }

    async fn output_collects_stdout_and_stderr() {
        let out = Command::new("sh")
            .args(["-c", "printf out; printf err >&2; exit 5"])
            .output()
            .await
            .unwrap();
        assert_eq!(out.status.code(), Some(5));
        assert_eq!(out.stdout, b"out");
        assert_eq!(out.stderr, b"err");
        // stdin is null for output(): `cat` sees end of input at once.
        let out = Command::new("cat").output().await.unwrap();
        assert!(out.status.success() && out.stdout.is_empty());
    }

    async fn environment_and_directory_reach_the_child() {
        let dir = std::env::temp_dir().canonicalize().unwrap();
        let out = Command::new("sh")
            .args(["-c", "echo \"$WEFT_TEST_VAR\"; pwd; echo \"${HOME:-unset}\""])
            .env_clear()
            .env("WEFT_TEST_VAR", "hello")
            .env("PATH", "/usr/bin:/bin")
            .current_dir(&dir)
            .output()
            .await
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(text, format!("hello\n{}\nunset\n", dir.display()));
    }

    async fn try_wait_and_a_cancelled_wait() {
        let mut child = Command::new("sleep").arg("0.3").spawn().unwrap();
        assert!(child.try_wait().unwrap().is_none());
        assert!(child.id().is_some());
        // A wait cut short by a timeout loses nothing.
        assert!(timeout(Duration::from_millis(20), child.wait()).await.is_err());
        assert!(child.wait().await.unwrap().success());
        assert!(child.try_wait().unwrap().unwrap().success());
    }

    async fn wait_with_output_reads_while_waiting() {
        // More output than a pipe buffer holds: reading and waiting must overlap.
        let child = Command::new("sh")
            .args(["-c", "head -c 1000000 /dev/zero; head -c 300000 /dev/zero >&2"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = child.wait_with_output().await.unwrap();
        assert!(out.status.success());
        assert_eq!((out.stdout.len(), out.stderr.len()), (1_000_000, 300_000));
    }
}

//! `stdin`/`stdout`/`stderr` in child processes: the test binary runs itself again with an
//! environment variable naming the test, and with stdin/stdout/stderr redirected to a pipe
//! (the reactor path) or a regular file or `/dev/null` (the blocking-pool path); the parent checks
//! what the child read and wrote. Both runtime flavours.

mod support;

use std::io::{Read, Write};
use std::process::{Command, Output, Stdio};

use support::Flavor;
use weft_io::io::{stderr, stdin, stdout, AsyncReadExt, AsyncWriteExt};

/// The variable that tells a re-run test binary which child body to run, and on which flavour.
const CHILD: &str = "WEFT_STDIO_CHILD";

fn flavor_name(flavor: Flavor) -> &'static str {
    match flavor {
        Flavor::MultiThread => "multi",
        _ => "current",
    }
}

/// If this process is the child for `test`, runs `body` on the flavour the parent chose and
/// returns true.
fn child<F, Fut>(test: &str, body: F) -> bool
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let Ok(spec) = std::env::var(CHILD) else {
        return false;
    };
    let Some(flavor) = spec.strip_prefix(test).and_then(|f| f.strip_prefix(':')) else {
        return false;
    };
    let flavor = if flavor == "multi" {
        Flavor::MultiThread
    } else {
        Flavor::CurrentThread
    };
    support::run(flavor, false, body);
    true
}

/// Runs this test binary again as the child for `test` on `flavor`, with the given stdio.
fn spawn_child(
    test: &str,
    flavor: Flavor,
    stdin: Stdio,
    stdout: Stdio,
    stderr: Stdio,
) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, format!("{test}:{}", flavor_name(flavor)))
        .stdin(stdin)
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .expect("re-run the test binary")
}

/// Marks where a child's own output starts and ends (the test harness prints around it).
const BEGIN: &[u8] = b"\x02BEGIN\x02";
const END: &[u8] = b"\x02END\x02";

/// The bytes between the markers.
fn framed(out: &[u8]) -> &[u8] {
    let find = |pat: &[u8]| out.windows(pat.len()).position(|w| w == pat);
    let start = find(BEGIN)
        .unwrap_or_else(|| panic!("no begin marker in {:?}", String::from_utf8_lossy(out)))
        + BEGIN.len();
    let end =
        find(END).unwrap_or_else(|| panic!("no end marker in {:?}", String::from_utf8_lossy(out)));
    &out[start..end]
}

fn check(out: &Output) {
    assert!(
        out.status.success(),
        "the child failed: {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn input(len: usize) -> Vec<u8> {
    (0..len).map(|i| b'a' + (i % 26) as u8).collect()
}

fn temp_file(name: &str, contents: &[u8]) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("weft-stdio-{}-{name}", std::process::id()));
    std::fs::write(&path, contents).unwrap();
    path
}

const LEN: usize = 300 * 1024;

/// The child body shared by the stdin tests: reads stdin to the end, then reports on stderr how
/// it was read and how many bytes, and echoes a checksum on stdout.
async fn read_all_and_report() {
    let mut input = stdin();
    let via = format!("{input:?}");
    let mut data = Vec::new();
    input.read_to_end(&mut data).await.unwrap();
    let sum: u64 = data.iter().map(|&b| b as u64).sum();
    let mut err = stderr();
    err.write_all(format!("{via}\n").as_bytes()).await.unwrap();
    err.flush().await.unwrap();
    let mut out = stdout();
    out.write_all(BEGIN).await.unwrap();
    out.write_all(format!("{} {sum}\n", data.len()).as_bytes())
        .await
        .unwrap();
    out.write_all(END).await.unwrap();
    out.flush().await.unwrap();
}

fn expected_report(data: &[u8]) -> String {
    let sum: u64 = data.iter().map(|&b| b as u64).sum();
    format!("{} {sum}\n", data.len())
}

fn stdin_from_a_pipe_on(flavor: Flavor) {
    let data = input(LEN);
    let mut child = spawn_child(
        "stdin_from_a_pipe",
        flavor,
        Stdio::piped(),
        Stdio::piped(),
        Stdio::piped(),
    );
    let mut pipe = child.stdin.take().unwrap();
    // Write in pieces with pauses, so the child's reads wait for data.
    for chunk in data.chunks(LEN / 3) {
        pipe.write_all(chunk).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    drop(pipe);
    let out = child.wait_with_output().unwrap();
    check(&out);
    assert_eq!(
        String::from_utf8_lossy(framed(&out.stdout)),
        expected_report(&data)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("via: \"reactor\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn stdin_from_a_pipe() {
    if child("stdin_from_a_pipe", read_all_and_report) {
        return;
    }
    stdin_from_a_pipe_on(Flavor::CurrentThread);
    stdin_from_a_pipe_on(Flavor::MultiThread);
}

fn stdin_from_a_regular_file_on(flavor: Flavor) {
    let data = input(LEN + 17);
    let path = temp_file(&format!("in-{}", flavor_name(flavor)), &data);
    let file = std::fs::File::open(&path).unwrap();
    let child = spawn_child(
        "stdin_from_a_regular_file",
        flavor,
        file.into(),
        Stdio::piped(),
        Stdio::piped(),
    );
    let out = child.wait_with_output().unwrap();
    std::fs::remove_file(&path).unwrap();
    check(&out);
    assert_eq!(
        String::from_utf8_lossy(framed(&out.stdout)),
        expected_report(&data)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("via: \"blocking pool\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn stdin_from_a_regular_file() {
    if child("stdin_from_a_regular_file", read_all_and_report) {
        return;
    }
    stdin_from_a_regular_file_on(Flavor::CurrentThread);
    stdin_from_a_regular_file_on(Flavor::MultiThread);
}

#[test]
fn stdin_from_dev_null_ends_at_once() {
    if child("stdin_from_dev_null_ends_at_once", read_all_and_report) {
        return;
    }
    for flavor in [Flavor::CurrentThread, Flavor::MultiThread] {
        let child = spawn_child(
            "stdin_from_dev_null_ends_at_once",
            flavor,
            Stdio::null(),
            Stdio::piped(),
            Stdio::piped(),
        );
        let out = child.wait_with_output().unwrap();
        check(&out);
        assert_eq!(framed(&out.stdout), b"0 0\n");
    }
}

/// Child body: writes LEN bytes to stdout and a short line to stderr, in uneven writes.
async fn write_lots() {
    let data = input(LEN);
    let mut out = stdout();
    out.write_all(BEGIN).await.unwrap();
    let mut at = 0;
    let mut step = 1;
    while at < data.len() {
        let end = (at + step).min(data.len());
        out.write_all(&data[at..end]).await.unwrap();
        at = end;
        step = step * 3 % 70_001 + 1;
    }
    out.write_all(END).await.unwrap();
    out.flush().await.unwrap();
    let mut err = stderr();
    err.write_all(format!("{out:?}\n").as_bytes())
        .await
        .unwrap();
    err.flush().await.unwrap();
}

#[test]
fn stdout_to_a_pipe_and_to_a_file() {
    if child("stdout_to_a_pipe_and_to_a_file", write_lots) {
        return;
    }
    let data = input(LEN);
    for flavor in [Flavor::CurrentThread, Flavor::MultiThread] {
        // A pipe the parent reads slowly: the child's writes wait for room.
        let mut child = spawn_child(
            "stdout_to_a_pipe_and_to_a_file",
            flavor,
            Stdio::null(),
            Stdio::piped(),
            Stdio::piped(),
        );
        let mut got = Vec::new();
        let mut pipe = child.stdout.take().unwrap();
        let mut buf = [0u8; 8192];
        loop {
            let n = pipe.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
            if got.len() < 128 * 1024 {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        }
        let out = child.wait_with_output().unwrap();
        check(&out);
        let got = framed(&got);
        assert!(
            got == data,
            "stdout through a pipe arrived byte-exact ({} bytes)",
            got.len()
        );
        assert!(String::from_utf8_lossy(&out.stderr).contains("via: \"reactor\""));

        // A regular file: the pool path, writing at the file's shared offset.
        let path = temp_file(&format!("out-{}", flavor_name(flavor)), b"");
        let file = std::fs::File::create(&path).unwrap();
        let child = spawn_child(
            "stdout_to_a_pipe_and_to_a_file",
            flavor,
            Stdio::null(),
            file.into(),
            Stdio::piped(),
        );
        let out = child.wait_with_output().unwrap();
        check(&out);
        let written = std::fs::read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let written = framed(&written);
        assert!(
            written == data,
            "stdout into a file arrived byte-exact ({} bytes)",
            written.len()
        );
        assert!(String::from_utf8_lossy(&out.stderr).contains("via: \"blocking pool\""));
    }
}

#[test]
fn the_parent_descriptor_stays_blocking() {
    // Making a handle must not set O_NONBLOCK on the process's own descriptors (shared with the
    // shell): check fd 0..=2 of this process around a runtime that made all three handles.
    let flags = || -> Vec<i32> {
        // SAFETY: F_GETFL on descriptors 0..=2 only reads their status flags.
        (0..3)
            .map(|fd| unsafe { libc::fcntl(fd, libc::F_GETFL) } & libc::O_NONBLOCK)
            .collect()
    };
    let before = flags();
    support::run(Flavor::CurrentThread, false, || async {
        let _handles = (stdin(), stdout(), stderr());
    });
    assert_eq!(flags(), before);
}

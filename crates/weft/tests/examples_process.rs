//! The signal and process examples run as programs: `echo` stops gracefully on SIGINT (what Ctrl-C
//! sends): it stops accepting, lets the open connection finish, or cuts it after its grace period;
//! `pipeline` runs a pipeline of real programs, reports each stage's status, fails when a stage
//! fails or is missing, and on SIGINT kills its children.

mod support;

use std::io::{BufRead, BufReader, ErrorKind, Lines, Read, Write};
use std::net::TcpStream;
use std::process::{ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use support::{ctrl_c, example};

/// Starts `echo` on a free port; returns it, its stdout lines and its address.
fn start_echo() -> (std::process::Child, Lines<BufReader<ChildStdout>>, String) {
    let mut server = Command::new(example("echo"))
        .arg("127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .strip_prefix("echo server on ")
        .and_then(|rest| rest.strip_suffix(" (Ctrl-C to stop)"))
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_owned();
    (server, lines, addr)
}

/// One round trip on `stream`: `message` comes back as it was.
fn round_trip(stream: &mut TcpStream, message: &[u8]) {
    stream.write_all(message).unwrap();
    let mut back = vec![0; message.len()];
    stream.read_exact(&mut back).unwrap();
    assert_eq!(back, message);
}

/// Sends Ctrl-C to the echo server with one connection open, and checks what it says and that it
/// no longer accepts.
fn interrupt_with_one_open(
    server: &std::process::Child,
    lines: &mut Lines<BufReader<ChildStdout>>,
    addr: &str,
) {
    ctrl_c(server.id());
    let said: Vec<String> = lines.take(3).map(Result::unwrap).collect();
    assert_eq!(
        said,
        [
            "",
            "Ctrl-C",
            "shutting down: stopped accepting; 1 open connection(s) get 5s to finish"
        ]
    );
    let refused = TcpStream::connect(addr).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
}

#[test]
fn echo_lets_the_open_connection_finish_after_ctrl_c() {
    let (mut server, mut lines, addr) = start_echo();
    let mut open = TcpStream::connect(&addr).unwrap();
    round_trip(&mut open, b"before the signal");
    interrupt_with_one_open(&server, &mut lines, &addr);
    // The open connection is still served during the grace period.
    round_trip(&mut open, b"during the grace period");
    let closed = Instant::now();
    drop(open);
    let exit = server.wait().unwrap();
    assert!(exit.success(), "echo exited with {exit}");
    assert!(
        closed.elapsed() < Duration::from_secs(4),
        "waited out the grace period"
    );
    let said: Vec<String> = lines.map(Result::unwrap).collect();
    assert_eq!(said, ["all 1 connection(s) finished; bye"]);
}

#[test]
fn echo_cuts_a_connection_still_open_after_the_grace_period() {
    let (mut server, mut lines, addr) = start_echo();
    let mut open = TcpStream::connect(&addr).unwrap();
    round_trip(&mut open, b"x");
    let interrupted = Instant::now();
    interrupt_with_one_open(&server, &mut lines, &addr);
    // The client never closes: the server cuts the connection once the 5 s are over.
    open.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut rest = Vec::new();
    match open.read_to_end(&mut rest) {
        Ok(_) => assert!(rest.is_empty(), "{rest:?}"),
        Err(e) => assert_eq!(e.kind(), ErrorKind::ConnectionReset, "{e}"),
    }
    let exit = server.wait().unwrap();
    assert!(exit.success(), "echo exited with {exit}");
    let waited = interrupted.elapsed();
    assert!(waited >= Duration::from_secs(5), "cut after {waited:?}");
    let said: Vec<String> = lines.map(Result::unwrap).collect();
    assert_eq!(said, ["0 connection(s) finished, 1 cut after 5s; bye"]);
}

/// Runs `pipeline` with `stages`; returns its exit status, stdout and stderr.
fn pipeline(stages: &[&str]) -> (std::process::ExitStatus, String, String) {
    let out = Command::new(example("pipeline"))
        .args(stages)
        .output()
        .unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (out.status, text(out.stdout), text(out.stderr))
}

#[test]
fn pipeline_runs_its_stages_and_reports_each() {
    let (status, out, err) = pipeline(&["seq 1000", "grep 7", "wc -l"]);
    assert!(status.success(), "{status}: {err}");
    let lines: Vec<&str> = out.lines().map(str::trim_start).collect();
    // 271 of the numbers 1..=1000 have a 7 in them (1000 minus the 9^3 with none, 0 excluded).
    assert_eq!(
        lines,
        [
            "$ seq 1000 | grep 7 | wc -l",
            "271",
            "--- 1 line(s)",
            "exit status: 0  seq 1000",
            "exit status: 0  grep 7",
            "exit status: 0  wc -l",
        ]
    );
}

#[test]
fn pipeline_fails_when_a_stage_fails_or_is_missing() {
    let (status, out, err) = pipeline(&["seq 3", "false"]);
    assert_eq!(status.code(), Some(1), "{out}");
    assert_eq!(err, "pipeline: stage 2 failed: exit status: 1\n");
    assert!(out.contains("exit status: 1  false"), "{out}");

    let (status, _, err) = pipeline(&["seq 3", "weft-no-such-program"]);
    assert_eq!(status.code(), Some(1));
    assert!(
        err.starts_with("pipeline: `weft-no-such-program`: No such file or directory"),
        "{err}"
    );
}

/// The live (not zombie) processes whose command line is exactly `args`.
fn live_processes(args: &[&str]) -> Vec<u32> {
    let wanted: Vec<u8> = args
        .iter()
        .flat_map(|a| [a.as_bytes(), b"\0"].concat())
        .collect();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| c == wanted))
        .collect()
}

#[test]
fn pipeline_kills_its_children_on_ctrl_c() {
    // A sleep no other test runs: its length is made of this test process's id.
    let seconds = format!("{}", 100_000 + std::process::id());
    let stage = format!("sleep {seconds}");
    let mut running = Command::new(example("pipeline"))
        .args([stage.as_str(), "cat"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(running.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), format!("$ {stage} | cat"));
    let start = Instant::now();
    while live_processes(&["sleep", &seconds]).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the sleep never started"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    ctrl_c(running.id());
    let exit = running.wait().unwrap();
    assert!(exit.success(), "pipeline exited with {exit}");
    let said: Vec<String> = lines.map(Result::unwrap).collect();
    assert_eq!(said, ["", "Ctrl-C: stopping the pipeline"]);
    // The sleep was killed (kill_on_drop), not left running.
    let start = Instant::now();
    while !live_processes(&["sleep", &seconds]).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the sleep outlived the pipeline"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

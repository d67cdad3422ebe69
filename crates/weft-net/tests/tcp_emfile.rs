//! Out of file descriptors: a listener flooded past RLIMIT_NOFILE keeps running at low CPU and
//! serves again once connections close.
//!
//! Each test re-runs this test binary as a child process (selected by the `WEFT_NET_EMFILE_CHILD`
//! environment variable) whose descriptor limit is lowered with `setrlimit`; only the child runs
//! out of descriptors. The child is an echo server that logs every accept error; the parent floods
//! it with connections, measures its CPU time from `/proc/<pid>/stat`, then closes the flood and
//! checks that a new connection is served.

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use support::child::{self as child_process, ChildTest};
use support::Flavor;
use weft_io::io::AsyncWriteExt;

const CHILD_ENV: &str = "WEFT_NET_EMFILE_CHILD";
/// Descriptors the child may open beyond those it holds once its runtime is up.
const HEADROOM: u64 = 24;
const FLOOD: usize = 200;

#[test]
fn emfile_backs_off_current_thread() {
    emfile_test(Flavor::CurrentThread, "emfile_backs_off_current_thread");
}

#[test]
fn emfile_backs_off_multi_thread() {
    emfile_test(Flavor::MultiThread, "emfile_backs_off_multi_thread");
}

fn emfile_test(flavor: Flavor, name: &str) {
    if child_process::is_child(CHILD_ENV) {
        child(flavor);
        return;
    }
    parent(name);
}

/// The child: an echo server under a low descriptor limit, logging accept errors to stdout.
fn child(flavor: Flavor) {
    let (rt, _io) = support::runtime(flavor);
    rt.block_on(async {
        let listener = weft_net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        child_process::limit_descriptors(HEADROOM);
        println!("PORT {}", listener.local_addr().unwrap().port());
        let mut errors = 0usize;
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    weft_runtime::spawn(async move {
                        let (mut rd, mut wr) = stream.into_split();
                        let _ = weft_io::io::copy(&mut rd, &mut wr).await;
                        let _ = wr.close().await;
                    });
                }
                Err(e) => {
                    errors += 1;
                    // What a real server does: log and go on accepting.
                    println!("accept error {errors}: {e} (raw {:?})", e.raw_os_error());
                }
            }
        }
    });
}

/// CPU time (user + system) used so far by process `pid`.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of stat(5) (utime, stime), counted from field 3 (state) here.
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // SAFETY: sysconf only reads a configuration value.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as u64;
    Duration::from_millis(ticks * 1000 / hz)
}

fn parent(name: &str) {
    support::raise_fd_limit();
    let mut child = ChildTest::spawn(name, CHILD_ENV);
    let pid = child.pid();
    let port: u16 = child
        .after_marker("PORT ", Duration::from_secs(30), "the child's port")
        .parse()
        .unwrap();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();

    // Flood: far more connections than the child has descriptors. The kernel completes them
    // all (backlog 1024); the child can accept only some.
    let mut flood = Vec::with_capacity(FLOOD);
    for _ in 0..FLOOD {
        let mut s = TcpStream::connect(addr).expect("connect to the child");
        s.write_all(b"ping").unwrap();
        s.set_read_timeout(Some(Duration::from_millis(10))).unwrap();
        flood.push(s);
    }

    // The child reports running out of descriptors...
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut errors = 0usize;
    while errors < 3 {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = child
            .line(left)
            .expect("the child never reported an accept error");
        if line.starts_with("accept error") {
            assert!(
                line.contains("raw Some(24)") || line.contains("raw Some(23)"),
                "expected EMFILE/ENFILE, got: {line}"
            );
            errors += 1;
        }
    }

    // ... and, still flooded, uses little CPU: the back-off, not a busy loop.
    let wall = Duration::from_secs(2);
    let before = cpu_time(pid);
    let errors_before = child
        .lines_so_far()
        .iter()
        .filter(|l| l.starts_with("accept error"))
        .count();
    std::thread::sleep(wall);
    let used = cpu_time(pid) - before;
    let retries = child
        .lines_so_far()
        .iter()
        .filter(|l| l.starts_with("accept error"))
        .count();
    assert!(
        used < wall / 4,
        "the flooded child used {used:?} of CPU in {wall:?}: it spins instead of backing off"
    );
    assert!(
        retries > 0,
        "the child stopped retrying ({errors_before} errors before)"
    );
    assert!(
        retries < 200,
        "{retries} accept errors in {wall:?}: the back-off is not applied"
    );
    assert!(child.is_running(), "the child died");

    // Some of the flood was served.
    let served = flood
        .iter()
        .filter(|s| {
            let mut reader: &TcpStream = s;
            let mut b = [0u8; 4];
            reader.read_exact(&mut b).is_ok() && &b == b"ping"
        })
        .count();
    assert!(served > 0, "no flooded connection was served");
    assert!(served < FLOOD, "all {FLOOD} served: the limit did not bite");

    // Close the flood: descriptors free up, and a new connection is served again.
    drop(flood);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut s = TcpStream::connect(addr).expect("the listener is gone");
        s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        s.write_all(b"again").unwrap();
        let mut b = [0u8; 5];
        if s.read_exact(&mut b).is_ok() {
            assert_eq!(&b, b"again");
            break;
        }
        assert!(Instant::now() < deadline, "the child never served again");
    }
    assert!(child.is_running(), "the child died");
}

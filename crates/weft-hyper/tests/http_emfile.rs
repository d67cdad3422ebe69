//! Out of descriptors: `serve` flooded past RLIMIT_NOFILE keeps running at low CPU, serves the
//! connections it holds, and serves new ones once the flood is gone.
//!
//! Each test re-runs this test binary as a child process (selected by `WEFT_HYPER_EMFILE_CHILD`)
//! whose descriptor limit is lowered; only the child runs out. The parent floods it with
//! keep-alive connections, reads the child's CPU time from `/proc/<pid>/stat`, closes the flood
//! and checks that a new request is answered.

mod support;

use std::future::IntoFuture;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::Flavor;

const CHILD_ENV: &str = "WEFT_HYPER_EMFILE_CHILD";
/// Descriptors the child may open beyond those it holds once its runtime and listener are up.
const HEADROOM: u64 = 24;
const FLOOD: usize = 150;

#[test]
fn serve_survives_emfile_current_thread() {
    emfile_test(
        Flavor::CurrentThread,
        "serve_survives_emfile_current_thread",
    );
}

#[test]
fn serve_survives_emfile_multi_thread() {
    emfile_test(Flavor::MultiThread, "serve_survives_emfile_multi_thread");
}

fn emfile_test(flavor: Flavor, name: &str) {
    if std::env::var_os(CHILD_ENV).is_some() {
        child(flavor);
    } else {
        parent(name);
    }
}

/// The child: `serve` under a low descriptor limit.
fn child(flavor: Flavor) {
    let rt = support::runtime(flavor);
    rt.block_on(async {
        let listener = weft_net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let open = std::fs::read_dir("/proc/self/fd").unwrap().count() as u64;
        let limit = libc::rlimit {
            rlim_cur: open + HEADROOM,
            rlim_max: open + HEADROOM,
        };
        // SAFETY: `limit` is a valid rlimit; lowering our own limit is always allowed.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
        println!("PORT {port}");
        let _ = weft_hyper::serve(listener, support::TestService)
            .into_future()
            .await;
    });
}

fn parent(name: &str) {
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drive(&mut child)));
    let _ = child.kill();
    let _ = child.wait();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

fn drive(child: &mut Child) {
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let port: u16 = loop {
        let line = lines.next().expect("the child printed its port").unwrap();
        // libtest prints "test NAME ... " first, on the same line.
        if let Some(port) = line.split("PORT ").nth(1) {
            break port.trim().parse().unwrap();
        }
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], port));

    // The flood: keep-alive connections, each with one request sent. The kernel queues the
    // connections the child cannot accept.
    let mut flood = Vec::new();
    for _ in 0..FLOOD {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .write_all(b"GET /flood HTTP/1.1\r\nHost: t\r\n\r\n")
            .unwrap();
        flood.push(stream);
    }
    // The connections the child did accept are served.
    let mut answered = 0;
    for stream in &mut flood {
        stream
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let mut buf = [0u8; 17];
        if stream.read_exact(&mut buf).is_ok() {
            assert_eq!(&buf, b"HTTP/1.1 200 OK\r\n");
            answered += 1;
        }
    }
    assert!(answered > 0, "no flood connection was served");
    assert!(answered < FLOOD, "the child never ran out of descriptors");

    // Out of descriptors, the child backs off instead of spinning.
    let before = cpu_time(child.id());
    std::thread::sleep(Duration::from_secs(1));
    let used = cpu_time(child.id()) - before;
    assert!(
        used < Duration::from_millis(500),
        "the child used {used:?} of CPU in 1 s while out of descriptors"
    );

    // Once the flood is gone, a new request is answered.
    drop(flood);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(reply) = request(addr) {
            assert!(reply.starts_with("HTTP/1.1 200 OK\r\n"), "{reply}");
            assert!(reply.ends_with("hello"), "{reply}");
            break;
        }
        assert!(Instant::now() < deadline, "no answer after the flood left");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One `Connection: close` request; `None` if it got no complete answer within 2 s.
fn request(addr: SocketAddr) -> Option<String> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    stream
        .write_all(b"GET /after HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).ok()?;
    (!reply.is_empty()).then(|| String::from_utf8_lossy(&reply).into_owned())
}

/// User plus system CPU time of process `pid`, from `/proc/<pid>/stat`.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // SAFETY: sysconf only reads a configuration value.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as u64;
    Duration::from_millis(ticks * 1000 / per_second)
}

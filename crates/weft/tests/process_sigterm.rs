//! A child process running a weft TCP server shuts down gracefully on SIGTERM: it stops accepting,
//! finishes the request in flight, and exits 0. The child is this test binary again (with an
//! environment variable naming the server's runtime flavour), driven by the parent through
//! weft::process; server and parent run on the current-thread flavour in one test and on the
//! multi-thread flavour in the other.
#![allow(missing_docs)]

use std::time::Duration;

use weft::io::{AsyncBufReadExt, BufReader};
use weft::net::{TcpListener, TcpStream};
use weft::process::{Command, Stdio};
use weft::signal::unix::{signal, SignalKind};

const SERVER_ENV: &str = "WEFT_TEST_SIGTERM_SERVER";

/// The child's part: serve until SIGTERM, then finish what is open and exit 0, on the runtime
/// flavour the parent named in [`SERVER_ENV`].
fn serve_until_sigterm(flavor: &str) -> ! {
    let rt = runtime(flavor);
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut terminate = signal(SignalKind::terminate()).unwrap();
        println!("ADDR {}", listener.local_addr().unwrap());
        let mut open = Vec::new();
        loop {
            weft::select! {
                accepted = listener.accept() => {
                    let (stream, _) = accepted.unwrap();
                    open.push(weft::spawn(async move {
                        let mut request = [0; 8];
                        stream.read_exact(&mut request).await.unwrap();
                        stream.write_all(b"started\n").await.unwrap();
                        // The slow part of the request: SIGTERM arrives meanwhile.
                        weft::time::sleep(Duration::from_millis(300)).await;
                        stream.write_all(b"done\n").await.unwrap();
                    }));
                }
                _ = terminate.recv() => break,
            }
        }
        drop(listener); // stop accepting
        eprintln!("SIGTERM: finishing {} open connection(s)", open.len());
        for connection in open {
            connection.await.unwrap();
        }
    });
    drop(rt);
    std::process::exit(0)
}

/// The parent's part; the child runs `test` again with [`SERVER_ENV`] set to `server_flavor`.
async fn sigterm_finishes_the_request_in_flight_then_exits_0(test: &str, server_flavor: &str) {
    let mut server = Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(SERVER_ENV, server_flavor)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = weft::stream::StreamExt::next(&mut lines)
            .await
            .expect("the server printed its address")
            .unwrap();
        // libtest may print "test <name> ... " on the same line first.
        if let Some((_, addr)) = line.split_once("ADDR ") {
            break addr.to_owned();
        }
    };
    let client = TcpStream::connect(addr.as_str()).await.unwrap();
    client.write_all(b"request!").await.unwrap();
    let mut reply = BufReader::new(client);
    let mut line = String::new();
    reply.read_line(&mut line).await.unwrap();
    assert_eq!(line, "started\n");

    // The request is in flight: ask the server to stop.
    let pid = server.id().unwrap() as libc::pid_t;
    // SAFETY: kill with our running child's pid and a valid signal has no memory effects.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);

    line.clear();
    reply.read_line(&mut line).await.unwrap();
    assert_eq!(line, "done\n", "the request in flight was finished");
    let status = weft::time::timeout(Duration::from_secs(30), server.wait())
        .await
        .expect("the server exited after finishing")
        .unwrap();
    assert_eq!(status.code(), Some(0), "{status}");
    // It stopped accepting: nobody listens on the address any more.
    let err = TcpStream::connect(addr.as_str()).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
}

/// The watchdog: a hang fails the test instead of blocking the run.
async fn within_a_minute(test: impl std::future::Future<Output = ()>) {
    weft::time::timeout(Duration::from_secs(60), test)
        .await
        .expect("the test did not finish within a minute (a hang)");
}

/// A runtime of the flavour named `current_thread` or `multi_thread`.
fn runtime(flavor: &str) -> weft::runtime::Runtime {
    match flavor {
        "current_thread" => weft::runtime::Builder::new_current_thread().build(),
        "multi_thread" => weft::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build(),
        other => {
            panic!("unknown runtime flavour {other:?}: expected current_thread or multi_thread")
        }
    }
    .unwrap()
}

/// Runs the parent's part on a runtime of `flavor` against a server on the same flavour, unless
/// this process is the server.
fn sigterm_test(test: &str, flavor: &str) {
    if let Some(server) = std::env::var_os(SERVER_ENV) {
        serve_until_sigterm(server.to_str().expect("a flavour name"));
    }
    runtime(flavor).block_on(within_a_minute(
        sigterm_finishes_the_request_in_flight_then_exits_0(test, flavor),
    ));
}

#[test]
fn sigterm_current_thread() {
    sigterm_test("sigterm_current_thread", "current_thread");
}

#[test]
fn sigterm_multi_thread() {
    sigterm_test("sigterm_multi_thread", "multi_thread");
}

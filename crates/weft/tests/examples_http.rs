//! The HTTP examples run as programs: `hello_http` serves, and stops gracefully on SIGINT (what
//! Ctrl-C sends), closing an idle keep-alive connection and exiting 0; `fetch` fetches its pages
//! with the in-flight limit held.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{ctrl_c, example};

#[test]
fn hello_http_serves_and_stops_gracefully_on_sigint() {
    let mut server = Command::new(example("hello_http"))
        .arg("127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .split("http://")
        .nth(1)
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_owned();

    // A keep-alive connection, left idle after one request.
    let mut idle = TcpStream::connect(&addr).unwrap();
    idle.write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let mut head = [0u8; 17];
    idle.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 200 OK\r\n");

    // Another request, over HTTP/1.1 with close.
    let mut one = TcpStream::connect(&addr).unwrap();
    one.write_all(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    one.read_to_string(&mut reply).unwrap();
    assert!(reply.ends_with("Hello, world!\n"), "{reply}");

    ctrl_c(server.id());
    let start = Instant::now();
    // The idle connection is closed by the shutdown.
    idle.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut rest = Vec::new();
    idle.read_to_end(&mut rest).unwrap();
    assert!(String::from_utf8_lossy(&rest).ends_with("Hello, world!\n"));
    let exit = server.wait().unwrap();
    assert!(exit.success(), "hello_http exited with {exit}");
    assert!(start.elapsed() < Duration::from_secs(10));
    let said: Vec<String> = lines.map(Result::unwrap).collect();
    assert_eq!(
        said,
        [
            "hello_http: Ctrl-C, finishing the requests in flight",
            "hello_http: stopped"
        ]
    );
}

#[test]
fn fetch_gets_every_page_within_the_limit() {
    let out = Command::new(example("fetch"))
        .args(["16", "4"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("sequential: 16 pages in"), "{text}");
    assert!(
        text.contains("with at most 4 in flight (the server saw at most"),
        "{text}"
    );
}

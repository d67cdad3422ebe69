//! examples/kv (a Redis-protocol server) driven by the real `redis-cli` and `redis-benchmark`:
//! every command, pipelining, PUBLISH/SUBSCRIBE, and a benchmark run with 50 connections and 16
//! commands in flight on each, with the server on both runtime flavours.
//!
//! The example's modules are compiled into this test as they are (its `main` is not: the server
//! runs in-process, on a runtime built here). A missing program makes its test print one line and
//! pass, unless `WEFT_REQUIRE_CLIENTS=1`.

#[path = "../../../examples/kv/resp.rs"]
mod resp;
#[path = "../../../examples/kv/server.rs"]
mod server;
#[path = "../../../examples/kv/store.rs"]
mod store;

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use weft_test_support::require_program;

/// Runs the kv server on a runtime of the given flavour in a background thread; returns its
/// address. The runtime lives until the test process exits.
fn start_kv(multi_thread: bool) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = if multi_thread {
            weft::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .build()
        } else {
            weft::runtime::Builder::new_current_thread().build()
        }
        .expect("build the runtime");
        rt.block_on(async move {
            let listener = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            server::run(listener).await
        })
    });
    rx.recv().expect("the server thread sent its address")
}

/// `redis-cli -p PORT args...`: its stdout lines.
fn cli(redis_cli: &Path, addr: SocketAddr, args: &[&str]) -> Vec<String> {
    let out = Command::new(redis_cli)
        .args(["-h", "127.0.0.1", "-p", &addr.port().to_string()])
        .args(args)
        .output()
        .expect("run redis-cli");
    assert!(out.status.success(), "redis-cli {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

fn flavours() -> [(bool, &'static str); 2] {
    [(false, "current_thread"), (true, "multi_thread")]
}

#[test]
fn redis_cli_runs_every_command() {
    let Some(redis_cli) = require_program("redis-cli") else {
        return;
    };
    for (multi, _name) in flavours() {
        let addr = start_kv(multi);
        // redis-cli ends an error reply with an empty line.
        let run = |args: &[&str]| cli(&redis_cli, addr, args).join("\n").trim_end().to_owned();
        assert_eq!(run(&["PING"]), "PONG");
        assert_eq!(run(&["PING", "hi there"]), "hi there");
        assert_eq!(run(&["SET", "greeting", "hello"]), "OK");
        assert_eq!(run(&["GET", "greeting"]), "hello");
        assert_eq!(run(&["GET", "missing"]), "");
        assert_eq!(run(&["SET", "greeting", "again", "NX"]), "");
        assert_eq!(run(&["SET", "other", "v", "XX"]), "");
        assert_eq!(run(&["EXISTS", "greeting", "other"]), "1");
        assert_eq!(run(&["INCR", "counter"]), "1");
        assert_eq!(run(&["INCR", "counter"]), "2");
        assert_eq!(
            run(&["INCR", "greeting"]),
            "ERR value is not an integer or out of range"
        );
        assert_eq!(run(&["TTL", "counter"]), "-1");
        assert_eq!(run(&["EXPIRE", "counter", "100"]), "1");
        assert_eq!(run(&["TTL", "counter"]), "100");
        assert_eq!(run(&["SET", "short", "v", "PX", "100"]), "OK");
        std::thread::sleep(Duration::from_millis(250));
        assert_eq!(run(&["GET", "short"]), "");
        assert_eq!(run(&["EXPIRE", "greeting", "0"]), "1");
        assert_eq!(run(&["DEL", "greeting", "counter", "nothing"]), "1");
        assert_eq!(run(&["FLY"]), "ERR unknown command 'FLY'");
        assert_eq!(
            run(&["GET"]),
            "ERR wrong number of arguments for 'get' command"
        );
        let big = "x".repeat(100_000);
        assert_eq!(run(&["SET", "big", &big]), "OK");
        assert_eq!(run(&["GET", "big"]), big);
    }
}

#[test]
fn redis_cli_pipe_sends_ten_thousand_pipelined_commands() {
    let Some(redis_cli) = require_program("redis-cli") else {
        return;
    };
    for (multi, _name) in flavours() {
        let addr = start_kv(multi);
        let mut input = String::new();
        for i in 0..10_000 {
            input.push_str(&format!(
                "*3\r\n$3\r\nSET\r\n${}\r\nk{i}\r\n${}\r\nv{i}\r\n",
                format!("k{i}").len(),
                format!("v{i}").len()
            ));
        }
        let mut child = Command::new(&redis_cli)
            .args(["-p", &addr.port().to_string(), "--pipe"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        assert!(text.contains("errors: 0, replies: 10000"), "{text}");
        assert_eq!(cli(&redis_cli, addr, &["GET", "k9999"]), ["v9999"]);
    }
}

#[test]
fn redis_cli_subscribers_get_published_messages() {
    let Some(redis_cli) = require_program("redis-cli") else {
        return;
    };
    for (multi, _name) in flavours() {
        let addr = start_kv(multi);
        let port = addr.port().to_string();
        let subscribers: Vec<_> = (0..2)
            .map(|_| {
                let mut child = Command::new(&redis_cli)
                    .args(["-p", &port, "SUBSCRIBE", "news", "sport"])
                    .stdout(Stdio::piped())
                    .spawn()
                    .unwrap();
                let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
                // The confirmations: ["subscribe", channel, count] twice.
                let confirm: Vec<String> = (0..6).map(|_| lines.next().unwrap().unwrap()).collect();
                assert_eq!(
                    confirm,
                    ["subscribe", "news", "1", "subscribe", "sport", "2"]
                );
                (child, lines)
            })
            .collect();
        assert_eq!(
            cli(&redis_cli, addr, &["PUBLISH", "news", "weft 1.0"]),
            ["2"]
        );
        assert_eq!(
            cli(&redis_cli, addr, &["PUBLISH", "weather", "rain"]),
            ["0"]
        );
        assert_eq!(cli(&redis_cli, addr, &["PUBLISH", "sport", "goal"]), ["2"]);
        for (mut child, mut lines) in subscribers {
            let got: Vec<String> = (0..6).map(|_| lines.next().unwrap().unwrap()).collect();
            assert_eq!(
                got,
                ["message", "news", "weft 1.0", "message", "sport", "goal"]
            );
            child.kill().unwrap();
            child.wait().unwrap();
        }
        // The subscribers' connections are gone: nobody gets the next message.
        let mut delivered = Vec::new();
        for _ in 0..100 {
            delivered = cli(&redis_cli, addr, &["PUBLISH", "news", "late"]);
            if delivered == ["0"] {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(delivered, ["0"]);
    }
}

#[test]
fn redis_benchmark_runs_set_and_get_pipelined() {
    let Some(benchmark) = require_program("redis-benchmark") else {
        return;
    };
    for (multi, _name) in flavours() {
        let addr = start_kv(multi);
        let out = Command::new(&benchmark)
            .args(["-h", "127.0.0.1", "-p", &addr.port().to_string()])
            .args(["-t", "set,get", "-n", "20000", "-P", "16", "-c", "50", "-q"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).replace('\r', "\n");
        assert!(out.status.success(), "{text}");
        for test in ["SET", "GET"] {
            let line = text
                .lines()
                .find(|l| l.starts_with(&format!("{test}: ")) && l.contains("requests per second"))
                .unwrap_or_else(|| panic!("no {test} result in {text}"));
            let rps: f64 = line
                .split_whitespace()
                .nth(1)
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("unreadable {test} line: {line}"));
            assert!(rps > 0.0, "{line}");
        }
        // The benchmark's SETs landed: its key holds a 3-byte value.
        if let Some(redis_cli) = find("redis-cli") {
            let value = cli(&redis_cli, addr, &["GET", "key:__rand_int__"]);
            assert_eq!(value.len(), 1);
            assert_eq!(value[0].len(), 3, "{value:?}");
        }
    }
}

fn find(name: &str) -> Option<PathBuf> {
    require_program(name)
}

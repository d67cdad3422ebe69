//! weft servers driven by clients nobody here wrote: Python's asyncio, curl and netcat.
//!
//! Each test first asks `weft_test_support::require_program` for its client: when the client is
//! missing the test prints one line saying so and passes, unless `WEFT_REQUIRE_CLIENTS=1` (which
//! `.ci/run` sets after installing curl and netcat-openbsd), where it fails.

mod support;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use support::{flavors, join};
use weft_io::io::{AsyncReadExt, AsyncWriteExt};
use weft_net::{TcpListener, TcpStream};
use weft_test_support::require_program;

/// Runs `program args` on the blocking pool (it blocks until the tool exits).
async fn run_tool(program: PathBuf, args: Vec<String>) -> Output {
    let shown = program.display().to_string();
    let out = weft_runtime::spawn_blocking(move || Command::new(program).args(&args).output());
    join(out)
        .await
        .unwrap_or_else(|e| panic!("could not run `{shown}`: {e}"))
}

/// Runs `program args`, feeding `input` to its stdin and then closing it, on the blocking pool.
async fn run_tool_with_input(program: PathBuf, args: Vec<String>, input: Vec<u8>) -> Output {
    let shown = program.display().to_string();
    let out = weft_runtime::spawn_blocking(move || {
        let mut child = Command::new(program)
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let mut stdin = child.stdin.take().expect("piped");
        let feeder = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
            // Dropping stdin closes it: the tool sees end of input.
        });
        let out = child.wait_with_output();
        let _ = feeder.join();
        out
    });
    join(out)
        .await
        .unwrap_or_else(|e| panic!("could not run `{shown}`: {e}"))
}

/// Serves echo on every connection until the listener task is dropped.
fn spawn_echo_server(listener: TcpListener) -> weft_runtime::task::JoinHandle<()> {
    weft_runtime::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            weft_runtime::spawn(async move {
                let (mut rd, mut wr) = stream.into_split();
                let _ = weft_io::io::copy(&mut rd, &mut wr).await;
            });
        }
    })
}

/// A tiny HTTP/1.1 responder: reads the request head, answers `200` with a body naming the
/// method and path, and closes.
async fn http_respond(mut stream: TcpStream) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut byte).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&byte[..n]);
    }
    let text = String::from_utf8_lossy(&head);
    let mut words = text.split_whitespace();
    let (method, path) = (words.next().unwrap_or("?"), words.next().unwrap_or("?"));
    let body = format!("weft says: {method} {path}\n");
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.close().await
}

const PYTHON_CLIENT: &str = r#"
import asyncio, sys

PORT = int(sys.argv[1])
CONNECTIONS = int(sys.argv[2])

async def client(i):
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    for round in range(5):
        msg = f"client {i} round {round} ".encode() * (1 + i % 7)
        writer.write(msg)
        await writer.drain()
        back = await reader.readexactly(len(msg))
        if back != msg:
            raise AssertionError(f"client {i}: sent {msg!r}, got {back!r}")
    writer.write_eof()
    rest = await reader.read()
    if rest:
        raise AssertionError(f"client {i}: unexpected trailing bytes {rest!r}")
    writer.close()
    await writer.wait_closed()
    return 1

async def main():
    done = await asyncio.gather(*(client(i) for i in range(CONNECTIONS)))
    print(f"ok {sum(done)}")

asyncio.run(main())
"#;

flavors! {
    async fn python_asyncio_clients_get_their_echoes() {
        let Some(python) = require_program("python3") else { return };
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = spawn_echo_server(listener);
        let out = run_tool(
            python,
            vec!["-c".into(), PYTHON_CLIENT.into(), port.to_string(), "200".into()],
        )
        .await;
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "the asyncio client failed: {}\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(stdout.trim(), "ok 200");
        server.abort();
    }

    async fn curl_fetches_from_a_weft_http_responder() {
        let Some(curl) = require_program("curl") else { return };
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = weft_runtime::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                weft_runtime::spawn(async move {
                    let _ = http_respond(stream).await;
                });
            }
        });
        // One curl process, 20 URLs (each on its own connection, since the server closes).
        let mut args: Vec<String> = vec!["--silent".into(), "--show-error".into(), "--fail".into()];
        args.extend((0..20).map(|i| format!("http://127.0.0.1:{port}/page/{i}")));
        let out = run_tool(curl.clone(), args).await;
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "curl failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let expected: String = (0..20).map(|i| format!("weft says: GET /page/{i}\n")).collect();
        assert_eq!(stdout, expected);

        // A POST over IPv4 with a body: the responder answers after the head.
        let out = run_tool(
            curl,
            vec![
                "-sS".into(),
                "--fail".into(),
                "-X".into(),
                "POST".into(),
                format!("http://127.0.0.1:{port}/submit"),
            ],
        )
        .await;
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "weft says: POST /submit\n");
        server.abort();
    }

    async fn netcat_echo_with_half_close() {
        let Some(nc) = require_program("nc") else { return };
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = spawn_echo_server(listener);
        // `-N`: shut down the socket's write side at end of input, then read until the server
        // closes; the echo server closes its side once it has echoed everything.
        let input: Vec<u8> = (0..200_000u32).map(|i| b'a' + (i % 26) as u8).collect();
        let out = run_tool_with_input(
            nc,
            vec!["-N".into(), "127.0.0.1".into(), port.to_string()],
            input.clone(),
        )
        .await;
        assert!(
            out.status.success(),
            "nc failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout.len(), input.len(), "nc got a different amount back");
        assert!(out.stdout == input, "nc got different bytes back");
        server.abort();
    }

    async fn netcat_talks_to_a_unix_listener() {
        let Some(nc) = require_program("nc") else { return };
        let dir = support::TempDir::new();
        let path = dir.path("nc.sock");
        let listener = weft_net::UnixListener::bind(&path).unwrap();
        let server = weft_runtime::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let (mut rd, mut wr) = stream.into_split();
            let mut got = Vec::new();
            rd.read_to_end(&mut got).await.unwrap();
            got.reverse();
            wr.write_all(&got).await.unwrap();
            wr.close().await.unwrap();
        });
        let out = run_tool_with_input(
            nc,
            vec!["-N".into(), "-U".into(), path.to_string_lossy().into_owned()],
            b"!xinu morf olleh".to_vec(),
        )
        .await;
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "hello from unix!");
        join(server).await;
    }

    async fn netcat_udp_datagrams() {
        let Some(nc) = require_program("nc") else { return };
        let socket = weft_net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let port = socket.local_addr().unwrap().port();
        let server = weft_runtime::spawn(async move {
            let mut buf = [0u8; 1500];
            let (n, peer) = socket.recv_from(&mut buf).await.unwrap();
            let reply = format!("got {} bytes: {}", n, String::from_utf8_lossy(&buf[..n]));
            socket.send_to(reply.as_bytes(), peer).await.unwrap();
        });
        // `-w 2`: quit 2 s after stdin ends and the socket goes quiet.
        let out = run_tool_with_input(
            nc,
            vec!["-u".into(), "-w".into(), "2".into(), "127.0.0.1".into(), port.to_string()],
            b"datagram".to_vec(),
        )
        .await;
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "got 8 bytes: datagram");
        join(server).await;
    }
}

//! weft servers driven by clients nobody here wrote: Python's asyncio, curl and netcat.
//!
//! The tools must be installed (`.ci/run` installs curl and netcat-openbsd; python3 ships with the
//! machine); a test whose tool is missing fails and says what to install.

mod support;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use support::{flavors, join};
use weft_io::io::{AsyncReadExt, AsyncWriteExt};
use weft_net::{TcpListener, TcpStream};

/// Runs `program args` on the blocking pool (it blocks until the tool exits).
async fn run_tool(program: &'static str, args: Vec<String>, install_hint: &'static str) -> Output {
    let out = weft_runtime::spawn_blocking(move || Command::new(program).args(&args).output());
    match join(out).await {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("`{program}` is not installed, and this test needs it: {install_hint}")
        }
        Err(e) => panic!("could not run `{program}`: {e}"),
    }
}

/// Runs `program args`, feeding `input` to its stdin and then closing it, on the blocking pool.
async fn run_tool_with_input(
    program: &'static str,
    args: Vec<String>,
    input: Vec<u8>,
    install_hint: &'static str,
) -> Output {
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
    match join(out).await {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("`{program}` is not installed, and this test needs it: {install_hint}")
        }
        Err(e) => panic!("could not run `{program}`: {e}"),
    }
}

const NC_HINT: &str = "install OpenBSD netcat (apt-get install netcat-openbsd; .ci/run does this)";

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
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = spawn_echo_server(listener);
        let out = run_tool(
            "python3",
            vec!["-c".into(), PYTHON_CLIENT.into(), port.to_string(), "200".into()],
            "install Python 3 (apt-get install python3)",
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
        let out = run_tool(
            "curl",
            args,
            "install curl (apt-get install curl; .ci/run does this)",
        )
        .await;
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
            "curl",
            vec![
                "-sS".into(),
                "--fail".into(),
                "-X".into(),
                "POST".into(),
                format!("http://127.0.0.1:{port}/submit"),
            ],
            "install curl (apt-get install curl; .ci/run does this)",
        )
        .await;
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "weft says: POST /submit\n");
        server.abort();
    }

    async fn netcat_echo_with_half_close() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = spawn_echo_server(listener);
        // `-N`: shut down the socket's write side at end of input, then read until the server
        // closes; the echo server closes its side once it has echoed everything.
        let input: Vec<u8> = (0..200_000u32).map(|i| b'a' + (i % 26) as u8).collect();
        let out = run_tool_with_input(
            "nc",
            vec!["-N".into(), "127.0.0.1".into(), port.to_string()],
            input.clone(),
            NC_HINT,
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
            "nc",
            vec!["-N".into(), "-U".into(), path.to_string_lossy().into_owned()],
            b"!xinu morf olleh".to_vec(),
            NC_HINT,
        )
        .await;
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "hello from unix!");
        join(server).await;
    }

    async fn netcat_udp_datagrams() {
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
            "nc",
            vec!["-u".into(), "-w".into(), "2".into(), "127.0.0.1".into(), port.to_string()],
            b"datagram".to_vec(),
            NC_HINT,
        )
        .await;
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "got 8 bytes: datagram");
        join(server).await;
    }
}

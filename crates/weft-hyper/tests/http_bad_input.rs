//! `serve` against clients that misbehave: a malformed request line, a head over the size limit,
//! a client that stalls mid-head or before its first byte, a client that resets mid-body. The
//! server answers 400/431 or closes, keeps serving everyone else, and leaks no descriptor
//! (counted before and after; the tests of this binary run one at a time for that, each on its
//! own runtime).

mod support;

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use support::{open_fds, serial_flavors, settle_fds, start_server};
use weft_net::TcpStream;

const HEAD_TIMEOUT: Duration = Duration::from_millis(300);

/// Starts a server with a short header read timeout; returns its address.
async fn server() -> SocketAddr {
    start_server(|serve| serve.header_read_timeout(HEAD_TIMEOUT).into_future())
        .await
        .0
}

/// Sends `request` on a new connection and reads until the server closes it (a reset counts as
/// a close); returns what was read.
async fn exchange(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // The server may close before taking everything (an oversized head): that is its answer.
    let _ = stream.write_all(request).await;
    read_until_closed(&mut stream).await
}

async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// A well-formed request still gets its answer.
async fn still_serves(addr: SocketAddr) {
    let got = exchange(
        addr,
        b"GET /ok HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    )
    .await;
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.ends_with("hello"), "{text}");
}

/// Checks that the descriptors opened since `baseline` are all closed again (the server's
/// listener was opened before it was taken).
async fn no_fd_leak(baseline: usize) {
    let now = settle_fds(baseline).await;
    assert_eq!(
        now, baseline,
        "descriptors leaked: {now} open, {baseline} before"
    );
}

serial_flavors! {
    async fn a_malformed_request_line_gets_400_and_a_close() {
        let addr = server().await;
        let baseline = open_fds();
        let got = exchange(addr, b"THIS IS NOT HTTP\r\n\r\n").await;
        let text = String::from_utf8_lossy(&got);
        assert!(text.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{text}");
        still_serves(addr).await;
        no_fd_leak(baseline).await;
    }

    async fn a_head_over_the_size_limit_gets_431_or_a_close() {
        let addr = server().await;
        let baseline = open_fds();
        let mut request = b"GET / HTTP/1.1\r\nHost: t\r\nX-Big: ".to_vec();
        request.resize(request.len() + (1 << 20), b'a');
        request.extend_from_slice(b"\r\n\r\n");
        let got = exchange(addr, &request).await;
        let text = String::from_utf8_lossy(&got);
        // hyper answers 431; the kernel may turn the close into a reset (the rest of the head
        // was never read) and drop the answer on the way: then the close is the answer.
        assert!(
            got.is_empty() || text.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
            "{text}"
        );
        still_serves(addr).await;
        no_fd_leak(baseline).await;
    }

    async fn a_client_that_stalls_mid_head_is_disconnected_after_the_timeout() {
        let addr = server().await;
        let baseline = open_fds();
        let start = Instant::now();
        let got = exchange(addr, b"GET /stall HTTP/1.1\r\nHost: t\r\nX-Half: ").await;
        let waited = start.elapsed();
        assert!(
            waited >= HEAD_TIMEOUT - Duration::from_millis(20),
            "closed after {waited:?}, before the header timeout"
        );
        assert!(waited < Duration::from_secs(10), "closed only after {waited:?}");
        // A timed-out head gets no response, or hyper's 408.
        let text = String::from_utf8_lossy(&got);
        assert!(got.is_empty() || text.starts_with("HTTP/1.1 408"), "{text}");
        still_serves(addr).await;
        no_fd_leak(baseline).await;
    }

    async fn a_client_that_never_sends_a_byte_is_disconnected_after_the_timeout() {
        let addr = server().await;
        let baseline = open_fds();
        let start = Instant::now();
        let mut silent = TcpStream::connect(addr).await.unwrap();
        let got = read_until_closed(&mut silent).await;
        let waited = start.elapsed();
        assert!(got.is_empty());
        assert!(waited >= HEAD_TIMEOUT - Duration::from_millis(20), "closed after {waited:?}");
        assert!(waited < Duration::from_secs(10), "closed only after {waited:?}");
        drop(silent);
        still_serves(addr).await;
        no_fd_leak(baseline).await;
    }

    async fn a_client_that_resets_mid_body_costs_the_server_nothing() {
        let addr = server().await;
        let baseline = open_fds();
        for _ in 0..20 {
            let stream = TcpStream::connect(addr).await.unwrap();
            stream
                .write_all(b"POST /len HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\n")
                .await
                .unwrap();
            stream.write_all(&[7u8; 10_000]).await.unwrap();
            // SO_LINGER 0: closing sends a reset instead of a FIN.
            stream.set_linger(Some(Duration::ZERO)).unwrap();
            drop(stream);
        }
        still_serves(addr).await;
        no_fd_leak(baseline).await;
    }

    async fn a_keep_alive_connection_left_idle_is_closed_after_the_timeout() {
        let addr = server().await;
        let baseline = open_fds();
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(b"GET /a HTTP/1.1\r\nHost: t\r\n\r\n").await.unwrap();
        let start = Instant::now();
        let got = read_until_closed(&mut stream).await;
        let text = String::from_utf8_lossy(&got);
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n") && text.ends_with("hello"), "{text}");
        assert!(start.elapsed() >= HEAD_TIMEOUT - Duration::from_millis(20));
        drop(stream);
        no_fd_leak(baseline).await;
    }
}

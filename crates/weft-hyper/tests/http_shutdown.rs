//! Graceful shutdown: when the signal completes the listener closes at once, a request in flight
//! (HTTP/1.1 and HTTP/2) still gets its whole response, an idle keep-alive connection is closed,
//! and the server's future completes once the last connection is gone.

mod support;

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::Request;
use support::{flavors, join, start_server};
use weft_hyper::{HyperExecutor, HyperIo};
use weft_io::io::AsyncReadExt;
use weft_net::TcpStream;
use weft_runtime::task::JoinHandle;
use weft_sync::oneshot;

/// A server that stops gracefully when the returned sender fires.
async fn graceful_server() -> (
    SocketAddr,
    oneshot::Sender<()>,
    JoinHandle<std::io::Result<()>>,
) {
    let (stop, stopped) = oneshot::channel::<()>();
    let (addr, task) = start_server(move |serve| {
        serve
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .into_future()
    })
    .await;
    (addr, stop, task)
}

/// Reads an HTTP/1.1 exchange until the server closes the connection.
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let _ = stream.read_to_end(&mut got).await;
    String::from_utf8_lossy(&got).into_owned()
}

flavors! {
    async fn an_http1_request_in_flight_finishes_and_then_the_server_stops() {
        let (addr, stop, server) = graceful_server().await;
        let mut slow = TcpStream::connect(addr).await.unwrap();
        // The slow response cannot be complete before 400 ms after this (the server starts its
        // timer when it has read the request).
        let sent = Instant::now();
        slow.write_all(b"GET /slow?ms=400 HTTP/1.1\r\nHost: t\r\n\r\n").await.unwrap();
        let mut idle = TcpStream::connect(addr).await.unwrap();
        idle.write_all(b"GET /idle HTTP/1.1\r\nHost: t\r\n\r\n").await.unwrap();
        let mut first = [0u8; 17];
        idle.read_exact(&mut first).await.unwrap();
        assert_eq!(&first, b"HTTP/1.1 200 OK\r\n");
        weft_io::time::sleep(Duration::from_millis(100)).await;

        let start = Instant::now();
        stop.send(()).unwrap();
        // The listener closes at once: a new connection is refused.
        weft_io::time::sleep(Duration::from_millis(50)).await;
        let refused = TcpStream::connect(addr).await;
        assert!(refused.is_err(), "a connection was accepted after the shutdown signal");
        // The idle keep-alive connection is closed without waiting for the slow one.
        let rest = read_to_close(&mut idle).await;
        assert!(rest.ends_with("hello"), "{rest}");
        assert!(start.elapsed() < Duration::from_millis(250), "idle close took {:?}", start.elapsed());
        // The slow request gets its whole response, then its connection closes.
        let text = read_to_close(&mut slow).await;
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        assert!(text.ends_with("slow"), "{text}");
        join(server).await.unwrap();
        // (Measured from the request, not from the shutdown signal: how much of the 400 ms had
        // passed at the signal depends on how fast the idle exchange above went.)
        let since_request = sent.elapsed();
        assert!(
            since_request >= Duration::from_millis(400),
            "the server stopped {since_request:?} after the slow request, before its response was due"
        );
        let took = start.elapsed();
        assert!(took < Duration::from_secs(5), "the server took {took:?} to stop");
    }

    async fn an_http2_stream_in_flight_finishes_and_then_the_server_stops() {
        let (addr, stop, server) = graceful_server().await;
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut sender, connection) =
            hyper::client::conn::http2::handshake(HyperExecutor::new(), HyperIo::new(stream))
                .await
                .unwrap();
        let driver = weft_runtime::spawn(connection);
        let request = Request::get(format!("http://{addr}/slow?ms=400"))
            .body(Empty::<Bytes>::new())
            .unwrap();
        let in_flight = weft_runtime::spawn(sender.send_request(request));
        weft_io::time::sleep(Duration::from_millis(100)).await;

        let start = Instant::now();
        stop.send(()).unwrap();
        let response = join(in_flight).await.unwrap();
        assert_eq!(response.status(), 200);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, "slow");
        join(server).await.unwrap();
        assert!(start.elapsed() < Duration::from_secs(5));
        // The server said GOAWAY and closed: the client connection ends too.
        join(driver).await.unwrap();
    }

    async fn a_server_with_no_connections_stops_at_once() {
        let (addr, stop, server) = graceful_server().await;
        let mut plain = TcpStream::connect(addr).await.unwrap();
        plain.write_all(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").await.unwrap();
        assert!(read_to_close(&mut plain).await.ends_with("hello"));
        let start = Instant::now();
        stop.send(()).unwrap();
        join(server).await.unwrap();
        assert!(start.elapsed() < Duration::from_secs(1), "took {:?}", start.elapsed());
    }

    async fn a_connection_that_sent_nothing_yet_is_closed_by_the_shutdown() {
        let (addr, stop, server) = graceful_server().await;
        let mut silent = TcpStream::connect(addr).await.unwrap();
        weft_io::time::sleep(Duration::from_millis(50)).await;
        let start = Instant::now();
        stop.send(()).unwrap();
        assert_eq!(read_to_close(&mut silent).await, "");
        join(server).await.unwrap();
        assert!(start.elapsed() < Duration::from_secs(1), "took {:?}", start.elapsed());
    }
}

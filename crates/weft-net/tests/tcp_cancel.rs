//! Cancellation and shutdown: a dropped `accept` loses no connection, a dropped `connect`
//! leaves nothing behind, and a runtime dropped while tasks wait on sockets neither hangs nor
//! leaks the sockets.

mod support;

use std::time::{Duration, Instant};

use support::{flavors, tcp_pair, Flavor};
use weft_io::time::timeout;
use weft_net::{TcpListener, TcpStream};

flavors! {
    async fn a_cancelled_accept_loses_no_connection() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        // Nobody connects: the accept times out and is dropped while waiting.
        assert!(timeout(Duration::from_millis(20), listener.accept()).await.is_err());
        let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        client.write_all(b"still served").await.unwrap();
        let mut buf = [0u8; 12];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"still served");
    }

    async fn a_cancelled_read_loses_no_data() {
        let (client, server) = tcp_pair().await;
        let mut buf = [0u8; 4];
        for _ in 0..3 {
            assert!(timeout(Duration::from_millis(10), server.read(&mut buf)).await.is_err());
        }
        client.write_all(b"data").await.unwrap();
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"data");
    }

    async fn a_cancelled_connect_leaves_the_listener_usable() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // Polled at most once (a zero timeout), then dropped: either connected-and-closed or
        // never started; both are fine, neither may break the listener.
        let _ = timeout(Duration::ZERO, TcpStream::connect(addr)).await;
        let client = TcpStream::connect(addr).await.unwrap();
        let mut seen = Vec::new();
        // At most two connections are queued: the abandoned one (closed, if it got that far)
        // and ours.
        for _ in 0..2 {
            match timeout(Duration::from_millis(200), listener.accept()).await {
                Ok(conn) => seen.push(conn.unwrap().1),
                Err(_) => break,
            }
        }
        assert!(seen.contains(&client.local_addr().unwrap()));
    }
}

/// Drops a runtime while one task waits to read and another waits to accept: the drop returns
/// promptly, and the sockets are closed (the peer sees end of stream).
fn runtime_drop_with_waiting_tasks(flavor: Flavor) {
    support::raise_fd_limit();
    let (rt, _io) = support::runtime(flavor);
    let (mut outside, waiting_addr) = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let listener_addr = listener.local_addr().unwrap();
        let waiting_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = waiting_listener.local_addr().unwrap();
        let outside = std::net::TcpStream::connect(listener_addr).unwrap();
        let (inside, _) = listener.accept().await.unwrap();
        weft_runtime::spawn(async move {
            let inside = inside;
            let mut buf = [0u8; 8];
            let _ = inside.read(&mut buf).await; // waits for ever
        });
        weft_runtime::spawn(async move {
            let _ = waiting_listener.accept().await; // waits for ever
        });
        weft_io::time::sleep(Duration::from_millis(20)).await;
        (outside, addr)
    });
    let start = Instant::now();
    drop(rt);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "dropping the runtime took {:?}",
        start.elapsed()
    );
    // The waiting task's stream was dropped with it: the outside end reads end of stream.
    outside
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 1];
    assert_eq!(std::io::Read::read(&mut outside, &mut buf).unwrap(), 0);
    // The listener that waited in accept is closed too.
    let refused = std::net::TcpStream::connect(waiting_addr).unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
}

#[test]
fn runtime_drop_with_waiting_tasks_current_thread() {
    runtime_drop_with_waiting_tasks(Flavor::CurrentThread);
}

#[test]
fn runtime_drop_with_waiting_tasks_multi_thread() {
    runtime_drop_with_waiting_tasks(Flavor::MultiThread);
}

//! `TcpSocket`: options before connect/listen, bind before connect, `SO_REUSEPORT` sharing a port,
//! the backlog, buffer sizes, and errors for bad addresses.

mod support;

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use support::{flavors, join};
use weft_io::io::{AsyncReadExt, AsyncWriteExt};
use weft_net::{TcpListener, TcpSocket};

fn loopback_any() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

flavors! {
    async fn bind_then_connect_uses_the_chosen_source_address() {
        let listener = TcpListener::bind(loopback_any()).await.unwrap();
        let client = TcpSocket::new_v4().unwrap();
        client.bind(loopback_any()).unwrap();
        let source = client.local_addr().unwrap();
        assert_ne!(source.port(), 0, "bind picked a port");
        let mut stream = client.connect(listener.local_addr().unwrap()).await.unwrap();
        let (mut conn, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, source);
        assert_eq!(stream.local_addr().unwrap(), source);
        stream.write_all(b"via TcpSocket").await.unwrap();
        stream.close().await.unwrap();
        let mut got = Vec::new();
        conn.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"via TcpSocket");
    }

    async fn listen_with_a_backlog_accepts() {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        assert!(socket.reuseaddr().unwrap());
        socket.bind(loopback_any()).unwrap();
        let listener = socket.listen(16).unwrap();
        let addr = listener.local_addr().unwrap();
        let clients = weft_runtime::spawn(async move {
            let mut streams = Vec::new();
            for _ in 0..8 {
                streams.push(TcpSocket::new_v4().unwrap().connect(addr).await.unwrap());
            }
            streams
        });
        for _ in 0..8 {
            let (_conn, peer) = listener.accept().await.unwrap();
            assert!(peer.ip().is_loopback());
        }
        assert_eq!(join(clients).await.len(), 8);
    }

    async fn reuseport_lets_two_listeners_share_a_port() {
        let first = TcpSocket::new_v4().unwrap();
        first.set_reuseport(true).unwrap();
        assert!(first.reuseport().unwrap());
        first.bind(loopback_any()).unwrap();
        let addr = first.local_addr().unwrap();
        let first = first.listen(64).unwrap();

        let second = TcpSocket::new_v4().unwrap();
        second.set_reuseport(true).unwrap();
        second.bind(addr).unwrap();
        let second = second.listen(64).unwrap();
        assert_eq!(second.local_addr().unwrap(), addr);

        // Without SO_REUSEPORT the same address is taken.
        let third = TcpSocket::new_v4().unwrap();
        let err = third.bind(addr).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AddrInUse, "{err}");

        // The kernel spreads connections over both listeners (by a hash of the connection's
        // addresses): 32 connections, each accepted once, by one of the two.
        let counts = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
        let accept_all = |l: TcpListener, i: usize| {
            let counts = counts.clone();
            weft_runtime::spawn(async move {
                loop {
                    let (conn, _) = l.accept().await.unwrap();
                    let mut byte = [0u8];
                    conn.read_exact(&mut byte).await.unwrap();
                    counts[i].fetch_add(1, Ordering::SeqCst);
                }
            })
        };
        let (a, b) = (accept_all(first, 0), accept_all(second, 1));
        let mut clients = Vec::new();
        for _ in 0..32 {
            let c = TcpSocket::new_v4().unwrap().connect(addr).await.unwrap();
            c.write_all(&[1]).await.unwrap();
            clients.push(c);
        }
        let total = || counts[0].load(Ordering::SeqCst) + counts[1].load(Ordering::SeqCst);
        while total() < 32 {
            weft_io::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        a.abort();
        b.abort();
        let (a, b) = (counts[0].load(Ordering::SeqCst), counts[1].load(Ordering::SeqCst));
        assert_eq!(a + b, 32, "every connection accepted exactly once ({a} + {b})");
        // All 32 hashing to one listener has probability 2^-31.
        assert!(a > 0 && b > 0, "both listeners accepted ({a} + {b})");
    }

    async fn options_are_kept_by_the_stream() {
        let listener = TcpListener::bind(loopback_any()).await.unwrap();
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_nodelay(true).unwrap();
        socket.set_keepalive(true).unwrap();
        socket.set_linger(Some(std::time::Duration::from_secs(1))).unwrap();
        assert!(socket.nodelay().unwrap());
        assert!(socket.keepalive().unwrap());
        assert_eq!(socket.linger().unwrap(), Some(std::time::Duration::from_secs(1)));
        let stream = socket.connect(listener.local_addr().unwrap()).await.unwrap();
        assert!(stream.nodelay().unwrap());
        assert!(stream.keepalive().unwrap());
        assert_eq!(stream.linger().unwrap(), Some(std::time::Duration::from_secs(1)));
    }

    async fn buffer_sizes_are_set() {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_send_buffer_size(64 * 1024).unwrap();
        socket.set_recv_buffer_size(32 * 1024).unwrap();
        // Linux doubles the request for its bookkeeping (and caps it at wmem_max/rmem_max, which
        // are at least 200 KiB by default); the value read back is never below what was asked.
        assert!(socket.send_buffer_size().unwrap() >= 64 * 1024);
        assert!(socket.recv_buffer_size().unwrap() >= 32 * 1024);
        let small = TcpSocket::new_v4().unwrap();
        small.set_recv_buffer_size(4096).unwrap();
        assert!(small.recv_buffer_size().unwrap() < socket.recv_buffer_size().unwrap());
    }

    async fn ipv6_socket_connects_over_loopback() {
        let Ok(listener) = TcpListener::bind("[::1]:0").await else {
            println!("IPv6 loopback is not available on this host: nothing to test");
            return;
        };
        let socket = TcpSocket::new_v6().unwrap();
        let stream = socket.connect(listener.local_addr().unwrap()).await.unwrap();
        assert!(stream.peer_addr().unwrap().is_ipv6());
        let (_conn, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, stream.local_addr().unwrap());
    }

    async fn bad_addresses_are_errors() {
        // Refused: a port that was just free.
        let dead = TcpListener::bind(loopback_any()).await.unwrap().local_addr().unwrap();
        let err = TcpSocket::new_v4().unwrap().connect(dead).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
        // An IPv6 address on an IPv4 socket.
        let v6: SocketAddr = "[::1]:80".parse().unwrap();
        assert!(TcpSocket::new_v4().unwrap().connect(v6).await.is_err());
        assert!(TcpSocket::new_v4().unwrap().bind(v6).is_err());
        // Not a local address.
        let err = TcpSocket::new_v4().unwrap().bind("192.0.2.1:0".parse().unwrap()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AddrNotAvailable, "{err}");
        // Listening twice on one address without SO_REUSEPORT.
        let taken = TcpListener::bind(loopback_any()).await.unwrap();
        let other = TcpSocket::new_v4().unwrap();
        assert_eq!(
            other.bind(taken.local_addr().unwrap()).unwrap_err().kind(),
            ErrorKind::AddrInUse
        );
    }
}

#[test]
fn sockets_and_options_need_no_runtime() {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_reuseaddr(true).unwrap();
    socket.bind(loopback_any()).unwrap();
    assert!(socket.local_addr().unwrap().ip().is_loopback());
    assert!(format!("{socket:?}").contains("TcpSocket"));
}

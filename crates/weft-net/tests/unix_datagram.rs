//! Unix datagram sockets: pairs, bound paths, unbound senders, errors.

mod support;

use std::io::ErrorKind;
use std::time::Duration;

use support::{flavors, TempDir};
use weft_io::time::timeout;
use weft_net::UnixDatagram;

flavors! {
    async fn pair_keeps_boundaries_and_order() {
        let (a, b) = UnixDatagram::pair().unwrap();
        for i in 0..50u8 {
            a.send(&vec![i; i as usize + 1]).await.unwrap();
        }
        let mut buf = [0u8; 64];
        for i in 0..50u8 {
            let n = b.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], &vec![i; i as usize + 1][..]);
        }
    }

    async fn bound_paths_send_to_and_recv_from() {
        let dir = TempDir::new();
        let server = UnixDatagram::bind(dir.path("server.sock")).unwrap();
        let client = UnixDatagram::bind(dir.path("client.sock")).unwrap();
        client.send_to(b"hello", dir.path("server.sock")).await.unwrap();
        let mut buf = [0u8; 16];
        let (n, from) = server.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"hello");
        let from_path = from.as_pathname().unwrap().to_owned();
        assert_eq!(from_path, dir.path("client.sock"));
        server.send_to(b"reply", &from_path).await.unwrap();
        let n = client.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"reply");
    }

    async fn unbound_socket_connects_and_sends() {
        let dir = TempDir::new();
        let server = UnixDatagram::bind(dir.path("s.sock")).unwrap();
        let client = UnixDatagram::unbound().unwrap();
        assert_eq!(client.peer_addr().unwrap_err().kind(), ErrorKind::NotConnected);
        client.connect(dir.path("s.sock")).unwrap();
        client.send(b"anon").await.unwrap();
        let mut buf = [0u8; 8];
        let (n, from) = server.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"anon");
        assert!(from.is_unnamed());
    }

    async fn errors_are_values() {
        let dir = TempDir::new();
        let s = UnixDatagram::unbound().unwrap();
        let err = s.send_to(b"x", dir.path("nobody.sock")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        let err = s.send(b"x").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotConnected);
        let _bound = UnixDatagram::bind(dir.path("taken.sock")).unwrap();
        let err = UnixDatagram::bind(dir.path("taken.sock")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AddrInUse);
    }

    async fn a_full_queue_makes_send_wait_not_fail() {
        let (a, b) = UnixDatagram::pair().unwrap();
        // Fill the queue without waiting.
        let mut sent = 0usize;
        loop {
            match a.try_send(&[7u8; 512]) {
                Ok(_) => sent += 1,
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
        }
        assert!(sent > 0);
        // Three more sends wait for room instead of failing, and complete as the receiver drains.
        let sender = weft_runtime::spawn(async move {
            for _ in 0..3 {
                a.send(&[8u8; 512]).await.unwrap();
            }
            a
        });
        let mut buf = [0u8; 512];
        for _ in 0..sent + 3 {
            timeout(Duration::from_secs(10), b.recv(&mut buf)).await.unwrap().unwrap();
        }
        let _a = support::join(sender).await;
        assert_eq!(b.try_recv(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
    }
}

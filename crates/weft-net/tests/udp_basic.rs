//! UDP: exchanges, connected sockets, peeking, truncation, refused ports, cancellation,
//! broadcast and multicast options, many datagrams in order.

mod support;

use std::io::ErrorKind;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::Duration;

use support::{flavors, join};
use weft_io::time::timeout;
use weft_net::UdpSocket;

flavors! {
    async fn send_to_and_recv_from() {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind(("127.0.0.1", 0)).await.unwrap();
        let b_addr = b.local_addr().unwrap();
        assert_eq!(a.send_to(b"hello", b_addr).await.unwrap(), 5);
        let mut buf = [0u8; 64];
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"hello");
        assert_eq!(from, a.local_addr().unwrap());
        // A string target is resolved too.
        b.send_to(b"back", format!("127.0.0.1:{}", from.port())).await.unwrap();
        let (n, _) = a.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"back");
    }

    async fn connected_send_and_recv() {
        let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        assert_eq!(client.peer_addr().unwrap_err().kind(), ErrorKind::NotConnected);
        client.connect(server.local_addr().unwrap()).await.unwrap();
        assert_eq!(client.peer_addr().unwrap(), server.local_addr().unwrap());
        client.send(b"ping").await.unwrap();
        let mut buf = [0u8; 16];
        let (n, peer) = server.recv_from(&mut buf).await.unwrap();
        server.send_to(&buf[..n], peer).await.unwrap();
        let n = client.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"ping");
    }

    async fn recv_on_a_refused_port_is_an_error() {
        // Connected to a port nobody listens on: the ICMP "port unreachable" that answers the
        // datagram comes back as ConnectionRefused, never a hang.
        let closed = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let target = closed.local_addr().unwrap();
        drop(closed);
        let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        client.connect(target).await.unwrap();
        client.send(b"anyone?").await.unwrap();
        let mut buf = [0u8; 16];
        let err = timeout(Duration::from_secs(10), client.recv(&mut buf))
            .await
            .expect("the refusal must arrive")
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
    }

    async fn peek_from_leaves_the_datagram() {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        a.send_to(b"twice", b.local_addr().unwrap()).await.unwrap();
        let mut buf = [0u8; 16];
        let (n, from) = b.peek_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"twice"[..], a.local_addr().unwrap()));
        let (n, _) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"twice");
        assert_eq!(b.try_recv_from(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
    }

    async fn a_short_buffer_truncates_the_datagram() {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        a.send_to(b"0123456789", b.local_addr().unwrap()).await.unwrap();
        a.send_to(b"next", b.local_addr().unwrap()).await.unwrap();
        let mut small = [0u8; 4];
        let (n, _) = b.recv_from(&mut small).await.unwrap();
        assert_eq!(&small[..n], b"0123");
        // The rest of the first datagram is gone; the next one is whole.
        let mut buf = [0u8; 16];
        let (n, _) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"next");
    }

    async fn a_cancelled_recv_loses_nothing() {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let mut buf = [0u8; 16];
        // Nothing queued: the receive times out and is dropped mid-wait.
        assert!(timeout(Duration::from_millis(20), b.recv_from(&mut buf)).await.is_err());
        a.send_to(b"later", b.local_addr().unwrap()).await.unwrap();
        let (n, _) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"later");
    }

    async fn a_thousand_datagrams_from_another_task() {
        let rx = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        let tx = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        tx.connect(rx.local_addr().unwrap()).await.unwrap();
        let receiver = {
            let rx = rx.clone();
            weft_runtime::spawn(async move {
                let mut seen = Vec::new();
                let mut buf = [0u8; 8];
                while seen.len() < 1000 {
                    let (n, peer) = rx.recv_from(&mut buf).await.unwrap();
                    assert_eq!(n, 4);
                    seen.push(u32::from_le_bytes(buf[..4].try_into().unwrap()));
                    // Acknowledge every 100th so the sender never overruns the receive buffer.
                    if seen.len() % 100 == 0 {
                        rx.send_to(b"ack", peer).await.unwrap();
                    }
                }
                seen
            })
        };
        let mut ack = [0u8; 8];
        for i in 0..1000u32 {
            tx.send(&i.to_le_bytes()).await.unwrap();
            if (i + 1) % 100 == 0 {
                tx.recv(&mut ack).await.unwrap();
            }
        }
        let seen = join(receiver).await;
        // Loopback UDP keeps order.
        assert_eq!(seen, (0..1000).collect::<Vec<_>>());
    }

    async fn broadcast_and_multicast_options() {
        let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        assert!(!s.broadcast().unwrap());
        s.set_broadcast(true).unwrap();
        assert!(s.broadcast().unwrap());
        s.set_ttl(9).unwrap();
        assert_eq!(s.ttl().unwrap(), 9);
        s.set_multicast_ttl_v4(3).unwrap();
        assert_eq!(s.multicast_ttl_v4().unwrap(), 3);
        s.set_multicast_loop_v4(false).unwrap();
        assert!(!s.multicast_loop_v4().unwrap());
        let group = Ipv4Addr::new(239, 255, 77, 1);
        s.join_multicast_v4(group, Ipv4Addr::LOCALHOST).unwrap();
        // Joining twice is refused by the OS, as a value.
        assert!(s.join_multicast_v4(group, Ipv4Addr::LOCALHOST).is_err());
        s.leave_multicast_v4(group, Ipv4Addr::LOCALHOST).unwrap();
        assert!(s.leave_multicast_v4(group, Ipv4Addr::LOCALHOST).is_err());
        assert!(format!("{s:?}").contains("UdpSocket"));
    }

    async fn ipv6_multicast_membership() {
        let Ok(s) = UdpSocket::bind("[::1]:0").await else {
            return; // no IPv6 on this host
        };
        let group: Ipv6Addr = "ff02::1:77".parse().unwrap();
        s.set_multicast_loop_v6(true).unwrap();
        assert!(s.multicast_loop_v6().unwrap());
        // Interface 0: the OS picks one.
        match s.join_multicast_v6(&group, 0) {
            Ok(()) => s.leave_multicast_v6(&group, 0).unwrap(),
            // Some kernels refuse link-local groups without a multicast-capable interface.
            Err(e) => assert!(e.raw_os_error().is_some(), "{e}"),
        }
    }

    async fn std_round_trip() {
        let std_socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = std_socket.local_addr().unwrap();
        let s = UdpSocket::from_std(std_socket).unwrap();
        let back = s.into_std().unwrap();
        assert_eq!(back.local_addr().unwrap(), addr);
        let s = UdpSocket::try_from(back).unwrap();
        s.writable().await.unwrap();
        assert!(s.take_error().unwrap().is_none());
    }
}

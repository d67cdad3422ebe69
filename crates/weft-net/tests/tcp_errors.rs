//! Faults are `io::Error`s, never panics or hangs: refused, unreachable, reset by peer, a peer
//! that disappears while a task waits.

mod support;

use std::io::ErrorKind;
use std::net::Shutdown;
use std::time::Duration;

use support::{flavors, join, tcp_pair};
use weft_io::io::{AsyncReadExt, AsyncWriteExt};
use weft_io::time::{sleep, timeout};
use weft_net::{TcpListener, TcpStream};

flavors! {
    async fn connect_refused_is_an_error() {
        // A port that was just free: bind, note it, close.
        let addr = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
        let err = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
    }

    async fn connect_refused_on_ipv6_loopback_too() {
        let Ok(listener) = TcpListener::bind("[::1]:0").await else {
            return; // IPv6 is disabled on this host: nothing to test.
        };
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let err = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
    }

    async fn connect_unreachable_is_an_error() {
        // The kernel refuses a TCP connect to a multicast address with ENETUNREACH at once,
        // without sending a packet: a reliable "unreachable" that never leaves the machine.
        let err = TcpStream::connect("224.0.0.1:80").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NetworkUnreachable, "{err}");
    }

    async fn connect_tries_every_address_until_one_works() {
        let dead = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let live = listener.local_addr().unwrap();
        let stream = TcpStream::connect(&[dead, live][..]).await.unwrap();
        assert_eq!(stream.peer_addr().unwrap(), live);
        // All dead: the last error comes back.
        let err = TcpStream::connect(&[dead, dead][..]).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
        // Nothing at all to try.
        let none: &[std::net::SocketAddr] = &[];
        assert_eq!(TcpStream::connect(none).await.unwrap_err().kind(), ErrorKind::InvalidInput);
    }

    async fn bind_in_use_is_an_error() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let err = TcpListener::bind(listener.local_addr().unwrap()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AddrInUse);
    }

    async fn reset_by_peer_mid_write_is_an_error() {
        let (client, server) = tcp_pair().await;
        // The peer reads a little, then aborts: SO_LINGER 0 makes close send a reset.
        let peer = weft_runtime::spawn(async move {
            let mut buf = [0u8; 1024];
            let server = server;
            server.read_exact(&mut buf).await.unwrap();
            server.set_linger(Some(Duration::ZERO)).unwrap();
            drop(server);
        });
        let chunk = vec![0xa5u8; 64 * 1024];
        let mut written = 0u64;
        let err = loop {
            match client.write(&chunk).await {
                Ok(n) => written += n as u64,
                Err(e) => break e,
            }
        };
        assert!(
            matches!(err.kind(), ErrorKind::ConnectionReset | ErrorKind::BrokenPipe),
            "unexpected error after {written} bytes: {err:?}"
        );
        join(peer).await;
        // Reading a reset connection: an error or end of stream, never a hang.
        let mut buf = [0u8; 16];
        match client.read(&mut buf).await {
            Ok(0) => {}
            Ok(n) => panic!("read {n} bytes from a reset connection"),
            Err(e) => assert_eq!(e.kind(), ErrorKind::ConnectionReset),
        }
    }

    async fn reset_while_reading_wakes_the_reader_with_an_error() {
        let (client, server) = tcp_pair().await;
        let aborter = weft_runtime::spawn(async move {
            sleep(Duration::from_millis(30)).await;
            server.set_linger(Some(Duration::ZERO)).unwrap();
            drop(server);
        });
        let mut buf = [0u8; 16];
        let err = client.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset);
        join(aborter).await;
    }

    async fn dropping_the_peer_wakes_a_waiting_reader() {
        let (client, server) = tcp_pair().await;
        let reader = weft_runtime::spawn(async move {
            let client = client;
            let mut buf = [0u8; 16];
            client.read(&mut buf).await
        });
        sleep(Duration::from_millis(30)).await;
        assert!(!reader.is_finished(), "nothing was sent: the reader must still wait");
        drop(server);
        let n = timeout(Duration::from_secs(10), reader).await.expect("woken").unwrap();
        assert_eq!(n.unwrap(), 0, "a closed peer is end of stream");
    }

    async fn dropping_the_peer_wakes_a_blocked_writer() {
        let (client, server) = tcp_pair().await;
        let writer = weft_runtime::spawn(async move {
            let client = client;
            let chunk = vec![1u8; 256 * 1024];
            loop {
                if let Err(e) = client.write_all(&chunk).await {
                    return e;
                }
            }
        });
        // Let the writer fill both socket buffers and wait for writability.
        sleep(Duration::from_millis(100)).await;
        assert!(!writer.is_finished(), "nobody reads: the writer must be waiting");
        server.set_linger(Some(Duration::ZERO)).unwrap();
        drop(server);
        let err = timeout(Duration::from_secs(10), writer).await.expect("woken").unwrap();
        assert!(
            matches!(err.kind(), ErrorKind::ConnectionReset | ErrorKind::BrokenPipe),
            "{err:?}"
        );
    }

    async fn dropping_the_write_half_wakes_the_peer_with_eof_but_not_our_reader() {
        let (client, mut server) = tcp_pair().await;
        let (mut rd, wr) = client.into_split();
        let reader = weft_runtime::spawn(async move {
            let mut got = Vec::new();
            rd.read_to_end(&mut got).await.map(|_| got)
        });
        drop(wr); // shutdown(Write)
        let mut buf = Vec::new();
        assert_eq!(server.read_to_end(&mut buf).await.unwrap(), 0);
        // Our read half still works.
        server.write_all(b"after").await.unwrap();
        server.shutdown(Shutdown::Write).unwrap();
        assert_eq!(join(reader).await.unwrap(), b"after");
    }

    async fn write_after_shutdown_is_an_error() {
        let (mut client, _server) = tcp_pair().await;
        client.close().await.unwrap();
        let err = client.write_all(b"late").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BrokenPipe);
    }
}

//! TCP behaviour: echo, half-close both ways, splitting, peeking, try_ I/O, vectored writes,
//! socket options, `incoming`, std conversions, name resolution.

mod support;

use std::io::{ErrorKind, IoSlice};
use std::net::{Shutdown, SocketAddr};
use std::time::Duration;

use futures_util::StreamExt;
use support::{flavors, join, tcp_echo_once, tcp_pair};
use weft_io::io::{AsyncReadExt, AsyncWriteExt};
use weft_io::time::timeout;
use weft_net::{TcpListener, TcpStream};

flavors! {
    async fn echo_round_trips() {
        let (addr, server) = tcp_echo_once().await;
        let mut client = TcpStream::connect(addr).await.unwrap();
        for i in 0..100u32 {
            let msg = format!("message number {i}");
            client.write_all(msg.as_bytes()).await.unwrap();
            let mut back = vec![0; msg.len()];
            client.read_exact(&mut back).await.unwrap();
            assert_eq!(back, msg.as_bytes());
        }
        client.close().await.unwrap();
        let mut rest = Vec::new();
        client.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty());
        assert!(join(server).await > 0);
    }

    async fn half_close_client_first() {
        let (mut client, mut server) = tcp_pair().await;
        client.write_all(b"request").await.unwrap();
        client.shutdown(Shutdown::Write).unwrap();
        let mut req = Vec::new();
        server.read_to_end(&mut req).await.unwrap();
        assert_eq!(req, b"request");
        // The server's write direction is still open.
        server.write_all(b"response").await.unwrap();
        server.close().await.unwrap();
        let mut resp = Vec::new();
        client.read_to_end(&mut resp).await.unwrap();
        assert_eq!(resp, b"response");
    }

    async fn half_close_server_first() {
        let (mut client, mut server) = tcp_pair().await;
        server.write_all(b"banner").await.unwrap();
        server.close().await.unwrap();
        let mut banner = Vec::new();
        client.read_to_end(&mut banner).await.unwrap();
        assert_eq!(banner, b"banner");
        // After reading EOF the client can still talk.
        client.write_all(b"still here").await.unwrap();
        client.close().await.unwrap();
        let mut got = Vec::new();
        server.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"still here");
    }

    async fn borrowed_split_reads_and_writes_at_once() {
        let (mut client, mut server) = tcp_pair().await;
        let echo = weft_runtime::spawn(async move {
            let (mut rd, mut wr) = server.split_mut();
            weft_io::io::copy(&mut rd, &mut wr).await.unwrap()
        });
        let data: Vec<u8> = (0..512 * 1024).map(|i| (i % 251) as u8).collect();
        let (mut rd, mut wr) = client.split_mut();
        let write = async {
            wr.write_all(&data).await.unwrap();
            wr.close().await.unwrap();
        };
        let read = async {
            let mut got = Vec::new();
            rd.read_to_end(&mut got).await.unwrap();
            got
        };
        let ((), got) = futures_util::join!(write, read);
        assert!(got == data, "echoed data differs");
        assert_eq!(join(echo).await, data.len() as u64);
    }

    async fn split_on_an_owned_stream_is_weft_s_even_with_async_read_ext_in_scope() {
        // `AsyncReadExt` (with its by-value `split`) is in scope in this file: the inherent
        // by-value `split` wins, and its halves are weft's (the type annotation checks it).
        let (mut client, server) = tcp_pair().await;
        let echo = weft_runtime::spawn(async move {
            let (mut rd, mut wr): (
                weft_net::tcp::split::OwnedReadHalf,
                weft_net::tcp::split::OwnedWriteHalf,
            ) = server.split();
            let n = weft_io::io::copy(&mut rd, &mut wr).await.unwrap();
            assert!(rd.reunite(wr).is_ok(), "the halves of one stream reunite");
            n
        });
        client.write_all(b"split me").await.unwrap();
        let mut back = [0; 8];
        client.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"split me");
        client.close().await.unwrap();
        assert_eq!(join(echo).await, 8);
    }

    async fn owned_halves_reunite_only_with_their_own() {
        let (a, _a_peer) = tcp_pair().await;
        let (b, _b_peer) = tcp_pair().await;
        let a_addr = a.local_addr().unwrap();
        let (ar, aw) = a.into_split();
        let (br, bw) = b.into_split();
        let err = ar.reunite(bw).unwrap_err();
        assert!(err.to_string().contains("not from the same stream"));
        let weft_net::tcp::split::ReuniteError(ar, bw) = err;
        let a = aw.reunite(ar).unwrap();
        assert_eq!(a.local_addr().unwrap(), a_addr);
        let b = br.reunite(bw).unwrap();
        // Reuniting did not shut the write direction down.
        let b = b;
        b.write_all(b"x").await.unwrap();
    }

    async fn forgetting_the_write_half_keeps_the_write_direction_open() {
        let (client, server) = tcp_pair().await;
        let (rd, wr) = client.into_split();
        wr.forget();
        // No shutdown happened: the server sees no end of stream yet.
        let mut buf = [0u8; 1];
        assert!(timeout(Duration::from_millis(30), server.read(&mut buf)).await.is_err());
        drop(rd); // the last half: the socket closes
        assert_eq!(server.read(&mut buf).await.unwrap(), 0);
    }

    async fn peek_does_not_consume() {
        let (client, server) = tcp_pair().await;
        client.write_all(b"peekaboo").await.unwrap();
        let mut buf = [0u8; 4];
        let n = server.peek(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], &b"peek"[..n]);
        let mut all = [0u8; 8];
        server.read_exact(&mut all).await.unwrap();
        assert_eq!(&all, b"peekaboo");
    }

    async fn try_read_and_try_write_with_readiness() {
        let (client, server) = tcp_pair().await;
        let mut buf = [0u8; 64];
        assert_eq!(server.try_read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
        // Nothing to read: readable() waits (the WouldBlock cleared the readiness).
        assert!(timeout(Duration::from_millis(30), server.readable()).await.is_err());
        client.writable().await.unwrap();
        assert_eq!(client.try_write(b"hello").unwrap(), 5);
        let mut got = Vec::new();
        while got.len() < 5 {
            server.readable().await.unwrap();
            match server.try_read(&mut buf) {
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(got, b"hello");
        // Fill the send buffer with try_write until it refuses.
        let chunk = vec![0u8; 64 * 1024];
        let mut refused = false;
        for _ in 0..10_000 {
            match client.try_write(&chunk) {
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    refused = true;
                    break;
                }
                Err(e) => panic!("{e}"),
            }
        }
        assert!(refused, "a socket nobody reads must fill up");
        assert!(timeout(Duration::from_millis(30), client.writable()).await.is_err());
    }

    async fn vectored_writes_arrive_in_order() {
        let (mut client, mut server) = tcp_pair().await;
        let parts: [&[u8]; 3] = [b"one ", b"two ", b"three"];
        let slices = parts.map(IoSlice::new);
        let mut total = 0;
        while total < 13 {
            // write_vectored may write part; this loop finishes the rest byte-exactly.
            let n = if total == 0 {
                client.write_vectored(&slices).await.unwrap()
            } else {
                let flat: Vec<u8> = parts.concat();
                client.write(&flat[total..]).await.unwrap()
            };
            total += n;
        }
        client.close().await.unwrap();
        let mut got = String::new();
        server.read_to_string(&mut got).await.unwrap();
        assert_eq!(got, "one two three");
    }

    async fn socket_options_round_trip() {
        let (client, _server) = tcp_pair().await;
        client.set_nodelay(true).unwrap();
        assert!(client.nodelay().unwrap());
        client.set_nodelay(false).unwrap();
        assert!(!client.nodelay().unwrap());
        client.set_ttl(42).unwrap();
        assert_eq!(client.ttl().unwrap(), 42);
        client.set_linger(Some(Duration::from_secs(3))).unwrap();
        assert_eq!(client.linger().unwrap(), Some(Duration::from_secs(3)));
        client.set_linger(None).unwrap();
        assert_eq!(client.linger().unwrap(), None);
        client.set_keepalive(true).unwrap();
        assert!(client.keepalive().unwrap());
        assert!(client.take_error().unwrap().is_none());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.set_ttl(7).unwrap();
        assert_eq!(listener.ttl().unwrap(), 7);
        assert!(format!("{listener:?}").contains("TcpListener"));
        assert!(format!("{client:?}").contains("peer_addr"));
    }

    async fn incoming_yields_each_connection() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let clients = weft_runtime::spawn(async move {
            let mut streams = Vec::new();
            for i in 0..5u8 {
                let s = TcpStream::connect(addr).await.unwrap();
                s.write_all(&[i]).await.unwrap();
                streams.push(s);
            }
            streams
        });
        let mut seen = Vec::new();
        let mut incoming = listener.incoming();
        while seen.len() < 5 {
            let conn = incoming.next().await.unwrap().unwrap();
            let mut b = [0u8; 1];
            conn.read_exact(&mut b).await.unwrap();
            seen.push(b[0]);
        }
        seen.sort();
        assert_eq!(seen, [0, 1, 2, 3, 4]);
        drop(join(clients).await);
    }

    async fn std_conversions_keep_the_socket() {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = std_listener.local_addr().unwrap();
        let listener = TcpListener::from_std(std_listener).unwrap();
        let client = TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        // Out to std and back in: the connection survives.
        let std_client = client.into_std().unwrap();
        let client = TcpStream::try_from(std_client).unwrap();
        client.write_all(b"kept").await.unwrap();
        let mut buf = [0u8; 4];
        let server = server;
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"kept");
        let back = listener.into_std().unwrap();
        assert_eq!(back.local_addr().unwrap(), addr);
    }

    async fn host_names_resolve_on_the_blocking_pool() {
        let listener = TcpListener::bind(("localhost", 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let stream = TcpStream::connect(format!("localhost:{port}")).await;
        // `localhost` may resolve to ::1 first while we listen on 127.0.0.1 (or the reverse):
        // connect tries every address, so it must succeed.
        let stream = stream.unwrap();
        assert!(stream.peer_addr().unwrap().ip().is_loopback());
        let err = TcpStream::connect("no port here").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    }

    async fn ipv6_loopback_works_when_available() {
        let Ok(listener) = TcpListener::bind("[::1]:0").await else {
            return; // no IPv6 on this host
        };
        let addr: SocketAddr = listener.local_addr().unwrap();
        assert!(addr.is_ipv6());
        let client = TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        client.write_all(b"six").await.unwrap();
        let mut buf = [0u8; 3];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"six");
    }
}

//! `lookup_host`: names on the blocking pool, literals at once, and bad input as clear
//! `io::Error`s (never a panic).

mod support;

use std::io::ErrorKind;
use std::net::SocketAddr;

use support::flavors;
use weft_net::{lookup_host, TcpListener, TcpStream};

flavors! {
    async fn localhost_resolves_to_loopback() {
        let addrs: Vec<SocketAddr> = lookup_host("localhost:8080").await.unwrap().collect();
        assert!(!addrs.is_empty());
        assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 8080), "{addrs:?}");
        let pair: Vec<SocketAddr> = lookup_host(("localhost", 9)).await.unwrap().collect();
        assert!(pair.iter().all(|a| a.ip().is_loopback() && a.port() == 9), "{pair:?}");
        let owned: Vec<SocketAddr> =
            lookup_host(String::from("localhost:1")).await.unwrap().collect();
        assert!(!owned.is_empty());
    }

    async fn literals_come_back_as_they_are() {
        let v4: Vec<SocketAddr> = lookup_host("127.0.0.1:80").await.unwrap().collect();
        assert_eq!(v4, ["127.0.0.1:80".parse::<SocketAddr>().unwrap()]);
        let v6: Vec<SocketAddr> = lookup_host("[::1]:443").await.unwrap().collect();
        assert_eq!(v6, ["[::1]:443".parse::<SocketAddr>().unwrap()]);
        let addr: SocketAddr = "10.1.2.3:4".parse().unwrap();
        assert_eq!(lookup_host(addr).await.unwrap().collect::<Vec<_>>(), [addr]);
    }

    async fn the_result_connects() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let addrs: Vec<SocketAddr> = lookup_host(("localhost", port))
            .await
            .unwrap()
            .filter(SocketAddr::is_ipv4)
            .collect();
        let stream = TcpStream::connect(&addrs[..]).await.unwrap();
        assert_eq!(stream.peer_addr().unwrap().port(), port);
    }

    async fn unresolvable_host_is_not_found() {
        // `.invalid` never resolves (RFC 6761), with or without a network.
        let err = lookup_host("no-such-host.invalid:80").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
        assert!(err.to_string().contains("no-such-host.invalid"), "{err}");
        let err = lookup_host(("no-such-host.invalid", 80)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
        // Connecting to it says the same.
        let err = TcpStream::connect("no-such-host.invalid:80").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    }

    async fn malformed_input_is_invalid_input() {
        for (input, says) in [
            ("localhost", "expected `host:port`"),
            ("", "expected `host:port`"),
            ("localhost:70000", "from 0 to 65535"),
            ("localhost:-1", "from 0 to 65535"),
            ("localhost:http", "from 0 to 65535"),
            (":80", "empty host"),
        ] {
            let err = lookup_host(input).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{input:?}: {err}");
            assert!(err.to_string().contains(says), "{input:?}: {err}");
        }
        let err = lookup_host(("", 80)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    }

    async fn many_lookups_at_once() {
        let lookups: Vec<_> = (0..32u16)
            .map(|port| weft_runtime::spawn(async move {
                lookup_host(("localhost", port)).await.unwrap().next().unwrap().port()
            }))
            .collect();
        for (port, lookup) in lookups.into_iter().enumerate() {
            assert_eq!(support::join(lookup).await as usize, port);
        }
    }
}

#[test]
fn outside_a_runtime_the_lookup_runs_inline() {
    let found: Vec<SocketAddr> = futures_executor_free_block_on(lookup_host("localhost:5"))
        .unwrap()
        .collect();
    assert!(found.iter().all(|a| a.ip().is_loopback()));
}

/// Polls a future that needs no waking (a lookup outside any runtime completes on its first poll).
fn futures_executor_free_block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match f.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(out) => out,
        std::task::Poll::Pending => panic!("an inline lookup completed in one poll"),
    }
}

//! Unix stream sockets: connect/accept, pairs, half-close, splitting, errors, peers that go away.

mod support;

use std::io::ErrorKind;
use std::net::Shutdown;
use std::time::Duration;

use futures_util::StreamExt;
use support::{flavors, join, TempDir};
use weft_io::io::{AsyncReadExt, AsyncWriteExt};
use weft_io::time::{sleep, timeout};
use weft_net::{UnixListener, UnixStream};

flavors! {
    async fn connect_accept_and_echo() {
        let dir = TempDir::new();
        let path = dir.path("echo.sock");
        let listener = UnixListener::bind(&path).unwrap();
        assert_eq!(listener.local_addr().unwrap().as_pathname(), Some(path.as_path()));
        let server = weft_runtime::spawn(async move {
            let mut served = 0;
            let mut incoming = listener.incoming();
            while served < 20 {
                let stream = incoming.next().await.unwrap().unwrap();
                weft_runtime::spawn(async move {
                    let (mut rd, mut wr) = stream.into_split();
                    weft_io::io::copy(&mut rd, &mut wr).await.unwrap();
                });
                served += 1;
            }
        });
        let clients: Vec<_> = (0..20)
            .map(|i| {
                let path = path.clone();
                weft_runtime::spawn(async move {
                    let mut s = UnixStream::connect(&path).await.unwrap();
                    let msg = format!("unix client {i}");
                    s.write_all(msg.as_bytes()).await.unwrap();
                    s.close().await.unwrap();
                    let mut back = String::new();
                    s.read_to_string(&mut back).await.unwrap();
                    assert_eq!(back, msg);
                })
            })
            .collect();
        for c in clients {
            join(c).await;
        }
        join(server).await;
    }

    async fn pair_half_close_both_ways() {
        let (mut a, mut b) = UnixStream::pair().unwrap();
        a.write_all(b"from a").await.unwrap();
        a.shutdown(Shutdown::Write).unwrap();
        let mut got = Vec::new();
        b.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"from a");
        b.write_all(b"from b").await.unwrap();
        b.close().await.unwrap();
        let mut got = Vec::new();
        a.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"from b");
    }

    async fn split_halves_and_reunite() {
        let (a, mut b) = UnixStream::pair().unwrap();
        let echo = weft_runtime::spawn(async move {
            let (mut rd, mut wr) = b.split_mut();
            weft_io::io::copy(&mut rd, &mut wr).await.unwrap()
        });
        let (mut rd, mut wr) = a.into_split();
        wr.write_all(b"round trip").await.unwrap();
        let mut buf = [0u8; 10];
        rd.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"round trip");
        let a = rd.reunite(wr).unwrap();
        a.shutdown(Shutdown::Write).unwrap();
        assert_eq!(join(echo).await, 10);
    }

    async fn peek_try_read_and_readiness() {
        let (a, b) = UnixStream::pair().unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(b.try_read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
        assert!(timeout(Duration::from_millis(20), b.readable()).await.is_err());
        a.writable().await.unwrap();
        assert_eq!(a.try_write(b"peeked").unwrap(), 6);
        let n = b.peek(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"peeked");
        b.readable().await.unwrap();
        let n = b.try_read(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"peeked");
    }

    async fn connect_errors_are_values() {
        let dir = TempDir::new();
        // No such path.
        let err = UnixStream::connect(dir.path("missing.sock")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        // A path whose listener is gone.
        let path = dir.path("gone.sock");
        drop(UnixListener::bind(&path).unwrap());
        let err = UnixStream::connect(&path).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
        // Binding a path that exists.
        let err = UnixListener::bind(&path).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AddrInUse);
    }

    async fn dropping_the_peer_wakes_a_waiting_reader() {
        let (a, b) = UnixStream::pair().unwrap();
        let reader = weft_runtime::spawn(async move {
            let a = a;
            let mut buf = [0u8; 8];
            a.read(&mut buf).await
        });
        sleep(Duration::from_millis(30)).await;
        assert!(!reader.is_finished());
        drop(b);
        let n = timeout(Duration::from_secs(10), reader).await.expect("woken").unwrap();
        assert_eq!(n.unwrap(), 0);
    }

    async fn dropping_the_peer_wakes_a_blocked_writer() {
        let (a, b) = UnixStream::pair().unwrap();
        let writer = weft_runtime::spawn(async move {
            let a = a;
            let chunk = vec![3u8; 64 * 1024];
            loop {
                if let Err(e) = a.write_all(&chunk).await {
                    return e;
                }
            }
        });
        sleep(Duration::from_millis(50)).await;
        assert!(!writer.is_finished(), "nobody reads: the writer must wait");
        drop(b);
        let err = timeout(Duration::from_secs(10), writer).await.expect("woken").unwrap();
        assert!(
            matches!(err.kind(), ErrorKind::BrokenPipe | ErrorKind::ConnectionReset),
            "{err:?}"
        );
    }

    async fn std_round_trip() {
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let a = UnixStream::from_std(a).unwrap();
        let b = UnixStream::from_std(b).unwrap();
        let b = b.into_std().unwrap();
        let b = UnixStream::from_std(b).unwrap();
        a.write_all(b"ok").await.unwrap();
        let mut buf = [0u8; 2];
        b.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ok");
        assert!(a.take_error().unwrap().is_none());
        assert!(format!("{a:?}").contains("UnixStream"));
    }
}

//! `copy_bidirectional`: both directions byte-exact, end of stream passed on each way, counts,
//! errors, and small buffers.

mod support;

use std::io::{self, ErrorKind};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};
use support::{each_flavor, spawn};
use weft_io::io::{
    copy_bidirectional, copy_bidirectional_with_sizes, duplex, AsyncReadExt, AsyncWriteExt,
};

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

#[test]
fn copies_both_ways_and_passes_end_of_stream_on() {
    each_flavor(false, || async {
        let (mut client, mut front) = duplex(4096);
        let (mut back, mut server) = duplex(4096);
        let proxy = spawn(async move { copy_bidirectional(&mut front, &mut back).await });
        let up = pattern(1 << 20, 1);
        let down = pattern((1 << 20) + 77, 2);
        let (up2, down2) = (up.clone(), down.clone());
        let server = spawn(async move {
            // Read the whole request (ends when the client closes), then answer and close.
            let mut req = Vec::new();
            server.read_to_end(&mut req).await.unwrap();
            assert!(req == up2, "request arrived byte-exact");
            server.write_all(&down2).await.unwrap();
            server.close().await.unwrap();
        });
        client.write_all(&up).await.unwrap();
        client.close().await.unwrap();
        let mut resp = Vec::new();
        client.read_to_end(&mut resp).await.unwrap();
        assert!(resp == down, "response arrived byte-exact");
        server.await;
        assert_eq!(proxy.await.unwrap(), (up.len() as u64, down.len() as u64));
    });
}

#[test]
fn interleaved_traffic_with_one_byte_buffers() {
    each_flavor(false, || async {
        let (mut client, mut front) = duplex(3);
        let (mut back, mut server) = duplex(5);
        let proxy =
            spawn(async move { copy_bidirectional_with_sizes(&mut front, &mut back, 1, 1).await });
        // One task plays both peers, so a message must fit in what the path buffers:
        // 3 (client pipe) + 1 (proxy buffer) + 5 (server pipe) bytes.
        for round in 0..50u8 {
            let msg = pattern(8, round);
            client.write_all(&msg).await.unwrap();
            let mut got = vec![0; msg.len()];
            server.read_exact(&mut got).await.unwrap();
            assert_eq!(got, msg);
            server.write_all(&got).await.unwrap();
            client.read_exact(&mut got).await.unwrap();
            assert_eq!(got, msg);
        }
        // The server closes first this time; the client's side still flows until it closes.
        server.close().await.unwrap();
        let mut rest = Vec::new();
        client.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty());
        client.write_all(b"late").await.unwrap();
        client.close().await.unwrap();
        let mut late = Vec::new();
        server.read_to_end(&mut late).await.unwrap();
        assert_eq!(late, b"late");
        assert_eq!(proxy.await.unwrap(), (50 * 8 + 4, 50 * 8));
    });
}

/// A stream whose reads give a few bytes then fail, and whose writes fail or take nothing.
struct Faulty {
    reads_left: usize,
    write: fn() -> io::Result<usize>,
}

impl AsyncRead for Faulty {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if self.reads_left == 0 {
            return Poll::Ready(Err(io::Error::new(ErrorKind::ConnectionReset, "reset")));
        }
        self.reads_left -= 1;
        buf[0] = b'x';
        Poll::Ready(Ok(1))
    }
}

impl AsyncWrite for Faulty {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, _: &[u8]) -> Poll<io::Result<usize>> {
        Poll::Ready((self.write)())
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[test]
fn errors_of_either_side_stop_the_copy() {
    each_flavor(false, || async {
        // A read error on one side.
        let (_client, mut front) = duplex(64);
        let mut reset = Faulty {
            reads_left: 3,
            write: || Ok(1),
        };
        let err = copy_bidirectional(&mut front, &mut reset)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset);

        // A write error on one side.
        let (mut client, mut front) = duplex(64);
        client.write_all(b"data").await.unwrap();
        let mut refuses = Faulty {
            reads_left: usize::MAX,
            write: || Err(io::Error::new(ErrorKind::BrokenPipe, "gone")),
        };
        let err = copy_bidirectional(&mut front, &mut refuses)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BrokenPipe);

        // A writer that takes nothing.
        let (mut client, mut front) = duplex(64);
        client.write_all(b"data").await.unwrap();
        let mut stuck = Faulty {
            reads_left: 0,
            write: || Ok(0),
        };
        let err = copy_bidirectional_with_sizes(&mut front, &mut stuck, 8, 8)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err.kind(),
                ErrorKind::WriteZero | ErrorKind::ConnectionReset
            ),
            "{err}"
        );
    });
}

#[test]
#[should_panic(expected = "pass at least 1")]
fn zero_sized_buffers_are_refused() {
    let (mut a, mut b) = duplex(1);
    let (mut c, mut d) = duplex(1);
    let _ = (&mut b, &mut c);
    futures_executor::block_on(copy_bidirectional_with_sizes(&mut a, &mut d, 0, 8)).unwrap();
}

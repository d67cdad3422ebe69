//! Reads that exactly fill the buffer and empty the socket. On Linux the stream learns from
//! `TCP_INQ` that nothing is left and waits for the reactor's next event instead of trying the
//! read again; these tests check that such a stream never misses what comes next: more data, the
//! peer's end of stream, data for a split half.

mod support;

use std::time::Duration;

use support::{flavors, join, tcp_pair};
use weft_io::io::{AsyncReadExt, AsyncWriteExt};
use weft_io::time::{sleep, timeout};

flavors! {
    async fn a_full_read_that_leaves_bytes_queued_reads_them_without_a_new_event() {
        let (client, server) = tcp_pair().await;
        client.write_all(&[9; 4096]).await.unwrap();
        // The reactor reports the bytes (its one event for them) before the first read.
        sleep(Duration::from_millis(5)).await;
        // Nothing more is sent: every read below must find its bytes without waiting for the
        // reactor (a read wrongly taken as emptying the socket would hang here).
        let mut chunk = [0u8; 64];
        for _ in 0..4096 / 64 {
            let n = timeout(Duration::from_secs(5), server.read_exact(&mut chunk)).await;
            n.expect("queued bytes were not read").unwrap();
            assert_eq!(chunk, [9; 64]);
        }
        drop(client);
    }

    async fn exact_reads_wake_for_each_later_message() {
        let (client, server) = tcp_pair().await;
        let writer = weft_runtime::spawn(async move {
            for i in 0..300u32 {
                if i % 50 == 0 {
                    // Now and then the reader is surely parked on the drained socket.
                    sleep(Duration::from_millis(2)).await;
                }
                client.write_all(&[(i % 251) as u8; 64]).await.unwrap();
                let mut ack = [0u8; 1];
                client.read_exact(&mut ack).await.unwrap();
                assert_eq!(ack[0], (i % 251) as u8);
            }
        });
        let mut msg = [0u8; 64];
        for i in 0..300u32 {
            server.read_exact(&mut msg).await.unwrap();
            assert_eq!(msg, [(i % 251) as u8; 64]);
            server.write_all(&msg[..1]).await.unwrap();
        }
        join(writer).await;
    }

    /// Reads that alternate between filling the buffer and coming back short switch the stream
    /// between hinted and plain reads (Linux) every message; each read must still find its
    /// message, whether it was already queued or comes while the reader waits.
    async fn reads_that_alternate_full_and_short_see_every_message() {
        let (client, server) = tcp_pair().await;
        let writer = weft_runtime::spawn(async move {
            for i in 0..200u32 {
                if i % 40 == 0 {
                    sleep(Duration::from_millis(2)).await;
                }
                let len = if i % 2 == 0 { 64 } else { 1 + (i as usize % 63) };
                client.write_all(&vec![(i % 251) as u8; len]).await.unwrap();
                let mut ack = [0u8; 1];
                client.read_exact(&mut ack).await.unwrap();
                assert_eq!(ack[0], (i % 251) as u8);
            }
        });
        let mut buf = [0u8; 64];
        for i in 0..200u32 {
            let len = if i % 2 == 0 { 64 } else { 1 + (i as usize % 63) };
            let n = timeout(Duration::from_secs(5), server.read(&mut buf))
                .await
                .expect("a message was not read")
                .unwrap();
            assert_eq!(n, len, "message {i}");
            assert!(buf[..n].iter().all(|&b| b == (i % 251) as u8));
            server.write_all(&buf[..1]).await.unwrap();
        }
        join(writer).await;
    }

    async fn end_of_stream_queued_behind_an_exact_read_is_seen() {
        let (mut client, mut server) = tcp_pair().await;
        client.write_all(&[5; 64]).await.unwrap();
        client.close().await.unwrap();
        // Let the FIN land before the read, so the read sees it queued.
        sleep(Duration::from_millis(5)).await;
        let mut msg = [0u8; 64];
        server.read_exact(&mut msg).await.unwrap();
        let mut rest = Vec::new();
        let n = timeout(Duration::from_secs(5), server.read_to_end(&mut rest)).await;
        assert_eq!(n.expect("end of stream was missed").unwrap(), 0);
    }

    async fn end_of_stream_after_an_exact_read_wakes_the_reader() {
        let (mut client, server) = tcp_pair().await;
        client.write_all(&[5; 64]).await.unwrap();
        let mut msg = [0u8; 64];
        server.read_exact(&mut msg).await.unwrap();
        let closer = weft_runtime::spawn(async move {
            sleep(Duration::from_millis(5)).await;
            client.close().await.unwrap();
            client
        });
        let mut byte = [0u8; 1];
        let n = timeout(Duration::from_secs(5), server.read(&mut byte)).await;
        assert_eq!(n.expect("the reader was not woken by end of stream").unwrap(), 0);
        drop(join(closer).await);
    }

    async fn a_drained_split_half_wakes_for_later_data() {
        let (client, server) = tcp_pair().await;
        let (mut rd, _wr) = server.into_split();
        client.write_all(b"first").await.unwrap();
        let mut buf = [0u8; 5];
        rd.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"first");
        // A read that times out while the socket is drained loses nothing.
        assert!(timeout(Duration::from_millis(10), rd.read(&mut buf)).await.is_err());
        client.write_all(b"again").await.unwrap();
        rd.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"again");
    }

    async fn a_shared_stream_reader_sees_data_after_an_exact_read() {
        let (client, server) = tcp_pair().await;
        client.write_all(&[1; 8]).await.unwrap();
        let reader = &server;
        let mut buf = [0u8; 8];
        reader.read_exact(&mut buf).await.unwrap();
        let late = weft_runtime::spawn(async move {
            sleep(Duration::from_millis(5)).await;
            client.write_all(&[2; 8]).await.unwrap();
            client
        });
        reader.read_exact(&mut buf).await.unwrap();
        assert_eq!(buf, [2; 8]);
        drop(join(late).await);
    }
}

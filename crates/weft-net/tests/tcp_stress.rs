//! 100 MB through one connection, byte-exact, on both flavours (CI also runs this file in
//! release). The bytes go out and come back through an echo server, so both directions carry
//! 100 MB at once; every byte is compared with the deterministic tape it was cut from.
//!
//! Also exact-size reads at volume: every read fills its buffer and often empties the socket, so
//! on Linux it marks the stream drained (`TCP_INQ`) and the next read waits for the reactor; a
//! lost wake-up shows as a hang (the watchdog fails it). These runs rarely hit the narrow window
//! where new bytes land between the read and its clear (with the tick check in
//! `ScheduledIo::clear` removed they still passed 3 of 3); that window is covered by weft-io's
//! `io_lost_wakeup_stress` and `loom_readiness`.

mod support;

use std::sync::Arc;

use support::{flavors, join, tcp_echo_once, tcp_pair, Tape};
use weft_io::io::{AsyncReadExt, AsyncWriteExt};
use weft_net::TcpStream;

const TOTAL: u64 = 100 * 1024 * 1024;

flavors! {
    async fn hundred_megabytes_echo_byte_exact() {
        let (addr, server) = tcp_echo_once().await;

        let tape = Arc::new(Tape::new(0x5eed));
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut rd, mut wr) = stream.into_split();

        let sender = {
            let tape = tape.clone();
            weft_runtime::spawn(async move {
                // Odd chunk sizes, so chunk edges fall everywhere.
                let mut buf = vec![0u8; 100_003];
                let mut sent = 0u64;
                while sent < TOTAL {
                    let n = ((TOTAL - sent) as usize).min(buf.len());
                    tape.read_at(sent, &mut buf[..n]);
                    wr.write_all(&buf[..n]).await.unwrap();
                    sent += n as u64;
                }
                wr.close().await.unwrap();
            })
        };

        let mut buf = vec![0u8; 64 * 1024];
        let mut received = 0u64;
        loop {
            let n = rd.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            assert!(
                tape.matches(received, &buf[..n]),
                "bytes {received}..{} differ from what was sent",
                received + n as u64
            );
            received += n as u64;
        }
        assert_eq!(received, TOTAL, "end of stream before every byte came back");
        join(sender).await;
        assert_eq!(join(server).await, TOTAL);
    }

    async fn exact_size_ping_pong_never_loses_a_wake() {
        const ROUNDS: u32 = 50_000;
        let (client, server) = tcp_pair().await;
        client.set_nodelay(true).unwrap();
        server.set_nodelay(true).unwrap();
        let echo = weft_runtime::spawn(async move {
            let mut msg = [0u8; 64];
            for _ in 0..ROUNDS {
                server.read_exact(&mut msg).await.unwrap();
                server.write_all(&msg).await.unwrap();
            }
        });
        let mut back = [0u8; 64];
        for i in 0..ROUNDS {
            let msg = [(i % 251) as u8; 64];
            client.write_all(&msg).await.unwrap();
            client.read_exact(&mut back).await.unwrap();
            assert_eq!(back, msg, "round {i}");
        }
        join(echo).await;
    }

    async fn exact_reads_racing_a_stream_of_writes_never_lose_a_wake() {
        // The writer never waits for the reader, so messages land at any moment relative to the
        // reader's recvmsg and its drained clear: one that lands in between must not be lost.
        const MESSAGES: u32 = 100_000;
        let (client, server) = tcp_pair().await;
        client.set_nodelay(true).unwrap();
        let writer = weft_runtime::spawn(async move {
            for i in 0..MESSAGES {
                client.write_all(&[(i % 251) as u8; 64]).await.unwrap();
                if i % 7 == 0 {
                    weft_core::future::yield_now().await;
                }
            }
            client
        });
        let mut msg = [0u8; 64];
        for i in 0..MESSAGES {
            server.read_exact(&mut msg).await.unwrap();
            assert_eq!(msg, [(i % 251) as u8; 64], "message {i}");
        }
        drop(join(writer).await);
    }
}

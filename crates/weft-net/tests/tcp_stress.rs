//! 100 MB through one connection, byte-exact, on both flavours (CI also runs this file in
//! release). The bytes go out and come back through an echo server, so both directions carry
//! 100 MB at once; every byte is compared with the deterministic tape it was cut from.

mod support;

use std::sync::Arc;

use support::{flavors, join, tcp_echo_once, Tape};
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
}

//! 1,000 connections open at once, each echoing its own messages correctly.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use support::{flavors, join};
use weft_io::io::{AsyncReadExt, AsyncWriteExt};
use weft_net::{TcpListener, TcpStream};

const CONNECTIONS: usize = 1000;

flavors! {
    async fn thousand_concurrent_connections_echo() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = accepted.clone();
        let server = weft_runtime::spawn(async move {
            loop {
                let (stream, _) = match listener.accept().await {
                    Ok(c) => c,
                    Err(e) => panic!("accept failed: {e}"),
                };
                counter.fetch_add(1, Ordering::SeqCst);
                weft_runtime::spawn(async move {
                    let (mut rd, mut wr) = stream.into_split();
                    let _ = weft_io::io::copy(&mut rd, &mut wr).await;
                });
            }
        });

        // Every client connects and checks one echo; all stay open.
        let clients: Vec<_> = (0..CONNECTIONS)
            .map(|i| {
                weft_runtime::spawn(async move {
                    let mut stream = TcpStream::connect(addr).await.unwrap();
                    let msg = format!("hello from client {i:04}");
                    stream.write_all(msg.as_bytes()).await.unwrap();
                    let mut back = vec![0; msg.len()];
                    stream.read_exact(&mut back).await.unwrap();
                    assert_eq!(back, msg.as_bytes(), "client {i} got another's bytes");
                    stream
                })
            })
            .collect();
        let mut streams = Vec::with_capacity(CONNECTIONS);
        for c in clients {
            streams.push(join(c).await);
        }
        assert_eq!(accepted.load(Ordering::SeqCst), CONNECTIONS);

        // A second round with all 1,000 open at once, each in its own task.
        let rounds: Vec<_> = streams
            .into_iter()
            .enumerate()
            .map(|(i, mut stream)| {
                weft_runtime::spawn(async move {
                    let msg = vec![(i % 256) as u8; 1000 + i];
                    stream.write_all(&msg).await.unwrap();
                    let mut back = vec![0; msg.len()];
                    stream.read_exact(&mut back).await.unwrap();
                    assert!(back == msg, "client {i}: second echo differs");
                    stream.close().await.unwrap();
                    let mut rest = Vec::new();
                    stream.read_to_end(&mut rest).await.unwrap();
                    assert!(rest.is_empty());
                })
            })
            .collect();
        for r in rounds {
            join(r).await;
        }
        server.abort();
    }
}

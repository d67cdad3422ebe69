//! 1,000 connections open at once, each echoing its own messages correctly; several tasks
//! accepting on one listener.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use support::{flavors, join};
use weft_io::io::{AsyncReadExt, AsyncWriteExt};
use weft_net::{TcpListener, TcpStream};

const CONNECTIONS: usize = 1000;

flavors! {
    async fn several_tasks_accept_on_one_listener() {
        // Four tasks wait in accept on one listener at once: every connection is taken by one of
        // them and none waits for ever (weft-io keeps every waiter of a direction).
        let listener = Arc::new(TcpListener::bind("127.0.0.1:0").await.unwrap());
        let addr = listener.local_addr().unwrap();
        let taken = Arc::new(AtomicUsize::new(0));
        let acceptors: Vec<_> = (0..4)
            .map(|_| {
                let (listener, taken) = (listener.clone(), taken.clone());
                weft_runtime::spawn(async move {
                    let (stream, _) = listener.accept().await.unwrap();
                    taken.fetch_add(1, Ordering::SeqCst);
                    stream.write_all(b"x").await.unwrap();
                })
            })
            .collect();
        // Let all four reach their wait before any connection arrives.
        for _ in 0..10 {
            weft_core::future::yield_now().await;
        }
        let mut clients = Vec::new();
        for _ in 0..4 {
            let c = TcpStream::connect(addr).await.unwrap();
            let mut b = [0u8; 1];
            c.read_exact(&mut b).await.unwrap();
            clients.push(c);
        }
        for a in acceptors {
            a.await.unwrap();
        }
        assert_eq!(taken.load(Ordering::SeqCst), 4);
    }

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
                    let stream = TcpStream::connect(addr).await.unwrap();
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

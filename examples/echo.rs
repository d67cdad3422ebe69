//! A TCP echo server, and a load generator for it.
//!
//! ```text
//! cargo run --release --example echo                       # serve on 127.0.0.1:7878 until Ctrl-C
//! cargo run --release --example echo -- 127.0.0.1:9000     # serve elsewhere
//! cargo run --release --example echo -- --client 127.0.0.1:7878 [connections] [seconds] [bytes]
//! cargo run --release --example echo -- --demo             # both in one process, 2 seconds
//! ```
//!
//! The server is asyncio's `start_server` echo example: one task per connection, copying what it
//! reads back to the writer. The client opens `connections` connections (default 50), and each
//! sends a `bytes`-long message (default 64), waits for the echo, checks it, and repeats for
//! `seconds` (default 5); it prints the round trips per second.
//!
//! Ctrl-C shuts the server down gracefully: it stops accepting, gives the open connections up to
//! [`GRACE`] to finish (their clients close them), cuts the rest, and says what it did.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use weft::net::{TcpListener, TcpStream};
use weft::task::JoinSet;

/// How long open connections may take to finish once the server is told to stop.
const GRACE: Duration = Duration::from_secs(5);

/// Accepts connections, echoing each in its own task, until `shutdown` completes; then stops
/// accepting and gives the open connections [`GRACE`] to finish.
async fn serve(listener: TcpListener, shutdown: impl Future<Output = ()>) {
    let mut connections = JoinSet::new();
    let mut shutdown = pin!(shutdown);
    loop {
        weft::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    connections.spawn(async move {
                        let _ = stream.set_nodelay(true);
                        let (mut reader, mut writer) = stream.into_split();
                        // Ends when the client closes (or resets) its side.
                        let _ = weft::io::copy(&mut reader, &mut writer).await;
                    });
                }
                // Out of descriptors and such: log it; the listener backs off by itself.
                Err(e) => eprintln!("accept failed: {e}"),
            },
            () = &mut shutdown => break,
        }
        // Forget the connections that ended.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let open = connections.len();
    println!("shutting down: stopped accepting; {open} open connection(s) get {GRACE:?} to finish");
    let mut finished = 0;
    let all_done = weft::time::timeout(GRACE, async {
        while connections.join_next().await.is_some() {
            finished += 1;
        }
    })
    .await;
    match all_done {
        Ok(()) => println!("all {finished} connection(s) finished; bye"),
        Err(_) => {
            let cut = connections.len();
            connections.shutdown().await;
            println!("{finished} connection(s) finished, {cut} cut after {GRACE:?}; bye");
        }
    }
}

/// One client connection: round trips until `deadline`; returns how many.
async fn client(addr: SocketAddr, size: usize, deadline: Instant) -> std::io::Result<u64> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let message: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    let mut back = vec![0u8; size];
    let mut trips = 0;
    while Instant::now() < deadline {
        stream.write_all(&message).await?;
        stream.read_exact(&mut back).await?;
        if back != message {
            return Err(std::io::Error::other("the echo differs from the message"));
        }
        trips += 1;
    }
    Ok(trips)
}

/// Runs `connections` clients against `addr` for `seconds`; prints the rate.
async fn load(addr: SocketAddr, connections: usize, seconds: u64, size: usize) {
    println!("{connections} connections x {size}-byte messages to {addr} for {seconds} s ...");
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let total = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let total = total.clone();
            weft::spawn(async move {
                match client(addr, size, deadline).await {
                    Ok(trips) => {
                        total.fetch_add(trips, Ordering::Relaxed);
                    }
                    Err(e) => eprintln!("client failed: {e}"),
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a client task panicked");
    }
    let trips = total.load(Ordering::Relaxed);
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{trips} round trips in {secs:.2} s: {:.0} round trips/s",
        trips as f64 / secs
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.into());
    match args.first().map(String::as_str) {
        Some("--client") => {
            let addr: SocketAddr = arg(1, "127.0.0.1:7878").parse().expect("an address");
            let connections = arg(2, "50").parse().expect("a connection count");
            let seconds = arg(3, "5").parse().expect("a number of seconds");
            let size = arg(4, "64").parse().expect("a message size");
            weft::run(load(addr, connections, seconds, size));
        }
        Some("--demo") => weft::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("local address");
            let (stop, stopped) = weft::sync::oneshot::channel::<()>();
            let server = weft::spawn(serve(listener, async {
                let _ = stopped.await;
            }));
            load(addr, 50, 2, 64).await;
            let _ = stop.send(());
            server.await.expect("the server task panicked");
        }),
        other => {
            let addr = other.unwrap_or("127.0.0.1:7878").to_owned();
            weft::run(async move {
                let listener = TcpListener::bind(addr.as_str()).await.expect("bind");
                println!(
                    "echo server on {} (Ctrl-C to stop)",
                    listener.local_addr().expect("address")
                );
                serve(listener, async {
                    match weft::signal::ctrl_c().await {
                        Ok(()) => println!("\nCtrl-C"),
                        Err(e) => {
                            eprintln!("cannot listen for Ctrl-C ({e}): serving until killed");
                            std::future::pending::<()>().await;
                        }
                    }
                })
                .await;
            });
        }
    }
}

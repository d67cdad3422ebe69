//! A concurrent fetcher: get N pages from a local HTTP server with at most K requests in flight,
//! and compare with fetching them one after another.
//!
//! ```text
//! cargo run --release --example fetch                # N = 40 pages, K = 8 in flight
//! cargo run --release --example fetch -- 100 16
//! ```
//!
//! In the spirit of the asyncio web-scraping example: the server (started here, on a free port)
//! answers each request after 50 ms, like a slow web site. Sequentially the N fetches take about
//! N x 50 ms; with a `Semaphore` of K permits they overlap K at a time and take about N / K x
//! 50 ms. The server counts how many requests it serves at once, so the output shows that the
//! limit held.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{TcpListener, TcpStream};
use weft::sync::Semaphore;

/// How long the "slow web site" takes per page.
const LATENCY: Duration = Duration::from_millis(50);

/// Requests being served right now, and the most ever served at once.
#[derive(Default)]
struct Load {
    now: AtomicUsize,
    peak: AtomicUsize,
}

/// The server: `GET /page/N` answers `page N` after [`LATENCY`].
async fn serve(listener: TcpListener, load: Arc<Load>) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            continue;
        };
        let load = load.clone();
        weft::spawn(async move {
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let now = load.now.fetch_add(1, Ordering::SeqCst) + 1;
            load.peak.fetch_max(now, Ordering::SeqCst);
            weft::time::sleep(LATENCY).await;
            load.now.fetch_sub(1, Ordering::SeqCst);
            let request = String::from_utf8_lossy(&head);
            let path = request.split_whitespace().nth(1).unwrap_or("/");
            let body = format!("page {}", path.trim_start_matches("/page/"));
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.close().await;
        });
    }
}

/// A minimal HTTP/1.1 GET: returns the body of a `200` response.
async fn get(addr: SocketAddr, path: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no end of the response head"))?;
    if !head.starts_with("HTTP/1.1 200") {
        return Err(std::io::Error::other(format!("bad status: {head}")));
    }
    Ok(body.to_owned())
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("usage: fetch [pages] [in-flight limit]"))
        .collect();
    let pages = args.first().copied().unwrap_or(40);
    let limit = args.get(1).copied().unwrap_or(8).max(1);

    weft::run(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let load = Arc::new(Load::default());
        let server = weft::spawn(serve(listener, load.clone()));

        // One after another.
        let start = Instant::now();
        for i in 0..pages {
            let body = get(addr, &format!("/page/{i}")).await.expect("fetch");
            assert_eq!(body, format!("page {i}"));
        }
        let sequential = start.elapsed();
        println!("sequential: {pages} pages in {sequential:.2?}");

        // All at once, at most `limit` in flight.
        load.peak.store(0, Ordering::SeqCst);
        let permits = Arc::new(Semaphore::new(limit));
        let start = Instant::now();
        let tasks: Vec<_> = (0..pages)
            .map(|i| {
                let permits = permits.clone();
                weft::spawn(async move {
                    let _permit = permits.acquire_owned().await.expect("never closed");
                    get(addr, &format!("/page/{i}")).await
                })
            })
            .collect();
        let bodies: Vec<String> = weft::future::join_all(tasks)
            .await
            .into_iter()
            .map(|joined| joined.expect("a fetch task panicked").expect("fetch"))
            .collect();
        let concurrent = start.elapsed();
        for (i, body) in bodies.iter().enumerate() {
            assert_eq!(body, &format!("page {i}"));
        }
        let peak = load.peak.load(Ordering::SeqCst);
        println!(
            "concurrent: {pages} pages in {concurrent:.2?} with at most {limit} in flight \
             (the server saw at most {peak} at once)"
        );
        println!(
            "speed-up: {:.1}x",
            sequential.as_secs_f64() / concurrent.as_secs_f64()
        );
        assert!(
            peak <= limit,
            "the limit of {limit} requests in flight was broken"
        );
        server.abort();
    });
}

//! A concurrent fetcher on `weft::hyper::Client`: get N pages from a local HTTP server with at
//! most K requests in flight, and compare with fetching them one after another.
//!
//! ```text
//! cargo run --release --example fetch                # N = 40 pages, K = 8 in flight
//! cargo run --release --example fetch -- 100 16
//! ```
//!
//! In the spirit of the asyncio/aiohttp web-scraping example: the server (a `weft::hyper::serve`
//! started here, on a free port) answers each request after 50 ms, like a slow web site.
//! Sequentially the N fetches take about N x 50 ms; with a `Semaphore` of K permits they overlap K
//! at a time and take about N / K x 50 ms. The client keeps its connections alive between
//! requests (so the concurrent run opens at most K), and the server counts how many requests it
//! serves at once, so the output shows that the limit held.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use weft::hyper::bytes::Bytes;
use weft::hyper::http_body_util::{BodyExt, Full};
use weft::hyper::hyper::body::Incoming;
use weft::hyper::hyper::{service::service_fn, Request, Response};
use weft::hyper::Client;
use weft::net::TcpListener;
use weft::sync::Semaphore;

/// How long the "slow web site" takes per page.
const LATENCY: Duration = Duration::from_millis(50);

/// Requests being served right now, and the most ever served at once.
#[derive(Default)]
struct Load {
    now: AtomicUsize,
    peak: AtomicUsize,
}

/// The slow site: `GET /page/N` answers `page N` after [`LATENCY`].
async fn page(
    request: Request<Incoming>,
    load: Arc<Load>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let now = load.now.fetch_add(1, Ordering::SeqCst) + 1;
    load.peak.fetch_max(now, Ordering::SeqCst);
    weft::time::sleep(LATENCY).await;
    load.now.fetch_sub(1, Ordering::SeqCst);
    let n = request.uri().path().trim_start_matches("/page/");
    Ok(Response::new(Full::new(Bytes::from(format!("page {n}")))))
}

/// Fetches one page and returns its body.
async fn get(
    client: &Client,
    url: String,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    let response = client.get(url).await?;
    if response.status() != 200 {
        return Err(format!("status {}", response.status()).into());
    }
    let body = response.into_body().collect().await?.to_bytes();
    Ok(String::from_utf8_lossy(&body).into_owned())
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
        let site = {
            let load = load.clone();
            service_fn(move |request| page(request, load.clone()))
        };
        let server = weft::spawn(async move { weft::hyper::serve(listener, site).await });
        let client = Client::new();

        // One after another.
        let start = Instant::now();
        for i in 0..pages {
            let body = get(&client, format!("http://{addr}/page/{i}"))
                .await
                .expect("fetch");
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
                let client = client.clone();
                weft::spawn(async move {
                    let _permit = permits.acquire_owned().await.expect("never closed");
                    get(&client, format!("http://{addr}/page/{i}")).await
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

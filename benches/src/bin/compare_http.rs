//! hyper hello world on three runtimes, loaded by wrk in its own process: weft
//! (`weft::hyper::serve`) against tokio (hyper-util's `TokioIo`, `TokioExecutor`, `TokioTimer` and
//! its `auto` builder: the usual tokio server loop) and smol (smol-hyper's `FuturesIo`,
//! `SmolExecutor`, `SmolTimer`, the same `auto` builder). Every server runs 2 worker threads, sets
//! `TCP_NODELAY`, serves HTTP/1.1 with keep-alive (HTTP/2 detection on) and a 30 s header read
//! timer, and answers `Hello, world!`.
//!
//! ```text
//! cargo run --release --bin compare_http [rounds=7] [seconds=4] [connections=50]
//! ```
//!
//! All three servers live for the whole run; each round loads each of them once with
//! `wrk -t1 -cN -dS`, in a shuffled order. Requests/s come from wrk; the server's CPU time comes
//! from `/proc/<pid>/stat`. The report gives medians and the medians of per-round ratios.

use std::convert::Infallible;
use std::process::Command;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use weft_benches::proc_load::{announce, report, shuffled, Sample, Server};
use weft_benches::Rt;

const WORKERS: usize = 2;

async fn hello(_req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(
        b"Hello, world!",
    ))))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("serve") {
        serve(&args[2]);
        return;
    }
    let arg = |i: usize, d: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let (rounds, seconds, conns) = (arg(1, 7), arg(2, 4), arg(3, 50));
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!("compare_http needs wrk (apt-get install wrk)");
        std::process::exit(2);
    }
    let servers = [
        Server::own("weft"),
        Server::own("tokio"),
        Server::own("smol"),
    ];
    let names: Vec<&str> = servers.iter().map(|s| s.name).collect();
    eprintln!(
        "{rounds} rounds, wrk -t1 -c{conns} -d{seconds}s each; servers: {names:?}, {WORKERS} workers"
    );
    for s in &servers {
        wrk(s, conns, 1); // warm-up
    }
    let mut samples = vec![Vec::new(); servers.len()];
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for round in 0..rounds {
        for i in shuffled(servers.len(), &mut seed) {
            let sample = wrk(&servers[i], conns, seconds);
            eprintln!(
                "round {round} {:<6} {:>9.0} req/s {:>7.2} µs cpu/req",
                servers[i].name,
                sample.rps,
                sample.cpu_us_per_request()
            );
            samples[i].push(sample);
        }
    }
    report(&names, &samples);
}

/// One wrk run against `server`.
fn wrk(server: &Server, conns: usize, seconds: usize) -> Sample {
    let cpu0 = server.cpu();
    let out = Command::new("wrk")
        .args(["-t1", &format!("-c{conns}"), &format!("-d{seconds}s")])
        .arg(format!("http://{}/", server.addr))
        .output()
        .expect("run wrk");
    let cpu = server.cpu() - cpu0;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "wrk failed: {text}");
    assert!(
        !text.contains("Non-2xx"),
        "{} answered errors: {text}",
        server.name
    );
    let requests: f64 = text
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no request count in wrk's output: {text}"));
    let rps: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Requests/sec in wrk's output: {text}"));
    Sample { requests, rps, cpu }
}

/// Server mode: `compare_http serve weft|tokio|smol`.
fn serve(name: &str) {
    match name {
        "weft" => {
            let rt = weft_benches::Weft::new(WORKERS);
            rt.block_on(async {
                let listener = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                announce(listener.local_addr().unwrap().port());
                weft::hyper::serve(listener, service_fn(hello)).await
            })
            .unwrap();
        }
        "tokio" => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(WORKERS)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                announce(listener.local_addr().unwrap().port());
                let mut builder =
                    hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                builder.http1().timer(TokioTimer::new()).keep_alive(true);
                builder.http2().timer(TokioTimer::new());
                let builder = std::sync::Arc::new(builder);
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    let builder = builder.clone();
                    tokio::spawn(async move {
                        let _ = builder
                            .serve_connection_with_upgrades(TokioIo::new(stream), service_fn(hello))
                            .await;
                    });
                }
            });
        }
        "smol" => {
            let rt = weft_benches::Smol::new(WORKERS);
            let ex = rt.spawner();
            rt.block_on(async move {
                use smol_hyper::rt::{FuturesIo, SmolExecutor, SmolTimer};
                let listener =
                    async_io::Async::<std::net::TcpListener>::bind(([127, 0, 0, 1], 0)).unwrap();
                announce(listener.get_ref().local_addr().unwrap().port());
                let mut builder =
                    hyper_util::server::conn::auto::Builder::new(SmolExecutor::new(ex.clone()));
                builder.http1().timer(SmolTimer::new()).keep_alive(true);
                builder.http2().timer(SmolTimer::new());
                let builder = std::sync::Arc::new(builder);
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let _ = stream.get_ref().set_nodelay(true);
                    let builder = builder.clone();
                    ex.spawn(async move {
                        let _ = builder
                            .serve_connection_with_upgrades(
                                FuturesIo::new(stream),
                                service_fn(hello),
                            )
                            .await;
                    })
                    .detach();
                }
            });
        }
        other => panic!("unknown server {other}"),
    }
}

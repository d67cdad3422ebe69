//! `Client` against `python3 -m http.server` and against weft servers: pages byte-exact, 500
//! concurrent requests through one client with connection reuse visible in the server's accept
//! count, a server that closes kept-alive connections, the time limit, and errors as values.

mod support;

use std::convert::Infallible;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::service::service_fn;
use hyper::{Request, Response};
use support::{flavors, join, require_program, start_default_server, start_server};
use weft_hyper::{Client, HyperIo};
use weft_net::TcpListener;

/// A weft HTTP/1.1 server built from the crate's pieces (accept loop written here), counting the
/// connections it accepts; every response is the request path.
async fn counting_server() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    weft_runtime::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            weft_runtime::spawn(async move {
                let echo_path = service_fn(|req: Request<hyper::body::Incoming>| async move {
                    let path = Bytes::from(req.uri().path().to_owned());
                    Ok::<_, Infallible>(Response::new(Full::new(path)))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(HyperIo::new(stream), echo_path)
                    .await;
            });
        }
    });
    (addr, accepted)
}

async fn body_of(response: Response<hyper::body::Incoming>) -> Bytes {
    response.into_body().collect().await.unwrap().to_bytes()
}

/// `python3 -m http.server` on a free port, serving `dir`, killed on drop.
struct PythonServer {
    child: Child,
    addr: SocketAddr,
}

impl PythonServer {
    fn start(python: std::path::PathBuf, dir: &std::path::Path, protocol: &str) -> PythonServer {
        let mut child = Command::new(python)
            .args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1"])
            .args(["--protocol", protocol, "--directory"])
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start python3 -m http.server");
        // "Serving HTTP on 127.0.0.1 port 43117 (http://127.0.0.1:43117/) ..."
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port: u16 = line
            .split(" port ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line from http.server: {line:?}"));
        PythonServer {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        }
    }
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A directory of files `0.txt`..`n.txt`, file `i` holding `i` repeated `(i + 1) * 1000` times.
fn pages(n: usize) -> (std::path::PathBuf, Vec<Vec<u8>>) {
    let dir = std::env::temp_dir().join(format!(
        "weft-hyper-pages-{}-{}",
        std::process::id(),
        std::thread::current()
            .name()
            .unwrap_or("t")
            .replace("::", "-")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let contents: Vec<Vec<u8>> = (0..n)
        .map(|i| i.to_string().repeat((i + 1) * 1000).into_bytes())
        .collect();
    for (i, c) in contents.iter().enumerate() {
        std::fs::write(dir.join(format!("{i}.txt")), c).unwrap();
    }
    (dir, contents)
}

flavors! {
    async fn the_client_fetches_pages_from_python_http_server() {
        let Some(python) = require_program("python3") else { return };
        let (dir, contents) = pages(8);
        for protocol in ["HTTP/1.0", "HTTP/1.1"] {
            let server = PythonServer::start(python.clone(), &dir, protocol);
            let client = Client::new();
            for (i, want) in contents.iter().enumerate() {
                let response = client
                    .get(format!("http://{}/{i}.txt", server.addr))
                    .await
                    .unwrap();
                assert_eq!(response.status(), 200);
                assert_eq!(&body_of(response).await[..], &want[..], "{protocol} page {i}");
            }
            let missing = client.get(format!("http://{}/nope", server.addr)).await.unwrap();
            assert_eq!(missing.status(), 404);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    async fn five_hundred_concurrent_requests_to_python_through_one_client() {
        let Some(python) = require_program("python3") else { return };
        let (dir, contents) = pages(5);
        let server = PythonServer::start(python, &dir, "HTTP/1.1");
        let client: Client = Client::builder().max_connections_per_host(16).build();
        let tasks: Vec<_> = (0..500)
            .map(|n| {
                let client = client.clone();
                let url = format!("http://{}/{}.txt", server.addr, n % 5);
                weft_runtime::spawn(async move {
                    let response = client.get(url).await.unwrap();
                    assert_eq!(response.status(), 200);
                    body_of(response).await
                })
            })
            .collect();
        for (n, task) in tasks.into_iter().enumerate() {
            assert_eq!(&join(task).await[..], &contents[n % 5][..]);
        }
        drop(server);
        std::fs::remove_dir_all(dir).unwrap();
    }

    async fn five_hundred_concurrent_requests_reuse_a_few_connections() {
        let (addr, accepted) = counting_server().await;
        let client: Client = Client::builder().max_connections_per_host(20).build();
        let tasks: Vec<_> = (0..500)
            .map(|n| {
                let client = client.clone();
                weft_runtime::spawn(async move {
                    let response = client.get(format!("http://{addr}/{n}")).await.unwrap();
                    body_of(response).await
                })
            })
            .collect();
        for (n, task) in tasks.into_iter().enumerate() {
            assert_eq!(join(task).await, format!("/{n}"));
        }
        let connections = accepted.load(Ordering::SeqCst);
        assert!((1..=20).contains(&connections), "{connections} connections for 500 requests");
    }

    async fn five_hundred_concurrent_requests_to_serve_through_one_unlimited_client() {
        let addr = start_default_server().await;
        let client = Client::new();
        let tasks: Vec<_> = (0..500)
            .map(|n| {
                let client = client.clone();
                weft_runtime::spawn(async move {
                    let response = client.get(format!("http://{addr}/p{n}")).await.unwrap();
                    let path = response.headers()["x-path"].to_str().unwrap().to_owned();
                    (path, body_of(response).await)
                })
            })
            .collect();
        for (n, task) in tasks.into_iter().enumerate() {
            let (path, body) = join(task).await;
            assert_eq!((path.as_str(), &body[..]), (format!("/p{n}").as_str(), &b"hello"[..]));
        }
    }

    async fn sequential_requests_use_one_connection() {
        let (addr, accepted) = counting_server().await;
        let client = Client::new();
        for n in 0..50 {
            let response = client.get(format!("http://{addr}/{n}")).await.unwrap();
            assert_eq!(body_of(response).await, format!("/{n}"));
        }
        // A connection goes back to the pool when hyper's connection task has seen the end of the
        // response, which on a multi-thread runtime may come a moment after the caller read the
        // body: the next request may then open a second connection, and from then on one of
        // the two is always idle.
        let connections = accepted.load(Ordering::SeqCst);
        assert!((1..=3).contains(&connections), "{connections} connections for 50 requests");
    }

    async fn a_connection_the_server_closed_is_not_reused() {
        // The server closes idle keep-alive connections after 100 ms.
        let (addr, _task) = start_server(|serve| {
            std::future::IntoFuture::into_future(
                serve.header_read_timeout(Duration::from_millis(100)),
            )
        })
        .await;
        let client = Client::new();
        for round in 0..3 {
            let response = client.get(format!("http://{addr}/r{round}")).await.unwrap();
            assert_eq!(body_of(response).await, "hello");
            weft_io::time::sleep(Duration::from_millis(250)).await;
        }
    }

    async fn a_post_body_reaches_the_server() {
        let addr = start_default_server().await;
        let client = Client::new();
        let payload = Bytes::from(vec![42u8; 3 << 20]);
        let request = Request::post(format!("http://{addr}/echo"))
            .body(Full::new(payload.clone()))
            .unwrap();
        let response = client.request(request).await.unwrap();
        assert_eq!(body_of(response).await, payload);
    }

    async fn the_time_limit_gives_a_timeout_error() {
        let addr = start_default_server().await;
        let client: Client = Client::builder().timeout(Duration::from_millis(200)).build();
        let start = Instant::now();
        let err = client.get(format!("http://{addr}/slow?ms=3000")).await.unwrap_err();
        assert!(err.is_timeout(), "{err}");
        assert!(start.elapsed() < Duration::from_secs(2));
        let io: std::io::Error = err.into();
        assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
        // A quick request still fits in the limit.
        let fine = client.get(format!("http://{addr}/quick")).await.unwrap();
        assert_eq!(body_of(fine).await, "hello");
    }

    async fn errors_from_outside_are_values() {
        // Nothing listens on a port that was just freed.
        let port = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
        let client = Client::new();
        let refused = client.get(format!("http://127.0.0.1:{port}/")).await.unwrap_err();
        assert!(refused.is_connect(), "{refused}");
        assert_eq!(refused.io_error().unwrap().kind(), std::io::ErrorKind::ConnectionRefused);

        let unresolved = client.get("http://no-such-host.invalid/").await.unwrap_err();
        assert!(unresolved.is_connect(), "{unresolved}");

        for bad in ["https://127.0.0.1/", "/relative", "http:///nohost"] {
            let err = client.get(bad).await.unwrap_err();
            assert!(err.is_invalid_uri(), "{bad}: {err}");
        }
    }

    async fn names_are_resolved() {
        let addr = start_default_server().await;
        let client = Client::new();
        let response = client.get(format!("http://localhost:{}/named", addr.port())).await.unwrap();
        assert_eq!(response.headers()["x-path"], "/named");
    }
}

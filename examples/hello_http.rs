//! A hello-world HTTP server on `weft::hyper` that shuts down gracefully on Ctrl-C: the listener
//! closes at once, requests in flight finish, then the program exits.
//!
//! ```text
//! cargo run --release --example hello_http                  # listens on 127.0.0.1:3000
//! cargo run --release --example hello_http -- 0.0.0.0:8080
//! curl http://127.0.0.1:3000/           # Hello, world!
//! curl --http2-prior-knowledge http://127.0.0.1:3000/
//! ```
//!
//! Every connection runs on its own task; HTTP/1.1 (with keep-alive) and HTTP/2 are both served,
//! told apart by the first bytes the client sends.

use std::convert::Infallible;

use weft::hyper::bytes::Bytes;
use weft::hyper::http_body_util::Full;
use weft::hyper::hyper::body::Incoming;
use weft::hyper::hyper::{service::service_fn, Request, Response};

async fn hello(_request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(
        b"Hello, world!\n",
    ))))
}

#[weft::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".to_owned());
    let listener = weft::net::TcpListener::bind(addr.as_str()).await?;
    println!("hello_http: listening on http://{}", listener.local_addr()?);
    weft::hyper::serve(listener, service_fn(hello))
        .with_graceful_shutdown(async {
            // An error here means no signal handler could be installed: then run until killed.
            if weft::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
            println!("hello_http: Ctrl-C, finishing the requests in flight");
        })
        .await?;
    println!("hello_http: stopped");
    Ok(())
}

//! HTTP with [hyper](https://docs.rs/hyper) 1.x on weft, aiohttp's place: [`serve`] for servers
//! (HTTP/1.1 and HTTP/2, keep-alive, header read timeout, graceful shutdown), [`Client`] with a
//! keep-alive pool, and the pieces hyper asks of a runtime ([`HyperIo`], [`HyperExecutor`],
//! [`HyperTimer`]). Needs the cargo feature `hyper` (off by default: a default build of weft never
//! compiles hyper). The crates a program names alongside are re-exported: [`hyper`](self::hyper),
//! [`http_body_util`] and [`bytes`].
//!
//! # Examples
//!
//! ```
//! use std::convert::Infallible;
//! use weft::hyper::http_body_util::{BodyExt, Full};
//! use weft::hyper::hyper::{body::Bytes, service::service_fn, Response};
//!
//! #[weft::main]
//! async fn main() -> std::io::Result<()> {
//!     let listener = weft::net::TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     let hello = service_fn(|_req| async {
//!         Ok::<_, Infallible>(Response::new(Full::new(Bytes::from("hello"))))
//!     });
//!     weft::spawn(async move { weft::hyper::serve(listener, hello).await });
//!
//!     let response = weft::hyper::Client::new().get(format!("http://{addr}/")).await.unwrap();
//!     let body = response.into_body().collect().await.unwrap().to_bytes();
//!     assert_eq!(body, "hello");
//!     Ok(())
//! }
//! ```

pub use weft_hyper::{
    bytes, client, http_body_util, hyper, serve, Client, Error, HyperExecutor, HyperIo, HyperTimer,
    ReadUninit, Serve, ServeFuture, WithGracefulShutdown, DEFAULT_HEADER_READ_TIMEOUT,
};

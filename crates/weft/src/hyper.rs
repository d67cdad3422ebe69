//! HTTP with [hyper](https://docs.rs/hyper) 1.x on weft, aiohttp's place: [`serve`] for servers
//! (HTTP/1.1 and HTTP/2, keep-alive, header read timeout, graceful shutdown), [`Client`] with a
//! keep-alive pool, and the pieces hyper asks of a runtime ([`HyperIo`], [`HyperExecutor`],
//! [`HyperTimer`]). Needs the cargo feature `hyper` (off by default: a default build of weft never
//! compiles hyper). The crates a program names alongside are re-exported: [`hyper`],
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
    bytes, http_body_util, hyper, Error, ReadUninit, Serve, ServeFuture, WithGracefulShutdown,
    DEFAULT_HEADER_READ_TIMEOUT,
};

/// hyper's executor on weft: spawns the tasks hyper asks for (HTTP/2 streams) on the current
/// runtime.
///
/// ```
/// use weft::hyper::{hyper, HyperExecutor};
///
/// // HTTP/2 needs an executor for its streams.
/// let builder = hyper::server::conn::http2::Builder::new(HyperExecutor::new());
/// # drop(builder);
/// ```
///
/// *From weft-hyper's documentation, where this is `weft_hyper::HyperExecutor`:*
///
#[doc(inline)]
pub use weft_hyper::HyperExecutor;

/// hyper's timer on weft's timers: needed for hyper's time-outs.
///
/// ```
/// use std::time::Duration;
/// use weft::hyper::{hyper, HyperTimer};
///
/// let mut builder = hyper::server::conn::http1::Builder::new();
/// builder.timer(HyperTimer::new()).header_read_timeout(Duration::from_secs(5));
/// ```
///
/// *From weft-hyper's documentation, where this is `weft_hyper::HyperTimer`:*
///
#[doc(inline)]
pub use weft_hyper::HyperTimer;

/// Serves HTTP/1.1 and HTTP/2 on a listener, one task per connection, until the listener fails
/// or a graceful shutdown is asked for.
///
/// ```
/// use std::convert::Infallible;
/// use std::future::IntoFuture;
/// use weft::hyper::http_body_util::{BodyExt, Full};
/// use weft::hyper::hyper::{body::Bytes, service::service_fn, Response};
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let listener = weft::net::TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     let hello = service_fn(|_req| async {
///         Ok::<_, Infallible>(Response::new(Full::new(Bytes::from("hello"))))
///     });
///     let (stop, stopped) = weft::sync::oneshot::channel::<()>();
///     let server = weft::spawn(
///         weft::hyper::serve(listener, hello)
///             .with_graceful_shutdown(async move { let _ = stopped.await; })
///             .into_future(),
///     );
///
///     let client = weft::hyper::Client::new();
///     let response = client.get(format!("http://{addr}/")).await.unwrap();
///     let body = response.into_body().collect().await.unwrap().to_bytes();
///     assert_eq!(body, "hello");
///
///     drop(client); // closes its idle keep-alive connection, so shutdown need not wait for it
///     stop.send(()).unwrap();
///     server.await.unwrap() // the server finished its connections and returned
/// }
/// ```
///
/// *From weft-hyper's documentation, where this is `weft_hyper::serve`:*
///
#[doc(inline)]
pub use weft_hyper::serve;

/// An HTTP/1.1 client with a keep-alive connection pool: aiohttp's `ClientSession`.
///
/// ```
/// use std::future::IntoFuture;
/// use weft::hyper::http_body_util::{BodyExt, Full};
/// use weft::hyper::hyper::{self, body::Bytes, service::service_fn, Request, Response};
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     // An echo server to talk to.
///     let listener = weft::net::TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     let echo = service_fn(|req: Request<hyper::body::Incoming>| async move {
///         let body = req.into_body().collect().await?.to_bytes();
///         Ok::<_, hyper::Error>(Response::new(Full::new(body)))
///     });
///     weft::spawn(weft::hyper::serve(listener, echo).into_future());
///
///     let client = weft::hyper::Client::new();
///     let request = Request::post(format!("http://{addr}/echo"))
///         .body(Full::new(Bytes::from("ping")))
///         .unwrap();
///     let response = client.request(request).await.unwrap();
///     assert_eq!(response.status(), 200);
///     assert_eq!(response.into_body().collect().await.unwrap().to_bytes(), "ping");
///     Ok(())
/// }
/// ```
///
/// *From weft-hyper's documentation, where this is `weft_hyper::Client`:*
///
#[doc(inline)]
pub use weft_hyper::Client;

/// A weft socket as hyper's I/O: wrap a stream to hand it to hyper's connection builders.
///
/// ```
/// use weft::hyper::http_body_util::{BodyExt, Empty, Full};
/// use weft::hyper::hyper::{self, body::Bytes, service::service_fn, Request, Response};
/// use weft::hyper::HyperIo;
/// use weft::net::{TcpListener, TcpStream};
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     weft::spawn(async move {
///         let (stream, _) = listener.accept().await.unwrap();
///         let hi = service_fn(|_req| async {
///             Ok::<_, std::convert::Infallible>(Response::new(Full::new(Bytes::from("hi"))))
///         });
///         hyper::server::conn::http1::Builder::new()
///             .serve_connection(HyperIo::new(stream), hi)
///             .await
///     });
///
///     let stream = TcpStream::connect(addr).await?;
///     let (mut sender, conn) =
///         hyper::client::conn::http1::handshake(HyperIo::new(stream)).await.unwrap();
///     weft::spawn(conn);
///     let request = Request::get("/").header("host", "localhost").body(Empty::<Bytes>::new());
///     let response = sender.send_request(request.unwrap()).await.unwrap();
///     assert_eq!(response.into_body().collect().await.unwrap().to_bytes(), "hi");
///     Ok(())
/// }
/// ```
///
/// *From weft-hyper's documentation, where this is `weft_hyper::HyperIo`:*
///
#[doc(inline)]
pub use weft_hyper::HyperIo;

pub mod client {
    //! [`Client`]: HTTP/1.1 requests over a keep-alive connection pool, and its [`Builder`].

    pub use super::{Client, Error};

    /// Configures a [`Client`]: time-outs and the pool's limits.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let client: weft::hyper::Client = weft::hyper::Client::builder()
    ///     .timeout(Duration::from_secs(10))
    ///     .max_connections_per_host(16)
    ///     .build();
    /// # drop(client);
    /// ```
    ///
    /// *From weft-hyper's documentation, where this is `weft_hyper::client::Builder`:*
    ///
    #[doc(inline)]
    pub use weft_hyper::client::Builder;
}

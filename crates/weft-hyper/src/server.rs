//! [`serve`]: an accept loop that serves hyper connections (HTTP/1.1 and HTTP/2) on weft tasks.

use std::error::Error as StdError;
use std::fmt;
use std::future::{pending, poll_fn, Future, IntoFuture};
use std::io;
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::time::Duration;

use hyper::body::{Body, Incoming};
use hyper::service::Service;
use hyper::{Request, Response};
use hyper_util::server::conn::auto;
use weft_net::{TcpListener, TcpStream};
use weft_sync::watch;

use crate::{HyperExecutor, HyperIo, HyperTimer};

/// The default time a client has to send a request's head (and, on a new connection, its first
/// byte): 30 seconds, as hyper's.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves HTTP on every connection `listener` accepts, each on its own task, calling `service`
/// (cloned per connection) for every request.
///
/// Each connection speaks HTTP/1.1 (with keep-alive) or HTTP/2, whichever the client starts with
/// (an HTTP/2 client must use prior knowledge: there is no TLS, so no ALPN). The returned
/// [`Serve`] is configured with builder methods and runs when awaited; it returns only on an
/// error that stops the listener, which weft's listener never has: an accept error is skipped
/// (out of descriptors, the listener pauses 50 ms first, see
/// [`TcpListener`](weft_net::TcpListener)), so the server survives `EMFILE`.
/// [`with_graceful_shutdown`](Serve::with_graceful_shutdown) adds a way out.
///
/// A client that does not send a complete request head within the
/// [header read timeout](Serve::header_read_timeout) (30 s by default), counted from the
/// connection's start or from the end of the previous response, is disconnected. Malformed
/// requests get `400 Bad Request`, oversized heads `431` (hyper's answers), then the connection
/// closes; other connections are not affected.
///
/// # Examples
///
/// ```
/// # weft_net::__private::run(async {
/// use std::convert::Infallible;
/// use std::future::IntoFuture;
/// use http_body_util::{BodyExt, Full};
/// use hyper::body::Bytes;
/// use hyper::{service::service_fn, Response};
/// use weft_net::TcpListener;
///
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let addr = listener.local_addr()?;
/// let hello = service_fn(|_req| async {
///     Ok::<_, Infallible>(Response::new(Full::new(Bytes::from("hello"))))
/// });
/// let (stop, stopped) = weft_sync::oneshot::channel::<()>();
/// let server = weft_runtime::spawn(
///     weft_hyper::serve(listener, hello)
///         .with_graceful_shutdown(async move { let _ = stopped.await; })
///         .into_future(),
/// );
///
/// let client = weft_hyper::Client::new();
/// let response = client.get(format!("http://{addr}/")).await.unwrap();
/// let body = response.into_body().collect().await.unwrap().to_bytes();
/// assert_eq!(body, "hello");
///
/// drop(client); // its idle keep-alive connection closes, so shutdown need not wait for it
/// stop.send(()).unwrap();
/// server.await.unwrap()?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub fn serve<S>(listener: TcpListener, service: S) -> Serve<S> {
    Serve {
        listener,
        service,
        config: Config {
            header_read_timeout: Some(DEFAULT_HEADER_READ_TIMEOUT),
            nodelay: true,
            protocols: Protocols::Auto,
        },
    }
}

/// The server returned by [`serve`]: configure it, then `.await` it (or spawn it).
///
/// # Cancel safety
///
/// Dropping it stops accepting; connections already accepted go on until their clients leave.
/// For a shutdown that waits for them, use [`with_graceful_shutdown`](Serve::with_graceful_shutdown).
#[must_use = "a server does nothing until awaited"]
pub struct Serve<S> {
    listener: TcpListener,
    service: S,
    config: Config,
}

#[derive(Clone, Copy, Debug)]
struct Config {
    header_read_timeout: Option<Duration>,
    nodelay: bool,
    protocols: Protocols,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Protocols {
    Auto,
    Http1,
    Http2,
}

impl<S> Serve<S> {
    /// How long a client may take to send a request head: on a new connection from accept to
    /// the end of the head, on a kept-alive one from the end of the previous response (so it is
    /// also the idle keep-alive limit). `None` waits forever. Default
    /// [`DEFAULT_HEADER_READ_TIMEOUT`].
    pub fn header_read_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.config.header_read_timeout = timeout.into();
        self
    }

    /// Sets `TCP_NODELAY` on accepted connections (default `true`: responses go out at once).
    pub fn tcp_nodelay(mut self, nodelay: bool) -> Self {
        self.config.nodelay = nodelay;
        self
    }

    /// Serves HTTP/1 only (an HTTP/2 preface is answered as a malformed HTTP/1 request).
    pub fn http1_only(mut self) -> Self {
        self.config.protocols = Protocols::Http1;
        self
    }

    /// Serves HTTP/2 only (prior knowledge).
    pub fn http2_only(mut self) -> Self {
        self.config.protocols = Protocols::Http2;
        self
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    /// The OS error from `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Stops the server when `signal` completes: the listener is closed at once (new connections
    /// are refused), every connection finishes the requests it is serving and then closes
    /// (HTTP/1: after the current response; HTTP/2: a GOAWAY, then the open streams finish), and
    /// the server's future completes when the last connection is gone. Idle keep-alive
    /// connections close at once.
    ///
    /// # Examples
    ///
    /// See [`serve`].
    pub fn with_graceful_shutdown<F>(self, signal: F) -> WithGracefulShutdown<S, F>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        WithGracefulShutdown {
            serve: self,
            signal,
        }
    }
}

impl<S> fmt::Debug for Serve<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Serve")
            .field("listener", &self.listener)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// A [`Serve`] that stops when a signal completes; see
/// [`with_graceful_shutdown`](Serve::with_graceful_shutdown). `.await` it.
#[must_use = "a server does nothing until awaited"]
pub struct WithGracefulShutdown<S, F> {
    serve: Serve<S>,
    signal: F,
}

impl<S, F> fmt::Debug for WithGracefulShutdown<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WithGracefulShutdown")
            .field("serve", &self.serve)
            .finish_non_exhaustive()
    }
}

/// The future of a running server.
pub type ServeFuture = Pin<Box<dyn Future<Output = io::Result<()>> + Send>>;

impl<S, B> IntoFuture for Serve<S>
where
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn StdError + Send + Sync>>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    type Output = io::Result<()>;
    type IntoFuture = ServeFuture;

    fn into_future(self) -> ServeFuture {
        Box::pin(run(self, pending()))
    }
}

impl<S, B, F> IntoFuture for WithGracefulShutdown<S, F>
where
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn StdError + Send + Sync>>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
    F: Future<Output = ()> + Send + 'static,
{
    type Output = io::Result<()>;
    type IntoFuture = ServeFuture;

    fn into_future(self) -> ServeFuture {
        Box::pin(run(self.serve, self.signal))
    }
}

/// The accept loop: until `signal`, accept and spawn a connection task; then close the listener,
/// tell every connection to finish, and wait for the last one.
async fn run<S, B>(serve: Serve<S>, signal: impl Future<Output = ()>) -> io::Result<()>
where
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn StdError + Send + Sync>>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    let Serve {
        listener,
        service,
        config,
    } = serve;
    let builder = Arc::new(config.connection_builder());
    // Every connection holds a receiver: `closed()` below is "the last connection is gone".
    let (shutdown, connections) = watch::channel(false);
    // Raised before the shutdown is sent, so a woken connection knows to look (see
    // `serve_connection`).
    let stop_flag = Arc::new(AtomicBool::new(false));
    let mut signal = pin!(signal);
    loop {
        let accepted = poll_fn(|cx| {
            if signal.as_mut().poll(cx).is_ready() {
                return Poll::Ready(None);
            }
            listener.poll_accept(cx).map(Some)
        })
        .await;
        match accepted {
            None => break,
            Some(Ok((stream, _peer))) => {
                let connection = serve_connection(
                    builder.clone(),
                    stream,
                    service.clone(),
                    (connections.clone(), stop_flag.clone()),
                    config,
                );
                drop(weft_runtime::spawn(connection));
            }
            // Nothing to do but go on: the listener pauses by itself after EMFILE and friends,
            // and a connection reset before it was accepted concerns nobody.
            Some(Err(_)) => {}
        }
    }
    drop(listener);
    drop(connections);
    stop_flag.store(true, Ordering::Release);
    shutdown.send_replace(true);
    shutdown.closed().await;
    Ok(())
}

impl Config {
    fn connection_builder(&self) -> auto::Builder<HyperExecutor> {
        let mut builder = auto::Builder::new(HyperExecutor::new());
        // Called from the server's task: the timer keeps this runtime's driver, so hyper's
        // per-request timer calls need no lookup of the current runtime.
        let timer = HyperTimer::with_handle(weft_io::Handle::current());
        builder
            .http1()
            .timer(timer.clone())
            .header_read_timeout(self.header_read_timeout)
            .keep_alive(true);
        builder.http2().timer(timer);
        match self.protocols {
            Protocols::Auto => builder,
            Protocols::Http1 => builder.http1_only(),
            Protocols::Http2 => builder.http2_only(),
        }
    }
}

/// One connection: wait for its first byte (within the header timeout: hyper's own timer starts
/// only once the protocol is known), then let hyper serve it until the client leaves or the
/// server shuts down gracefully.
async fn serve_connection<S, B>(
    builder: Arc<auto::Builder<HyperExecutor>>,
    stream: TcpStream,
    service: S,
    (mut shutdown, stop_flag): (watch::Receiver<bool>, Arc<AtomicBool>),
    config: Config,
) where
    S: Service<Request<Incoming>, Response = Response<B>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn StdError + Send + Sync>>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    if config.nodelay {
        // A refused option only costs latency.
        let _ = stream.set_nodelay(true);
    }
    let mut stop = pin!(async move {
        // `Err`: the server future was dropped without a graceful shutdown; go on serving.
        if shutdown.changed().await.is_err() {
            pending::<()>().await;
        }
    });
    if !first_byte_arrives(&stream, config.header_read_timeout, stop.as_mut()).await {
        return;
    }
    let mut connection =
        pin!(builder.serve_connection_with_upgrades(HyperIo::new(stream), service));
    let mut stopping = false;
    // `stop` is polled only when it may have news: the shutdown flag is up, or this task's waker
    // is not the one `stop` holds. Every other wake is the connection's, and costs no look at the
    // shutdown channel.
    let mut registered: Option<Waker> = None;
    // An error here is the client's (a reset, a malformed request already answered by hyper):
    // it ends this connection only.
    let _ = poll_fn(|cx| {
        if !stopping {
            let stale = registered.as_ref().is_none_or(|w| !w.will_wake(cx.waker()));
            if stale || stop_flag.load(Ordering::Acquire) {
                if stop.as_mut().poll(cx).is_ready() {
                    stopping = true;
                    connection.as_mut().graceful_shutdown();
                } else {
                    registered = Some(cx.waker().clone());
                }
            }
        }
        connection.as_mut().poll(cx)
    })
    .await;
}

/// Waits until `stream` has a byte to read; `false` if `limit` passed first, the stream failed,
/// or `stop` completed (graceful shutdown: an idle new connection is simply closed).
async fn first_byte_arrives(
    stream: &TcpStream,
    limit: Option<Duration>,
    mut stop: Pin<&mut impl Future<Output = ()>>,
) -> bool {
    let mut byte = [0u8; 1];
    let mut peek = pin!(stream.peek(&mut byte));
    let mut deadline = pin!(limit.map(weft_io::time::sleep));
    poll_fn(|cx| {
        if let Poll::Ready(peeked) = peek.as_mut().poll(cx) {
            return Poll::Ready(matches!(peeked, Ok(n) if n > 0));
        }
        if stop.as_mut().poll(cx).is_ready() {
            return Poll::Ready(false);
        }
        match deadline.as_mut().as_pin_mut().map(|d| d.poll(cx)) {
            Some(Poll::Ready(())) => Poll::Ready(false),
            _ => Poll::Pending,
        }
    })
    .await
}

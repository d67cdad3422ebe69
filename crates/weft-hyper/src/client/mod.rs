//! [`Client`]: HTTP/1.1 requests over a keep-alive connection pool.

mod error;
mod pool;

use std::error::Error as StdError;
use std::fmt;
use std::future::poll_fn;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderValue, HOST};
use http::uri::{PathAndQuery, Scheme};
use http::{Request, Response, Uri};
use http_body_util::Full;
use hyper::body::{Body, Incoming};
use hyper::client::conn::http1::{self, SendRequest};
use weft_net::TcpStream;

pub use error::Error;
use error::Kind;
use pool::{Checkout, Key, Limits, Pool, Slot};

use crate::HyperIo;

/// An HTTP/1.1 client with a keep-alive connection pool: aiohttp's `ClientSession`.
///
/// Cloning is cheap and clones share the pool. A request takes an idle connection to its host if
/// there is one, else opens one (the host name is resolved by `weft_net::lookup_host`, each address
/// tried in turn); once the response body has been read to the end, the connection goes back to
/// the pool for the next request. With [`Builder::max_connections_per_host`] set, requests beyond
/// the limit wait in line for a connection. A request sent on a kept-alive connection that the
/// server had just closed is retried once on a new one (it had not been sent).
///
/// Only `http://` URIs: there is no TLS. `B` is the request body type (default
/// [`Full<Bytes>`](http_body_util::Full)).
///
/// # Examples
///
/// ```
/// # weft_net::__private::run(async {
/// use std::convert::Infallible;
/// use http_body_util::{BodyExt, Full};
/// use hyper::body::Bytes;
/// use hyper::{service::service_fn, Request, Response};
///
/// let listener = weft_net::TcpListener::bind("127.0.0.1:0").await?;
/// let addr = listener.local_addr()?;
/// let echo = service_fn(|req: Request<hyper::body::Incoming>| async move {
///     let body = req.into_body().collect().await?.to_bytes();
///     Ok::<_, hyper::Error>(Response::new(Full::new(body)))
/// });
/// weft_runtime::spawn(weft_hyper::serve(listener, echo).into_future());
///
/// let client = weft_hyper::Client::new();
/// let request = Request::post(format!("http://{addr}/echo"))
///     .body(Full::new(Bytes::from("ping")))
///     .unwrap();
/// let response = client.request(request).await.unwrap();
/// assert_eq!(response.status(), 200);
/// assert_eq!(response.into_body().collect().await.unwrap().to_bytes(), "ping");
/// # std::io::Result::Ok(()) }).unwrap();
/// # use std::future::IntoFuture;
/// ```
pub struct Client<B = Full<Bytes>> {
    inner: Arc<Inner<B>>,
}

struct Inner<B> {
    pool: Arc<Pool<B>>,
    timeout: Option<Duration>,
}

impl<B> Clone for Client<B> {
    fn clone(&self) -> Self {
        Client {
            inner: self.inner.clone(),
        }
    }
}

impl<B> fmt::Debug for Client<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client with the default settings (see [`Builder`]).
    pub fn new() -> Client {
        Client::builder().build()
    }

    /// A [`Builder`] to configure a client.
    pub fn builder() -> Builder {
        Builder::default()
    }
}

impl Default for Client {
    fn default() -> Self {
        Client::new()
    }
}

/// Configures a [`Client`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let client: weft_hyper::Client = weft_hyper::Client::builder()
///     .timeout(Duration::from_secs(10))
///     .max_connections_per_host(16)
///     .build();
/// # drop(client);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Builder {
    timeout: Option<Duration>,
    limits: Limits,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            timeout: None,
            limits: Limits {
                idle_timeout: Some(Duration::from_secs(90)),
                max_idle_per_host: usize::MAX,
                max_connections_per_host: None,
            },
        }
    }
}

impl Builder {
    /// The time limit of each request, from the call to the response head (connecting and
    /// waiting for a pooled connection included; reading the body is not). Default: none.
    pub fn timeout(mut self, timeout: impl Into<Option<Duration>>) -> Builder {
        self.timeout = timeout.into();
        self
    }

    /// How long an idle connection stays in the pool before it is closed instead of reused.
    /// `None` keeps it until the server closes it. Default 90 s.
    pub fn pool_idle_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Builder {
        self.limits.idle_timeout = timeout.into();
        self
    }

    /// How many idle connections per host the pool keeps (more are closed). Default: no limit;
    /// 0 turns keep-alive off.
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Builder {
        self.limits.max_idle_per_host = max;
        self
    }

    /// At most `max` connections per host, open or opening; further requests wait for one (in
    /// order). Default: no limit.
    ///
    /// # Panics
    /// If `max` is 0 (no request could ever be sent).
    #[track_caller]
    pub fn max_connections_per_host(mut self, max: usize) -> Builder {
        assert!(
            max > 0,
            "max_connections_per_host(0) would make every request wait forever: give at least 1"
        );
        self.limits.max_connections_per_host = Some(max);
        self
    }

    /// Builds the client, for request bodies of type `B`.
    pub fn build<B>(self) -> Client<B> {
        Client {
            inner: Arc::new(Inner {
                pool: Arc::new(Pool::new(self.limits)),
                timeout: self.timeout,
            }),
        }
    }
}

impl<B> Client<B>
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    /// Sends a `GET` request for `uri` (a `&str`, a `String` or a [`Uri`]) with an empty body.
    ///
    /// # Errors
    /// As for [`request`](Client::request), and [`Error::is_invalid_uri`] if `uri` does not parse.
    ///
    /// # Panics
    /// Outside a weft runtime.
    ///
    /// # Cancel safety
    /// Dropping the future abandons the request (its connection is closed, not reused).
    pub async fn get<U>(&self, uri: U) -> Result<Response<Incoming>, Error>
    where
        Uri: TryFrom<U>,
        <Uri as TryFrom<U>>::Error: Into<http::Error>,
        B: Default,
    {
        let uri = Uri::try_from(uri).map_err(|e| Error::new(Kind::InvalidUri, e.into()))?;
        let mut request = Request::new(B::default());
        *request.uri_mut() = uri;
        self.request(request).await
    }

    /// Sends `request` (its URI must be absolute: `http://host[:port]/path`) and returns the
    /// response once its head has arrived; read the body from
    /// [`Response::into_body`](http::Response::into_body). A `Host` header is added if missing.
    ///
    /// # Errors
    /// [`Error::is_invalid_uri`] (no host, not `http`), [`Error::is_connect`] (the name did not
    /// resolve, the connection was refused, ...), [`Error::is_timeout`] (the client's
    /// [time limit](Builder::timeout) passed), [`Error::is_http`] (the connection failed or the
    /// response was invalid).
    ///
    /// # Panics
    /// Outside a weft runtime.
    ///
    /// # Cancel safety
    /// Dropping the future abandons the request (its connection is closed, not reused).
    pub async fn request(&self, request: Request<B>) -> Result<Response<Incoming>, Error> {
        match self.inner.timeout {
            Some(limit) => weft_io::time::timeout(limit, self.send(request))
                .await
                .unwrap_or_else(|_| Err(Error::timeout())),
            None => self.send(request).await,
        }
    }

    async fn send(&self, mut request: Request<B>) -> Result<Response<Incoming>, Error> {
        let key = prepare(&mut request)?;
        let pool = &self.inner.pool;
        let mut retried = false;
        loop {
            let (mut sender, reused) = match pool.checkout(&key).await {
                Checkout::Reused(sender) => (sender, true),
                Checkout::Connect(slot) => (connect(&key, slot).await?, false),
            };
            match sender.try_send_request(request).await {
                Ok(response) => {
                    recycle(pool, key, sender);
                    return Ok(response);
                }
                Err(mut failed) => match failed.take_message() {
                    // Not sent: the kept-alive connection was closed under us. Once more, on a
                    // fresh connection if need be.
                    Some(back) if reused && !retried => {
                        request = back;
                        retried = true;
                    }
                    _ => return Err(Error::new(Kind::Http, failed.into_error())),
                },
            }
        }
    }
}

/// Checks that `request` can be sent by this client, turns its URI into origin form (`/path?q`,
/// what HTTP/1.1 sends) and sets `Host`; returns the pool key.
fn prepare<B>(request: &mut Request<B>) -> Result<Key, Error> {
    let uri = request.uri();
    let invalid = |what: &str| Error::new(Kind::InvalidUri, format!("{what} in `{uri}`"));
    match uri.scheme() {
        Some(scheme) if *scheme == Scheme::HTTP => {}
        Some(_) => return Err(invalid("only http:// is supported (no TLS)")),
        None => return Err(invalid("no scheme (an absolute http:// URI is needed)")),
    }
    let authority = uri.authority().ok_or_else(|| invalid("no host"))?.clone();
    let host = authority.host();
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if host.is_empty() {
        return Err(invalid("no host"));
    }
    let key = Key {
        host: host.to_ascii_lowercase(),
        port: authority.port_u16().unwrap_or(80),
    };
    if !request.headers().contains_key(HOST) {
        let value = match authority.port_u16() {
            Some(80) | None => HeaderValue::from_str(authority.host()),
            Some(_) => HeaderValue::from_str(authority.as_str()),
        }
        .map_err(|e| Error::new(Kind::InvalidUri, e))?;
        request.headers_mut().insert(HOST, value);
    }
    let origin = request
        .uri()
        .path_and_query()
        .cloned()
        .unwrap_or_else(|| PathAndQuery::from_static("/"));
    *request.uri_mut() = Uri::from(origin);
    Ok(key)
}

/// Opens a connection to `key` and spawns its driver task, which holds `slot` until the
/// connection ends.
async fn connect<B>(key: &Key, slot: Slot<B>) -> Result<SendRequest<B>, Error>
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    // weft's resolver (literals at once, names on the blocking pool), then each address in turn.
    let addrs: Vec<SocketAddr> = weft_net::lookup_host((key.host.as_str(), key.port))
        .await
        .map_err(|e| Error::new(Kind::Connect, e))?
        .collect();
    let stream = TcpStream::connect(&addrs[..])
        .await
        .map_err(|e| Error::new(Kind::Connect, e))?;
    // A refused option only costs latency.
    let _ = stream.set_nodelay(true);
    let (sender, connection) = http1::Builder::new()
        .handshake(HyperIo::new(stream))
        .await
        .map_err(|e| Error::new(Kind::Http, e))?;
    drop(weft_runtime::spawn(async move {
        // The connection's end (the server closed it, or the pool dropped its sender) is not an
        // error anyone waits for: requests on it have already seen theirs.
        let _ = connection.await;
        drop(slot);
    }));
    Ok(sender)
}

/// Returns `sender` to the pool once it can take the next request (HTTP/1: once the response
/// body has been read to the end). If it is not ready yet, a small task waits for that.
fn recycle<B>(pool: &Arc<Pool<B>>, key: Key, mut sender: SendRequest<B>)
where
    B: Send + 'static,
{
    if sender.is_ready() {
        pool.put_idle(&key, sender);
        return;
    }
    let pool = Arc::downgrade(pool);
    drop(weft_runtime::spawn(async move {
        if poll_fn(|cx| sender.poll_ready(cx)).await.is_ok() {
            if let Some(pool) = pool.upgrade() {
                pool.put_idle(&key, sender);
            }
        }
    }));
}

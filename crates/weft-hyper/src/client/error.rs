//! The client's [`Error`].

use std::error::Error as StdError;
use std::fmt;
use std::io;

/// Why a [`Client`](crate::Client) request failed.
///
/// Every failure that comes from outside (a name that does not resolve, a refused connection, a
/// peer that closes or sends garbage, the time limit) is one of these, never a panic. Ask which
/// with the `is_*` methods; [`source`](StdError::source) gives the underlying `io::Error` or
/// `hyper::Error`.
#[derive(Debug)]
pub struct Error {
    kind: Kind,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The URI has no host, or a scheme other than `http`.
    InvalidUri,
    /// Resolving the host or connecting to it failed.
    Connect,
    /// The request did not get a response head within the client's time limit.
    Timeout,
    /// hyper failed on the connection (the peer closed it, sent an invalid response, ...).
    Http,
}

impl Error {
    pub(crate) fn new(kind: Kind, source: impl Into<Box<dyn StdError + Send + Sync>>) -> Error {
        Error {
            kind,
            source: Some(source.into()),
        }
    }

    pub(crate) fn timeout() -> Error {
        Error {
            kind: Kind::Timeout,
            source: None,
        }
    }

    /// The URI was not one this client can request: no host, or not `http://` (there is no TLS).
    pub fn is_invalid_uri(&self) -> bool {
        self.kind == Kind::InvalidUri
    }

    /// The host did not resolve, or no connection could be made to it.
    pub fn is_connect(&self) -> bool {
        self.kind == Kind::Connect
    }

    /// The client's time limit ([`Builder::timeout`](crate::client::Builder::timeout)) passed
    /// before the response head arrived.
    pub fn is_timeout(&self) -> bool {
        self.kind == Kind::Timeout
    }

    /// The connection failed in hyper: closed by the peer, an invalid response, ...
    pub fn is_http(&self) -> bool {
        self.kind == Kind::Http
    }

    /// The underlying I/O error, if this is one (a connect error, or an I/O error under hyper's).
    pub fn io_error(&self) -> Option<&io::Error> {
        let mut source: Option<&(dyn StdError + 'static)> = self.source();
        while let Some(e) = source {
            if let Some(io) = e.downcast_ref::<io::Error>() {
                return Some(io);
            }
            source = e.source();
        }
        None
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            Kind::InvalidUri => "invalid URI for this client",
            Kind::Connect => "could not connect",
            Kind::Timeout => "request timed out",
            Kind::Http => "HTTP connection failed",
        };
        match &self.source {
            Some(source) => write!(f, "{what}: {source}"),
            None => f.write_str(what),
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

impl From<Error> for io::Error {
    /// A timeout becomes `TimedOut`, a connect error keeps its `io::Error` kind, the rest `Other`.
    fn from(e: Error) -> io::Error {
        let kind = match (e.kind, e.io_error()) {
            (Kind::Timeout, _) => io::ErrorKind::TimedOut,
            (Kind::InvalidUri, _) => io::ErrorKind::InvalidInput,
            (_, Some(io)) => io.kind(),
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, e)
    }
}

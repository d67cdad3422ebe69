//! Socket addresses: the [`ToSocketAddrs`] trait and name resolution off the reactor.
//!
//! Literal addresses (`SocketAddr`, `(IpAddr, u16)`, `"127.0.0.1:80"`, ...) resolve at once, with
//! no thread hop. Host names (`"localhost:80"`, `("example.com", 443)`) are looked up with the
//! system resolver (`getaddrinfo`, which blocks) on the runtime's blocking pool
//! ([`weft_runtime::spawn_blocking`]), so a slow DNS server never stalls a reactor thread. Outside
//! a weft runtime (an executor that only entered a `weft_io::Handle`), the lookup runs inline.

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::vec;

/// Values that name one or more socket addresses: what [`TcpListener::bind`],
/// [`TcpStream::connect`], [`UdpSocket::bind`] and friends accept.
///
/// This is weft's own (sealed) trait rather than `std::net::ToSocketAddrs`, because std's trait
/// resolves host names synchronously; weft resolves them on the blocking pool. It is implemented
/// for the same types as std's: [`SocketAddr`], [`SocketAddrV4`], [`SocketAddrV6`],
/// `(IpAddr, u16)`, `(Ipv4Addr, u16)`, `(Ipv6Addr, u16)`, `(&str, u16)`, `(String, u16)`, `&str`,
/// `String`, `&[SocketAddr]`, `Vec<SocketAddr>`, and references to any of these.
///
/// [`TcpListener::bind`]: crate::TcpListener::bind
/// [`TcpStream::connect`]: crate::TcpStream::connect
/// [`UdpSocket::bind`]: crate::UdpSocket::bind
///
/// # Examples
///
/// ```
/// # weft_net::__private::run(async {
/// use weft_net::TcpListener;
/// // Any of these work: a literal, a (host, port) pair, or a name to resolve.
/// let a = TcpListener::bind("127.0.0.1:0").await?;
/// let b = TcpListener::bind(("127.0.0.1", 0)).await?;
/// let c = TcpListener::bind("localhost:0").await?;
/// # let _ = (a, b, c);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub trait ToSocketAddrs: sealed::Sealed {}

pub(crate) mod sealed {
    use super::*;

    /// What a [`ToSocketAddrs`] value turns into: addresses now, or a name to look up.
    #[derive(Debug)]
    pub enum Addrs {
        /// Already resolved.
        Ready(io::Result<Vec<SocketAddr>>),
        /// A `host:port` string to resolve with the system resolver.
        Lookup(String),
        /// A host and a port to resolve with the system resolver.
        LookupPair(String, u16),
    }

    /// The hidden half of [`ToSocketAddrs`](super::ToSocketAddrs).
    pub trait Sealed {
        /// Classifies the value (parsing literals at once).
        fn to_addrs(&self) -> Addrs;
    }
}

use sealed::{Addrs, Sealed};

macro_rules! literal {
    ($($ty:ty => |$v:ident| $e:expr;)*) => {$(
        impl ToSocketAddrs for $ty {}
        impl Sealed for $ty {
            fn to_addrs(&self) -> Addrs {
                let $v = self;
                Addrs::Ready(Ok($e))
            }
        }
    )*};
}

literal! {
    SocketAddr => |a| vec![*a];
    SocketAddrV4 => |a| vec![SocketAddr::V4(*a)];
    SocketAddrV6 => |a| vec![SocketAddr::V6(*a)];
    (IpAddr, u16) => |a| vec![SocketAddr::new(a.0, a.1)];
    (Ipv4Addr, u16) => |a| vec![SocketAddr::new(IpAddr::V4(a.0), a.1)];
    (Ipv6Addr, u16) => |a| vec![SocketAddr::new(IpAddr::V6(a.0), a.1)];
    [SocketAddr] => |a| a.to_vec();
    Vec<SocketAddr> => |a| a.clone();
}

impl ToSocketAddrs for str {}
impl Sealed for str {
    fn to_addrs(&self) -> Addrs {
        match self.parse::<SocketAddr>() {
            Ok(addr) => Addrs::Ready(Ok(vec![addr])),
            Err(_) => Addrs::Lookup(self.to_owned()),
        }
    }
}

impl ToSocketAddrs for String {}
impl Sealed for String {
    fn to_addrs(&self) -> Addrs {
        self.as_str().to_addrs()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl Sealed for (&str, u16) {
    fn to_addrs(&self) -> Addrs {
        match self.0.parse::<IpAddr>() {
            Ok(ip) => Addrs::Ready(Ok(vec![SocketAddr::new(ip, self.1)])),
            Err(_) => Addrs::LookupPair(self.0.to_owned(), self.1),
        }
    }
}

impl ToSocketAddrs for (String, u16) {}
impl Sealed for (String, u16) {
    fn to_addrs(&self) -> Addrs {
        (self.0.as_str(), self.1).to_addrs()
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: Sealed + ?Sized> Sealed for &T {
    fn to_addrs(&self) -> Addrs {
        (**self).to_addrs()
    }
}

/// Resolves `addr` to a list of addresses (host names on the blocking pool).
pub(crate) async fn resolve(addr: impl ToSocketAddrs) -> io::Result<Vec<SocketAddr>> {
    let addrs = addr.to_addrs();
    if let Addrs::Ready(result) = addrs {
        return result;
    }
    match weft_runtime::Handle::try_current() {
        Ok(rt) => rt
            .spawn_blocking(move || addrs.lookup_blocking())
            .await
            .map_err(|e| match e.is_cancelled() {
                // The only cancellation of a blocking job is its runtime's shutdown.
                true => weft_core::ShutdownError::new("resolving a host name").into(),
                false => io::Error::other(format!("name resolution task failed: {e}")),
            })?,
        Err(_) => addrs.lookup_blocking(),
    }
}

/// Looks up the socket addresses of a host and port with the system resolver (`getaddrinfo`),
/// on the runtime's blocking pool: asyncio's `loop.getaddrinfo`.
///
/// `host` is anything [`ToSocketAddrs`] accepts: `"example.com:443"`, `("example.com", 443)`,
/// `"[::1]:80"`, a `SocketAddr`, ... Literal addresses come back at once, without a thread hop;
/// names are resolved on the blocking pool (which may take as long as the system resolver takes:
/// wrap the call in `weft::time::timeout` to bound it). The addresses come in the resolver's order
/// (the order to try them in).
///
/// # Examples
///
/// ```
/// # weft_net::__private::run(async {
/// let addrs: Vec<_> = weft_net::lookup_host("localhost:8080").await?.collect();
/// assert!(!addrs.is_empty());
/// assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 8080));
///
/// let err = weft_net::lookup_host("localhost").await.unwrap_err(); // no port
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
///
/// # Errors
///
/// - `InvalidInput` for a string that is not `host:port` (no port, an empty host), or a port that
///   is not a number from 0 to 65535; the message names the input.
/// - `NotFound` for a name the resolver does not know (or cannot resolve now: `getaddrinfo` does
///   not tell the two apart reliably); the message names the host and gives the resolver's reason.
/// - An OS error if the resolver failed with one.
/// - A [`ShutdownError`](weft_core::ShutdownError) if the runtime shut down before the lookup
///   ran.
///
/// # Panics
///
/// Never for bad input. Outside a weft runtime the lookup runs inline on the calling thread.
///
/// # Cancel safety
///
/// Cancel safe: a dropped call returns nothing (a lookup already running on the blocking pool
/// finishes there and its result is dropped).
pub async fn lookup_host(host: impl ToSocketAddrs) -> io::Result<vec::IntoIter<SocketAddr>> {
    resolve(host).await.map(Vec::into_iter)
}

impl Addrs {
    /// The addresses, names looked up with the system resolver (which blocks).
    fn lookup_blocking(self) -> io::Result<Vec<SocketAddr>> {
        let (host, port) = match self {
            Addrs::Ready(result) => return result,
            Addrs::Lookup(s) => split_host_port(&s)?,
            Addrs::LookupPair(host, port) => (host, port),
        };
        if host.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("cannot resolve an empty host name (port {port})"),
            ));
        }
        match std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port)) {
            Ok(addrs) => Ok(addrs.collect()),
            Err(e) => Err(lookup_failed(&host, e)),
        }
    }
}

/// Splits `"host:port"` (the host may be a bracketed or bare IPv6 literal), with an
/// `InvalidInput` error naming the input when there is no port or it is not a `u16`.
fn split_host_port(s: &str) -> io::Result<(String, u16)> {
    let invalid = |why: &str| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("invalid socket address {s:?}: {why}"),
        )
    };
    let (host, port) = s
        .rsplit_once(':')
        .ok_or_else(|| invalid("expected `host:port`, e.g. \"example.com:443\""))?;
    let port: u16 = port
        .parse()
        .map_err(|_| invalid("the port must be a number from 0 to 65535"))?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    Ok((host.to_owned(), port))
}

/// The resolver's error for `host`, with the host in the message. std reports `getaddrinfo`'s own
/// failures (unknown name, no answer) with an error kind user code cannot name: those become
/// `NotFound`; a real OS error keeps its kind.
fn lookup_failed(host: &str, e: io::Error) -> io::Error {
    let kind = match e.raw_os_error() {
        Some(_) => e.kind(),
        None if e.kind() == io::ErrorKind::InvalidInput => io::ErrorKind::InvalidInput,
        None => io::ErrorKind::NotFound,
    };
    io::Error::new(kind, format!("could not resolve host {host:?}: {e}"))
}

/// The error for an address that resolved to nothing.
fn no_address() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "the address resolved to no socket address",
    )
}

/// Resolves `addr` and runs `op` on each address in turn until one succeeds; returns the last
/// error if none does.
pub(crate) async fn try_each<T, F, Fut>(addr: impl ToSocketAddrs, mut op: F) -> io::Result<T>
where
    F: FnMut(SocketAddr) -> Fut,
    Fut: Future<Output = io::Result<T>>,
{
    let addrs = resolve(addr).await?;
    let mut last = None;
    for a in addrs {
        match op(a).await {
            Ok(v) => return Ok(v),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(no_address))
}

/// The first address `addr` resolves to (for `send_to`).
pub(crate) async fn first(addr: impl ToSocketAddrs) -> io::Result<SocketAddr> {
    resolve(addr)
        .await?
        .into_iter()
        .next()
        .ok_or_else(no_address)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready(a: impl ToSocketAddrs) -> Vec<SocketAddr> {
        match a.to_addrs() {
            Addrs::Ready(r) => r.unwrap(),
            other => panic!("expected a literal, got {other:?}"),
        }
    }

    #[test]
    fn literals_resolve_without_lookup() {
        let want: SocketAddr = "127.0.0.1:80".parse().unwrap();
        assert_eq!(ready("127.0.0.1:80"), vec![want]);
        assert_eq!(ready(("127.0.0.1", 80)), vec![want]);
        assert_eq!(ready((Ipv4Addr::LOCALHOST, 80)), vec![want]);
        assert_eq!(ready(want), vec![want]);
        assert_eq!(ready(&[want, want][..]), vec![want, want]);
        assert_eq!(
            ready(String::from("[::1]:5")),
            vec!["[::1]:5".parse().unwrap()]
        );
    }

    #[test]
    fn names_are_looked_up() {
        assert!(matches!("localhost:80".to_addrs(), Addrs::Lookup(_)));
        assert!(matches!(
            ("localhost", 80).to_addrs(),
            Addrs::LookupPair(_, 80)
        ));
        let found = Addrs::LookupPair("localhost".into(), 80)
            .lookup_blocking()
            .unwrap();
        assert!(found.iter().all(|a| a.ip().is_loopback() && a.port() == 80));
    }

    #[test]
    fn host_and_port_split_with_clear_errors() {
        assert_eq!(split_host_port("a.b:80").unwrap(), ("a.b".into(), 80));
        assert_eq!(split_host_port("[::1]:9").unwrap(), ("::1".into(), 9));
        assert_eq!(split_host_port("::1:9").unwrap(), ("::1".into(), 9));
        for (bad, says) in [
            ("localhost", "expected `host:port`"),
            ("localhost:70000", "from 0 to 65535"),
            ("localhost:-1", "from 0 to 65535"),
            ("localhost:", "from 0 to 65535"),
        ] {
            let err = split_host_port(bad).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
            let msg = err.to_string();
            assert!(msg.contains(says) && msg.contains(bad), "{msg}");
        }
    }
}

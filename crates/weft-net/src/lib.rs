//! # weft-net: TCP, UDP and Unix sockets
//!
//! This layer turns the OS's sockets into async types: [`TcpListener`] and [`TcpStream`],
//! [`UdpSocket`], and on Unix [`UnixListener`], [`UnixStream`] and [`UnixDatagram`]; [`TcpSocket`]
//! sets a socket's options before it connects or listens, and [`lookup_host`] resolves a name
//! (asyncio's `getaddrinfo`). Each socket type wraps a
//! std socket in weft-io's readiness adapter [`weft_io::Async`], registered with the reactor of
//! the runtime it was made in. Operations are optimistic: the syscall is tried first and the task
//! waits for readiness only when it returns `WouldBlock`.
//!
//! It depends on weft-io (reactor, timers, the futures-io traits), weft-runtime (the blocking pool
//! that resolves host names, see [`ToSocketAddrs`]), and socket2 for the socket options std
//! lacks. Streams implement the `futures-io` traits, so `weft::io`'s `AsyncReadExt` /
//! `AsyncWriteExt` (futures-util's) work on them.
//!
//! ```text
//!   TcpStream / UdpSocket / Unix*  --Async<std socket>-->  weft-io reactor (epoll/kqueue)
//!        | connect / bind("host:port")                          ^ wakes the task on readiness
//!        v                                                      |
//!   ToSocketAddrs: literals at once, names on the blocking pool (weft-runtime)
//! ```
//!
//! Every error that comes from outside (a refused connection, a peer that resets, a full
//! descriptor table) is an `io::Error`, never a panic. A listener that runs out of descriptors
//! backs off instead of spinning (see [`TcpListener`] and [`BACKOFF`]). Every async method states
//! its cancel safety.
//!
//! # Examples
//!
//! An echo server and a client, a UDP exchange and a Unix socket pair:
//!
//! ```
//! # weft_net::__private::run(async {
//! use weft_io::io::{AsyncReadExt, AsyncWriteExt};
//! use weft_net::{TcpListener, TcpStream, UdpSocket, UnixStream};
//!
//! // TCP: a server task echoing each connection, and a client.
//! let listener = TcpListener::bind("127.0.0.1:0").await?;
//! let addr = listener.local_addr()?;
//! weft_runtime::spawn(async move {
//!     while let Ok((stream, _peer)) = listener.accept().await {
//!         weft_runtime::spawn(async move {
//!             let (mut rd, mut wr) = stream.into_split();
//!             let _ = weft_io::io::copy(&mut rd, &mut wr).await;
//!         });
//!     }
//! });
//! let mut client = TcpStream::connect(addr).await?;
//! client.write_all(b"hello").await?;
//! let mut buf = [0; 5];
//! client.read_exact(&mut buf).await?;
//! assert_eq!(&buf, b"hello");
//!
//! // UDP: one datagram each way.
//! let a = UdpSocket::bind("127.0.0.1:0").await?;
//! let b = UdpSocket::bind("127.0.0.1:0").await?;
//! a.send_to(b"ping", b.local_addr()?).await?;
//! let (n, from) = b.recv_from(&mut buf).await?;
//! assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr()?));
//!
//! // Unix: a connected pair.
//! let (mut x, mut y) = UnixStream::pair()?;
//! x.write_all(b"unix!").await?;
//! y.read_exact(&mut buf).await?;
//! assert_eq!(&buf, b"unix!");
//! # std::io::Result::Ok(()) }).unwrap();
//! ```
#![deny(unsafe_op_in_unsafe_fn)]

mod addr;
mod backoff;
mod connect;
mod fd;
pub mod halves;
mod readiness;
mod stream_io;
mod sys;
pub mod tcp;
mod udp;
#[cfg(unix)]
pub mod unix;

pub use addr::{lookup_host, ToSocketAddrs};
pub use backoff::BACKOFF;
pub use tcp::{TcpListener, TcpSocket, TcpStream};
pub use udp::UdpSocket;
#[cfg(unix)]
pub use unix::{UnixDatagram, UnixListener, UnixStream};

/// Not public API: the runtime the doc examples run on.
#[doc(hidden)]
pub mod __private {
    use std::future::Future;
    use std::sync::Arc;

    /// Runs `future` on a new current-thread runtime with a weft-io driver installed.
    pub fn run<F: Future>(future: F) -> F::Output {
        let driver = Arc::new(
            weft_io::Driver::new(weft_io::DriverConfig::default()).expect("create the driver"),
        );
        let rt = weft_runtime::Builder::new_current_thread()
            .park_hook(driver)
            .build()
            .expect("build the runtime");
        rt.block_on(future)
    }
}

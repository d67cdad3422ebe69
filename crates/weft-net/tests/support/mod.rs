//! Shared test harness: every behaviour test runs on both runtime flavours, written once.
//!
//! `flavors! { async fn name() { body } ... }` expands to two modules, `current_thread` and
//! `multi_thread`, each with one `#[test]` per function. Each test builds a weft-runtime runtime
//! with a weft-io driver installed as its park hook (the shape the facade uses), and runs the body
//! under a watchdog: a test that hangs fails after [`LIMIT`] instead of blocking CI.
//!
//! Fixtures shared by the test files live here too: a connected TCP pair, a one-connection echo
//! server, a byte tape for byte-exact transfers, and temp dirs for Unix socket paths.
#![allow(dead_code, unused_macros, unused_imports)]

pub mod child;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use weft_io::{Driver, DriverConfig};
use weft_net::{TcpListener, TcpStream};
use weft_runtime::task::JoinHandle;

/// How long a test body may run before the watchdog fails it.
pub const LIMIT: Duration = Duration::from_secs(120);

/// A runtime flavour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    CurrentThread,
    MultiThread,
}

/// Builds a runtime of `flavor` with a fresh driver; returns it with the driver's handle.
pub fn runtime(flavor: Flavor) -> (weft_runtime::Runtime, weft_io::Handle) {
    let driver = Arc::new(Driver::new(DriverConfig::default()).expect("create the weft-io driver"));
    let io = driver.handle();
    let mut builder = match flavor {
        Flavor::CurrentThread => weft_runtime::Builder::new_current_thread(),
        Flavor::MultiThread => {
            let mut b = weft_runtime::Builder::new_multi_thread();
            b.worker_threads(2);
            b
        }
    };
    builder.park_hook(driver);
    (builder.build().expect("build the runtime"), io)
}

/// Runs `body` on a new runtime of `flavor`, failing if it takes longer than `limit`.
pub fn run_with_limit<F>(flavor: Flavor, limit: Duration, body: F) -> F::Output
where
    F: Future,
{
    raise_fd_limit();
    let (rt, _io) = runtime(flavor);
    // The body runs on this thread (as `weft::run` runs its future); resources find the
    // driver through the runtime's park hook.
    rt.block_on(async move {
        match weft_io::time::timeout(limit, body).await {
            Ok(out) => out,
            Err(_) => panic!("the test did not finish within {limit:?} (a hang)"),
        }
    })
}

/// Runs `body` on a new runtime of `flavor` under the default watchdog.
pub fn run<F: Future>(flavor: Flavor, body: F) -> F::Output {
    run_with_limit(flavor, LIMIT, body)
}

/// Raises the soft limit on open files to the hard limit (1,000 connections need 2,000+).
pub fn raise_fd_limit() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid, writable rlimit for getrlimit to fill.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0 && lim.rlim_cur < lim.rlim_max
    {
        lim.rlim_cur = lim.rlim_max.min(65536);
        // SAFETY: `lim` is a valid rlimit; raising the soft limit up to the hard one is allowed.
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) };
    }
}

/// Awaits a spawned task, unwrapping the join result (a panic in the task fails the test where
/// it is awaited).
pub async fn join<T: Send + 'static>(handle: JoinHandle<T>) -> T {
    match handle.await {
        Ok(v) => v,
        Err(e) => panic!("a spawned test task failed: {e}"),
    }
}

/// A connected TCP pair on loopback, `(client, server)`; checks that the server's peer is the
/// client.
pub async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, peer) = listener.accept().await.unwrap();
    assert_eq!(peer, client.local_addr().unwrap());
    (client, server)
}

/// A loopback listener whose task echoes its first connection back until the client closes;
/// returns the address to connect to and the task (its output: the number of bytes echoed).
pub async fn tcp_echo_once() -> (SocketAddr, JoinHandle<u64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = weft_runtime::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let (mut rd, mut wr) = stream.into_split();
        weft_io::io::copy(&mut rd, &mut wr).await.unwrap()
    });
    (addr, server)
}

/// A deterministic, non-repeating-looking byte stream for byte-exact transfer checks: byte `i` of
/// the stream is `block[i % block.len()]`, where the block is 1 MiB + 13 pseudo-random bytes (a
/// length that no buffer size divides, so a lost, doubled or reordered chunk shows).
pub struct Tape {
    block: Vec<u8>,
}

impl Tape {
    pub fn new(seed: u64) -> Tape {
        let mut x = seed | 1;
        let block = (0..(1 << 20) + 13)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        Tape { block }
    }

    /// Copies the stream's bytes from position `pos` into `out`.
    pub fn read_at(&self, mut pos: u64, out: &mut [u8]) {
        let mut done = 0;
        while done < out.len() {
            let at = (pos % self.block.len() as u64) as usize;
            let n = (self.block.len() - at).min(out.len() - done);
            out[done..done + n].copy_from_slice(&self.block[at..at + n]);
            done += n;
            pos += n as u64;
        }
    }

    /// Whether `data` equals the stream's bytes from position `pos`.
    pub fn matches(&self, mut pos: u64, data: &[u8]) -> bool {
        let mut done = 0;
        while done < data.len() {
            let at = (pos % self.block.len() as u64) as usize;
            let n = (self.block.len() - at).min(data.len() - done);
            if data[done..done + n] != self.block[at..at + n] {
                return false;
            }
            done += n;
            pos += n as u64;
        }
        true
    }
}

/// Writes both flavours of each test: `flavors! { async fn name() { body } }`.
macro_rules! flavors {
    ($( $(#[$meta:meta])* async fn $name:ident() $body:block )*) => {
        mod current_thread {
            #[allow(unused_imports)]
            use super::*;
            $(
                $(#[$meta])*
                #[test]
                fn $name() {
                    $crate::support::run($crate::support::Flavor::CurrentThread, async move $body)
                }
            )*
        }

        mod multi_thread {
            #[allow(unused_imports)]
            use super::*;
            $(
                $(#[$meta])*
                #[test]
                fn $name() {
                    $crate::support::run($crate::support::Flavor::MultiThread, async move $body)
                }
            )*
        }
    };
}

pub(crate) use flavors;

/// A fresh directory under the system temp dir, removed on drop (for Unix socket paths).
pub struct TempDir(std::path::PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("weft-net-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create a temp dir");
        TempDir(dir)
    }

    pub fn path(&self, name: &str) -> std::path::PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

//! Shared test harness: every behaviour test runs on both runtime flavours, written once.
//!
//! `flavors! { async fn name() { body } ... }` expands to two modules, `current_thread` and
//! `multi_thread`, each with one `#[test]` per function, run on a weft-runtime runtime with a
//! weft-io driver as its park hook (the facade's shape) under a watchdog.
//!
//! Also here: the HTTP services the tests serve, running outside programs (curl, python3) on the
//! blocking pool, and counting this process's open descriptors.
#![allow(dead_code, unused_macros, unused_imports)]

use std::convert::Infallible;
use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use weft_io::{Driver, DriverConfig};
use weft_net::TcpListener;
use weft_runtime::task::JoinHandle;

pub use weft_test_support::require_program;

/// How long a test body may run before the watchdog fails it.
pub const LIMIT: Duration = Duration::from_secs(120);

/// A runtime flavour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    CurrentThread,
    MultiThread,
}

/// Builds a runtime of `flavor` with a fresh driver.
pub fn runtime(flavor: Flavor) -> weft_runtime::Runtime {
    let driver = Arc::new(Driver::new(DriverConfig::default()).expect("create the weft-io driver"));
    let mut builder = match flavor {
        Flavor::CurrentThread => weft_runtime::Builder::new_current_thread(),
        Flavor::MultiThread => {
            let mut b = weft_runtime::Builder::new_multi_thread();
            b.worker_threads(2);
            b
        }
    };
    builder.park_hook(driver);
    builder.build().expect("build the runtime")
}

/// Runs `body` on a new runtime of `flavor` under the watchdog.
pub fn run<F: Future>(flavor: Flavor, body: F) -> F::Output {
    raise_fd_limit();
    let rt = runtime(flavor);
    rt.block_on(async move {
        match weft_io::time::timeout(LIMIT, body).await {
            Ok(out) => out,
            Err(_) => panic!("the test did not finish within {LIMIT:?} (a hang)"),
        }
    })
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

/// [`flavors!`] for tests that count descriptors: each runs alone, runtime included (see
/// [`serial`]).
macro_rules! serial_flavors {
    ($( $(#[$meta:meta])* async fn $name:ident() $body:block )*) => {
        mod current_thread {
            #[allow(unused_imports)]
            use super::*;
            $(
                $(#[$meta])*
                #[test]
                fn $name() {
                    let _serial = $crate::support::serial();
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
                    let _serial = $crate::support::serial();
                    $crate::support::run($crate::support::Flavor::MultiThread, async move $body)
                }
            )*
        }
    };
}

pub(crate) use serial_flavors;

/// Raises the soft limit on open files to the hard limit (500 connections need 1,000+).
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

/// Awaits a spawned task, unwrapping the join result.
pub async fn join<T: Send + 'static>(handle: JoinHandle<T>) -> T {
    match handle.await {
        Ok(v) => v,
        Err(e) => panic!("a spawned test task failed: {e}"),
    }
}

/// The number of descriptors this process has open.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("read /proc/self/fd")
        .count()
}

/// Serializes the tests of one binary that count descriptors (tests run on parallel threads of
/// one process, and every socket counts).
pub fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Waits (up to 10 s) until this process has at most `baseline` descriptors open: connection
/// tasks close their sockets as they notice the peer left. Returns the count last seen.
pub async fn settle_fds(baseline: usize) -> usize {
    let mut now = open_fds();
    for _ in 0..1000 {
        if now <= baseline {
            break;
        }
        weft_io::time::sleep(Duration::from_millis(10)).await;
        now = open_fds();
    }
    now
}

/// The services the tests serve:
/// - `/echo`: the request body back, byte for byte;
/// - `/slow?ms=N`: "slow" after N ms;
/// - `/len`: the number of body bytes received, in decimal;
/// - anything else: "hello" (with the path in a header).
pub async fn service(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
    match req.uri().path() {
        "/echo" => {
            let body = req.into_body().collect().await?.to_bytes();
            Ok(Response::new(Full::new(body)))
        }
        "/len" => {
            let body = req.into_body().collect().await?.to_bytes();
            Ok(Response::new(Full::new(Bytes::from(
                body.len().to_string(),
            ))))
        }
        "/slow" => {
            let ms: u64 = req
                .uri()
                .query()
                .and_then(|q| q.strip_prefix("ms="))
                .and_then(|ms| ms.parse().ok())
                .unwrap_or(100);
            weft_io::time::sleep(Duration::from_millis(ms)).await;
            Ok(Response::new(Full::new(Bytes::from("slow"))))
        }
        path => {
            let mut response = Response::new(Full::new(Bytes::from("hello")));
            response
                .headers_mut()
                .insert("x-path", path.parse().expect("a path is a header value"));
            Ok(response)
        }
    }
}

/// [`service`] as a nameable `Service`.
#[derive(Clone, Copy, Debug)]
pub struct TestService;

/// [`service`]'s future, boxed.
pub type ServiceFuture =
    std::pin::Pin<Box<dyn Future<Output = Result<Response<Full<Bytes>>, hyper::Error>> + Send>>;

impl hyper::service::Service<Request<Incoming>> for TestService {
    type Response = Response<Full<Bytes>>;
    type Error = hyper::Error;
    type Future = ServiceFuture;

    fn call(&self, req: Request<Incoming>) -> ServiceFuture {
        Box::pin(service(req))
    }
}

/// Starts `serve(listener, TestService)` with `configure` applied, as a task; returns its
/// address and the task.
pub async fn start_server(
    configure: impl FnOnce(weft_hyper::Serve<TestService>) -> weft_hyper::ServeFuture,
) -> (SocketAddr, JoinHandle<std::io::Result<()>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = weft_runtime::spawn(configure(weft_hyper::serve(listener, TestService)));
    (addr, task)
}

/// Starts the default server (no graceful shutdown) as a task; returns its address.
pub async fn start_default_server() -> SocketAddr {
    start_server(|serve| serve.into_future()).await.0
}

/// Runs `program args` on the blocking pool and returns its output.
pub async fn run_program(program: PathBuf, args: Vec<String>) -> Output {
    let name = program.display().to_string();
    let out = weft_runtime::spawn_blocking(move || Command::new(program).args(&args).output());
    match join(out).await {
        Ok(out) => out,
        Err(e) => panic!("could not run `{name}`: {e}"),
    }
}

/// `out`'s stdout as text, after checking that it exited with success.
pub fn success(out: &Output) -> String {
    assert!(
        out.status.success(),
        "the program failed ({}): stdout {:?} stderr {:?}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A counter shared with a service.
pub fn counter() -> Arc<AtomicUsize> {
    Arc::new(AtomicUsize::new(0))
}

/// Reads a counter.
pub fn count(c: &AtomicUsize) -> usize {
    c.load(Ordering::SeqCst)
}

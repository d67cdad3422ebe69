//! # weft: an asynchronous runtime for Rust
//!
//! weft runs `async` code. It is to Rust what asyncio is to Python: an event loop ([`run`], like
//! `asyncio.run`), tasks ([`spawn`], like `asyncio.create_task`), gathering ([`future::join_all`],
//! like `asyncio.gather`), time ([`time::sleep`], [`time::timeout`] for `asyncio.wait_for`),
//! queues and locks ([`sync`]), async streams ([`stream`]), sockets ([`net`]) and files ([`fs`]).
//! Tasks run on a multi-thread, work-stealing executor (or on one thread, if you ask), and a task
//! that panics reports the panic to whoever awaits it instead of taking the program down.
//!
//! This crate is the facade: it re-exports the layers beneath it under one name.
//!
//! ```text
//!   weft-core (tasks, combinators)  <-  weft-sync (channels, locks)
//!       ^
//!   weft-runtime (executor)  <-  weft-io (reactor, timers)  <-  weft-net, weft-fs  <-  weft
//! ```
//!
//! # Examples
//!
//! A complete program: three tasks run at once, their results are gathered in order, one task's
//! panic reaches its joiner, and blocking work runs on the blocking pool.
//!
//! ```
//! use std::time::{Duration, Instant};
//!
//! async fn fetch(id: u32) -> String {
//!     weft::time::sleep(Duration::from_millis(50)).await; // an "API call"
//!     format!("page {id}")
//! }
//!
//! fn main() {
//!     let start = Instant::now();
//!     let pages = weft::run(async {
//!         let tasks: Vec<_> = (1..=3).map(|id| weft::spawn(fetch(id))).collect();
//!         let pages: Vec<String> = weft::future::join_all(tasks)
//!             .await
//!             .into_iter()
//!             .map(|joined| joined.expect("fetch does not panic"))
//!             .collect();
//!
//!         let failing = weft::spawn(async { panic!("boom") });
//!         assert!(failing.await.unwrap_err().is_panic());
//!
//!         let hash = weft::spawn_blocking(|| (0..1_000u64).sum::<u64>()).await.unwrap();
//!         assert_eq!(hash, 499_500);
//!         pages
//!     });
//!     assert_eq!(pages, ["page 1", "page 2", "page 3"]);
//!     // The three 50 ms calls overlapped.
//!     assert!(start.elapsed() < Duration::from_secs(5));
//! }
//! ```
#![deny(unsafe_op_in_unsafe_fn)]

use std::future::Future;

pub mod fs;
pub mod future;
#[cfg(feature = "hyper")]
pub mod hyper;
pub mod io;
mod join_set;
pub mod net;
pub mod process;
pub mod runtime;
pub mod signal;
pub mod stream;
pub mod sync;
pub mod task;
mod task_group;
pub mod time;

/// Runs several futures at once in the current task and waits for all of them; their outputs come
/// back as a tuple, in order: asyncio's `gather` for a fixed set.
///
/// ```
/// use std::time::Duration;
///
/// async fn call(name: &str) -> String {
///     weft::time::sleep(Duration::from_millis(20)).await;
///     format!("{name}: ok")
/// }
///
/// #[weft::main]
/// async fn main() {
///     let (users, orders, count) = weft::join!(call("users"), call("orders"), async { 3 });
///     assert_eq!((users.as_str(), orders.as_str(), count), ("users: ok", "orders: ok", 3));
/// }
/// ```
///
/// *From weft-core's documentation, where this is `weft_core::join!`:*
///
#[doc(inline)]
pub use weft_core::join;

/// Waits for several futures at once and runs the branch of the first to finish; the others are
/// dropped: asyncio's `wait(..., return_when=FIRST_COMPLETED)` and a dispatch on the winner.
///
/// ```
/// use std::time::Duration;
/// use weft::sync::mpsc;
///
/// #[weft::main]
/// async fn main() {
///     let (tx, mut rx) = mpsc::channel::<u32>(1);
///     weft::spawn(async move { tx.send(7).await.unwrap() });
///     let got = weft::select! {
///         Some(n) = rx.recv() => n,
///         _ = weft::time::sleep(Duration::from_secs(5)) => panic!("no message in 5 s"),
///     };
///     assert_eq!(got, 7);
/// }
/// ```
///
/// *From weft-core's documentation, where this is `weft_core::select!`:*
///
#[doc(inline)]
pub use weft_core::select;

pub use task::{spawn, spawn_blocking, spawn_local};

/// Declares task-locals that spawned tasks inherit: asyncio's `contextvars.ContextVar`.
///
/// ```
/// weft::task_local! {
///     static REQUEST_ID: u64;
/// }
///
/// #[weft::main]
/// async fn main() {
///     REQUEST_ID
///         .scope(42, async {
///             assert_eq!(REQUEST_ID.get(), 42);
///             // A task spawned in the scope sees the value for its whole life, as asyncio
///             // copies the context into `create_task`.
///             let child = weft::spawn(async { REQUEST_ID.get() });
///             assert_eq!(child.await.unwrap(), 42);
///         })
///         .await;
///     assert!(REQUEST_ID.try_with(|_| ()).is_err()); // out of scope
/// }
/// ```
///
/// *From weft-core's documentation, where this is `weft_core::task_local!`:*
///
#[doc(inline)]
pub use weft_core::task_local;
/// Runs several fallible futures at once and waits for all of them to succeed, or returns the
/// first error at once (dropping the rest).
///
/// ```
/// async fn parse(s: &str) -> Result<u32, std::num::ParseIntError> {
///     s.parse()
/// }
///
/// #[weft::main]
/// async fn main() {
///     assert_eq!(weft::try_join!(parse("1"), parse("2")), Ok((1, 2)));
///     assert!(weft::try_join!(parse("1"), parse("x")).is_err());
/// }
/// ```
///
/// *From weft-core's documentation, where this is `weft_core::try_join!`:*
///
#[doc(inline)]
pub use weft_core::try_join;
/// Runs an `async fn main` on a new weft runtime, as `asyncio.run(main())` does; the options pick
/// the flavour and the number of workers.
///
/// ```
/// use std::time::Duration;
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let (a, b) = weft::join!(
///         weft::spawn(async { 6 * 7 }),
///         weft::time::timeout(Duration::from_secs(1), async { "fast" }),
///     );
///     assert_eq!((a.unwrap(), b.unwrap()), (42, "fast"));
///     Ok(()) // an `Err` returned from `main` ends the program with its message
/// }
/// ```
///
/// *From weft-macros' documentation:*
///
#[doc(inline)]
pub use weft_macros::main;
pub use weft_macros::test;

/// The README's example, compiled and run as a doc test so it cannot rot.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// Guides. Their code blocks are compiled and run as doc tests.
pub mod guide {
    #[doc = include_str!("../../../docs/asyncio.md")]
    pub mod asyncio {}
}

/// Runs `future` to completion on a new multi-thread runtime (one worker per CPU, reactor and
/// timers on), then shuts the runtime down and returns the output: asyncio's `asyncio.run`.
///
/// Tasks still pending when `future` finishes are cancelled: their destructors run before `run`
/// returns.
///
/// # Examples
///
/// ```
/// let answer = weft::run(async {
///     let task = weft::spawn(async { 6 * 7 });
///     task.await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// ```
///
/// # Panics
///
/// If called from inside a weft runtime thread (await the future instead), if the runtime cannot
/// be built (the OS refused threads or a poller), or if `future` panics.
#[track_caller]
pub fn run<F: Future>(future: F) -> F::Output {
    let rt = runtime::Builder::new_multi_thread()
        .build()
        .unwrap_or_else(|e| panic!("weft::run could not build the runtime: {e}"));
    rt.block_on(future)
}

/// Runs `future` to completion on the calling thread, with a fresh current-thread runtime (reactor
/// and timers on): asyncio's `loop.run_until_complete`. Tasks spawned inside run on this thread too,
/// and [`spawn_local`] accepts `!Send` futures here.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
///
/// let n = weft::block_on(async {
///     let shared = Rc::new(5); // !Send is fine on one thread
///     let local = weft::spawn_local({
///         let shared = shared.clone();
///         async move { *shared * 2 }
///     });
///     local.await.unwrap()
/// });
/// assert_eq!(n, 10);
/// ```
///
/// # Panics
///
/// If called from inside a weft runtime thread: `.await` the future there instead, or move the
/// blocking call into [`spawn_blocking`].
#[track_caller]
pub fn block_on<F: Future>(future: F) -> F::Output {
    let rt = runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|e| panic!("weft::block_on could not build the runtime: {e}"));
    rt.block_on(future)
}

//! Channels and locks for tasks: asyncio's `Queue`, `Lock`, `Semaphore`, `Event`, `Condition`
//! and `Barrier`.
//!
//! | weft | asyncio | what it is for |
//! |---|---|---|
//! | [`mpsc::channel`], [`mpsc::unbounded_channel`] | `asyncio.Queue` | many producers, one consumer |
//! | [`oneshot::channel`] | a `Future` set once | one value, one time: a reply |
//! | [`broadcast::channel`] | | every receiver sees every value |
//! | [`watch::channel`] | `asyncio.Event` with a value | the latest value and its changes |
//! | [`Mutex`], [`RwLock`] | `asyncio.Lock` | shared state, guard held across `.await` |
//! | [`Semaphore`] | `asyncio.Semaphore` | at most `n` at a time |
//! | [`Notify`] | `asyncio.Event`, `Condition` | wake one waiter, or all |
//! | [`Barrier`] | `asyncio.Barrier` | `n` tasks wait for each other |
//! | [`CancellationToken`] | | stop a tree of tasks |
//!
//! Waiters are served first come, first served, and a waiter dropped after it was handed a
//! permit or a value passes it on: nothing is lost when a task stops waiting. A send on a closed
//! channel gives the value back in its error. Each async method states its cancel safety.
//!
//! These types come from the `weft-sync` crate, which works under any executor; each type's page
//! starts with an example written for `weft`, followed by weft-sync's own documentation.
//!
//! # Examples
//!
//! Workers pull jobs from a bounded queue and add to a total behind a lock; `main` sends the jobs,
//! closes the queue and waits for the workers.
//!
//! ```
//! use std::sync::Arc;
//! use weft::sync::{mpsc, Mutex};
//!
//! #[weft::main]
//! async fn main() {
//!     let (jobs, queue) = mpsc::channel::<u64>(16);
//!     let queue = Arc::new(Mutex::new(queue));
//!     let total = Arc::new(Mutex::new(0));
//!
//!     let workers: Vec<_> = (0..4)
//!         .map(|_| {
//!             let (queue, total) = (queue.clone(), total.clone());
//!             weft::spawn(async move {
//!                 // The queue's lock is held only while taking a job.
//!                 while let Some(job) = queue.lock().await.recv().await {
//!                     *total.lock().await += job;
//!                 }
//!             })
//!         })
//!         .collect();
//!
//!     for job in 1..=100 {
//!         jobs.send(job).await.expect("the workers are running");
//!     }
//!     drop(jobs); // closes the queue: each worker's `recv` returns `None` once it is empty
//!     for worker in workers {
//!         worker.await.unwrap();
//!     }
//!     assert_eq!(*total.lock().await, 5050);
//! }
//! ```

pub mod broadcast;
pub mod mpsc;
pub mod oneshot;
mod send_timeout;
pub mod watch;

pub use send_timeout::{SendTimeoutError, SendTimeoutExt};

/// `n` tasks wait for each other, then all go on: asyncio's `Barrier`.
///
/// ```
/// use std::sync::Arc;
/// use weft::sync::Barrier;
///
/// #[weft::main]
/// async fn main() {
///     let barrier = Arc::new(Barrier::new(3));
///     let tasks: Vec<_> = (0..3)
///         .map(|_| {
///             let barrier = barrier.clone();
///             weft::spawn(async move { barrier.wait().await.is_leader() })
///         })
///         .collect();
///     let mut leaders = 0;
///     for task in tasks {
///         leaders += task.await.unwrap() as usize;
///     }
///     assert_eq!(leaders, 1); // exactly one task of the round is its leader
/// }
/// ```
///
/// *From weft-sync's documentation, where this is `weft_sync::Barrier`:*
///
#[doc(inline)]
pub use weft_sync::Barrier;

/// Tells every task holding it (or a child of it) to stop: cancellation for a tree of tasks.
///
/// ```
/// use std::time::Duration;
/// use weft::sync::CancellationToken;
///
/// #[weft::main]
/// async fn main() {
///     let stop = CancellationToken::new();
///     let worker = weft::spawn({
///         let stop = stop.child_token();
///         async move {
///             let mut ticks = 0;
///             loop {
///                 weft::select! {
///                     _ = stop.cancelled() => break ticks,
///                     _ = weft::time::sleep(Duration::from_millis(1)) => ticks += 1,
///                 }
///             }
///         }
///     });
///     weft::time::sleep(Duration::from_millis(20)).await;
///     stop.cancel(); // reaches the child token the worker holds
///     let ticks = worker.await.unwrap(); // the worker saw it and returned
///     println!("the worker stopped after {ticks} ticks");
/// }
/// ```
///
/// *From weft-sync's documentation, where this is `weft_sync::CancellationToken`:*
///
#[doc(inline)]
pub use weft_sync::CancellationToken;

/// An async mutex whose guard may be held across `.await`: asyncio's `Lock`.
///
/// ```
/// use std::sync::Arc;
/// use weft::sync::Mutex;
///
/// #[weft::main]
/// async fn main() {
///     let log = Arc::new(Mutex::new(Vec::new()));
///     let writers: Vec<_> = (0..3)
///         .map(|i| {
///             let log = log.clone();
///             weft::spawn(async move {
///                 let mut log = log.lock().await;
///                 log.push(format!("{i}: start"));
///                 weft::task::yield_now().await; // the guard is held across the await
///                 log.push(format!("{i}: end"));
///             })
///         })
///         .collect();
///     for writer in writers {
///         writer.await.unwrap();
///     }
///     let log = log.lock().await;
///     // Each writer's two lines are adjacent: nobody else held the lock in between.
///     for pair in log.chunks(2) {
///         assert_eq!(pair[0].replace("start", "end"), pair[1]);
///     }
/// }
/// ```
///
/// *From weft-sync's documentation, where this is `weft_sync::Mutex`:*
///
#[doc(inline)]
pub use weft_sync::Mutex;

/// Wakes tasks waiting in `notified()`: asyncio's `Event` (one waiter or all of them).
///
/// ```
/// use std::sync::Arc;
/// use weft::sync::Notify;
///
/// #[weft::main]
/// async fn main() {
///     let ready = Arc::new(Notify::new());
///     let waiter = weft::spawn({
///         let ready = ready.clone();
///         async move {
///             ready.notified().await;
///             "notified"
///         }
///     });
///     // If the waiter is not waiting yet, the permit is stored and its `notified()` returns at
///     // once: the notification is not lost.
///     ready.notify_one();
///     assert_eq!(waiter.await.unwrap(), "notified");
/// }
/// ```
///
/// *From weft-sync's documentation, where this is `weft_sync::Notify`:*
///
#[doc(inline)]
pub use weft_sync::Notify;

/// An async reader-writer lock: many readers or one writer, first come, first served.
///
/// ```
/// use std::sync::Arc;
/// use weft::sync::RwLock;
///
/// #[weft::main]
/// async fn main() {
///     let config = Arc::new(RwLock::new(String::from("v1")));
///     let readers: Vec<_> = (0..4)
///         .map(|_| {
///             let config = config.clone();
///             weft::spawn(async move { config.read().await.len() })
///         })
///         .collect();
///     for reader in readers {
///         assert_eq!(reader.await.unwrap(), 2);
///     }
///     *config.write().await = String::from("v2");
///     assert_eq!(*config.read().await, "v2");
/// }
/// ```
///
/// *From weft-sync's documentation, where this is `weft_sync::RwLock`:*
///
#[doc(inline)]
pub use weft_sync::RwLock;

/// At most `n` holders at a time, first come, first served: asyncio's `Semaphore`.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
/// use std::time::Duration;
/// use weft::sync::Semaphore;
///
/// #[weft::main]
/// async fn main() {
///     // Twenty downloads, at most three in flight.
///     let limit = Arc::new(Semaphore::new(3));
///     let in_flight = Arc::new(AtomicUsize::new(0));
///     let downloads: Vec<_> = (0..20)
///         .map(|_| {
///             let (limit, in_flight) = (limit.clone(), in_flight.clone());
///             weft::spawn(async move {
///                 let _permit = limit.acquire().await.expect("the semaphore is never closed");
///                 let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
///                 weft::time::sleep(Duration::from_millis(2)).await;
///                 in_flight.fetch_sub(1, Ordering::SeqCst);
///                 now
///             })
///         })
///         .collect();
///     for download in downloads {
///         assert!(download.await.unwrap() <= 3);
///     }
/// }
/// ```
///
/// *From weft-sync's documentation, where this is `weft_sync::Semaphore`:*
///
#[doc(inline)]
pub use weft_sync::Semaphore;

pub use weft_sync::{
    AcquireError, BarrierWaitResult, DropGuard, MutexGuard, Notified, OwnedMutexGuard,
    OwnedRwLockReadGuard, OwnedRwLockWriteGuard, OwnedSemaphorePermit, RwLockReadGuard,
    RwLockWriteGuard, SemaphorePermit, TryAcquireError, TryLockError, WaitForCancellationFuture,
};

//! # weft-sync: async channels and locks
//!
//! The synchronization layer of weft: channels to pass values between tasks and locks to share
//! state among them, answering asyncio's `Queue`, `Lock`, `Event`, `Semaphore`, `Condition` and
//! `Barrier`. Every primitive works on any executor: under weft's runtimes, under another
//! executor, or inside a plain `block_on`. Tasks only ever meet through `Waker`s.
//!
//! weft-sync depends on nothing of weft but `weft-core` (besides `futures-core` for `Stream`), from
//! which it takes two things: the loom shim (`weft_core::loom`: every atomic and lock here is
//! model-checked under `--cfg loom`, the atomic waker is `weft_core::task::AtomicWaker`) and the
//! cooperative budget (`weft_core::coop`): each receive and each lock acquisition spends one unit,
//! so a task that always finds a ready value still yields to its neighbours under weft. Elsewhere
//! the budget is unlimited and costs one thread-local read.
//!
//! ```text
//!   channels                                   locks and signals
//!   oneshot    one state word, 2 atomic wakers
//!   mpsc       queue behind a short lock;      Semaphore  fair FIFO, many permits at once
//!              bounded adds a Semaphore(cap) ->   ^-- Mutex = Semaphore(1)
//!   broadcast  ring behind a lock                 ^-- RwLock = Semaphore(MAX_READS)
//!   watch      RwLock'd value + Notify ------> Notify     one stored permit / all waiters
//!                                                 ^-- Barrier, CancellationToken
//!
//!   Semaphore, Notify and broadcast park tasks in one WaitList: a slab FIFO, a key per waiter.
//! ```
//!
//! A waiter is a key into its primitive's list, not a pointer into the waiting future, so there is
//! no unsafe intrusive-list code. Waiters are served in strict arrival order, and a waiting future
//! dropped after it was picked but before it completed hands what it was given (a permit, a
//! notification) to the next waiter: cancellation never loses a wakeup. Wakers are always called after the lock that
//! found them is released. Every async method states its `# Cancel safety`.
//!
//! # Examples
//!
//! A worker pool fed by a bounded queue, sharing a counter behind a `Mutex`, limited by a
//! `Semaphore`, reporting over `oneshot`, stopped by a `CancellationToken`, announcing progress
//! through `watch`, with events fanned out by `broadcast`:
//!
//! ```
//! use std::sync::Arc;
//! use weft_sync::{broadcast, mpsc, oneshot, watch, CancellationToken, Mutex, Semaphore};
//!
//! # futures_executor::block_on(async {
//! let (jobs_tx, jobs_rx) = mpsc::channel::<u64>(16);
//! let jobs_rx = Arc::new(Mutex::new(jobs_rx));
//! let total = Arc::new(Mutex::new(0u64));
//! let limit = Arc::new(Semaphore::new(2));
//! let (progress_tx, mut progress_rx) = watch::channel(0u64);
//! let (events_tx, mut events_rx) = broadcast::channel(64);
//! let stop = CancellationToken::new();
//!
//! let mut done = Vec::new();
//! for _ in 0..4 {
//!     let (jobs, total, limit) = (jobs_rx.clone(), total.clone(), limit.clone());
//!     let (progress, events, stop) = (progress_tx.clone(), events_tx.clone(), stop.child_token());
//!     let (done_tx, done_rx) = oneshot::channel();
//!     done.push(done_rx);
//!     std::thread::spawn(move || futures_executor::block_on(async move {
//!         loop {
//!             let job = jobs.lock().await.recv().await;
//!             let Some(job) = job else { break };
//!             let _permit = limit.acquire().await.unwrap();
//!             let mut t = total.lock().await;
//!             *t += job;
//!             progress.send_replace(*t);
//!             let _ = events.send(job);
//!         }
//!         stop.cancelled().await;
//!         done_tx.send(()).unwrap();
//!     }));
//! }
//! for job in 1..=10 {
//!     jobs_tx.send(job).await.unwrap();
//! }
//! drop(jobs_tx);
//! while *progress_rx.borrow_and_update() != 55 {
//!     progress_rx.changed().await.unwrap();
//! }
//! stop.cancel();
//! for d in done {
//!     d.await.unwrap();
//! }
//! assert_eq!(*total.lock().await, 55);
//! let mut seen = 0;
//! while let Ok(job) = events_rx.try_recv() {
//!     seen += job;
//! }
//! assert_eq!(seen, 55);
//! # });
//! ```
#![deny(unsafe_op_in_unsafe_fn)]

mod batch_semaphore;
mod util;

pub mod broadcast;
pub mod mpsc;
pub mod oneshot;
pub mod watch;

mod barrier;
mod cancel;
mod mutex;
mod notify;
mod rwlock;
mod semaphore;

pub use self::barrier::{Barrier, BarrierWaitResult};
pub use self::cancel::{CancellationToken, DropGuard, WaitForCancellationFuture};
pub use self::mutex::{Mutex, MutexGuard, OwnedMutexGuard, TryLockError};
pub use self::notify::{Notified, Notify};
pub use self::rwlock::{
    OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
};
pub use self::semaphore::{
    AcquireError, OwnedSemaphorePermit, Semaphore, SemaphorePermit, TryAcquireError,
};

//! # weft-runtime: the executor
//!
//! Runs weft-core tasks on threads. A runtime is a loop over queues of
//! [`Runnable`](weft_core::task::Runnable)s:
//!
//! - **multi-thread** ([`Builder::new_multi_thread`]): N workers (one per CPU by default), each
//!   with a bounded local queue and a LIFO slot for the task just woken by the running one, a
//!   global injector for work from outside and for overflow, work stealing (half a victim's queue)
//!   with at most one worker searching at a time, and idle workers parked so that exactly one of
//!   them waits in the [`Park`] hook (I/O and timers) while the others sleep;
//! - **current-thread** ([`Builder::new_current_thread`]): tasks run on the thread inside
//!   [`Runtime::block_on`]; [`spawn_local`] accepts `!Send` futures;
//! - a **blocking pool** for [`spawn_blocking`] (up to 512 threads, idle ones exit after 10 s);
//! - every poll runs inside a fresh cooperative budget ([`weft_core::coop`]).
//!
//! It depends only on weft-core. It knows nothing of sockets or clocks: weft-io installs its
//! reactor and timers through [`Builder::park_hook`] and finds them again through
//! [`Handle::park_hook`].
//!
//! ```text
//!   Runtime ── Handle ──> Scheduler::{CurrentThread, MultiThread}
//!                            │  spawn: one task cell (weft-core) + registry entry
//!                            ▼
//!                 queues of Runnable ──> worker: coop::with_budget(|| runnable.run())
//!                            ▲                     │ nothing to run
//!        wakes (Schedule) ───┘                     ▼
//!                                      Park hook (one driver) / condvar sleep
//! ```
//!
//! # Examples
//!
//! ```
//! use weft_runtime::{spawn, spawn_blocking, Builder};
//!
//! let rt = Builder::new_multi_thread().worker_threads(2).build().unwrap();
//! let out = rt.block_on(async {
//!     let cpu = spawn(async { (1..=100u64).sum::<u64>() });
//!     let blocking = spawn_blocking(|| "from the blocking pool");
//!     let failing = spawn(async { panic!("boom") });
//!     assert!(failing.await.unwrap_err().is_panic());
//!     (cpu.await.unwrap(), blocking.await.unwrap())
//! });
//! assert_eq!(out, (5050, "from the blocking pool"));
//! // Dropping the runtime cancels whatever is still pending.
//! drop(rt);
//! ```
#![deny(unsafe_op_in_unsafe_fn)]

#[doc(hidden)]
pub mod blocking;
mod blocking_task;
mod builder;
mod context;
mod handle;
#[doc(hidden)]
pub mod idle;
#[doc(hidden)]
pub mod inject;
pub mod park;
#[doc(hidden)]
pub mod parker;
#[doc(hidden)]
pub mod queue;
mod registry;
mod runtime;
mod scheduler;
mod scoped;
mod sync;
pub mod task;

pub use builder::Builder;
pub use handle::{EnterGuard, Handle, RuntimeFlavor, TryCurrentError};
pub use park::Park;
pub use runtime::Runtime;
pub use task::{spawn, spawn_blocking, spawn_local};

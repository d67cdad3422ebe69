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
//! It depends only on weft-core. It knows nothing of sockets or clocks: a builder's park maker
//! ([`builder::MakePark`]; weft-io's `MakeDriver` in the facade) makes each runtime's reactor and
//! timers, and weft-io finds them again through [`park_hook`].
//!
//! ```text
//!   Runtime ── Handle ──> scheduler::Handle::{CurrentThread, MultiThread}
//!                            │  spawn: one task cell (weft-core) + registry entry
//!                            ▼
//!                 queues of Runnable ──> worker: coop::with_budget(|| runnable.run())
//!                            ▲                     │ nothing to run
//!        wakes (Schedule) ───┘                     ▼
//!                          Park hook (one thread at a time) / condvar sleep
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

// Public surface: thin wrappers over the scheduler.
pub mod builder; // Builder<P: MakePark>: collects Options, starts a Runtime
mod handle; // Handle: wraps scheduler::Handle
pub mod runtime; // Runtime<P>: owns a Handle, shuts down on drop; starts the schedulers
pub mod task; // spawn, spawn_local, spawn_blocking, task::Builder

// The schedulers. The crate's files name each other without a cycle (tests/layering checks it).
mod blocking_task; // spawn_blocking: a blocking closure as a task on the pool
mod context; // the thread's current runtime and "inside a runtime" flag
pub mod dump; // TaskDump, TaskInfo: every live task and what it waits on
mod park_thread; // block_on for threads that are not workers
mod scheduler; // scheduler::Handle over current_thread / multi_thread, and their Common

// The pieces the schedulers are built from.
mod attached; // the LocalSets a runtime lists, counts and reports
mod blocking_pool; // the blocking thread pool (generic over its job)
mod config; // Options, Config, ThreadSettings, RuntimeFlavor, defaults
mod idle; // which multi-thread workers sleep, search, get woken
mod inject; // the global queue
mod local_set; // LocalSet: !Send tasks on the thread that drives the set
mod make_park; // MakePark: how a builder gets each runtime's park hook
pub mod metrics; // RuntimeMetrics: what a runtime counts about itself
mod panic_policy; // UnhandledPanic: what a panic nobody sees does to the runtime
pub mod park; // the Park trait (weft-io's reactor and timers implement it)
mod park_hook_slot; // a runtime's park hook and the token to wait in it
mod parker; // park/unpark of one thread, in the hook or on a condvar
mod queue; // the per-worker run queue (work stealing)
mod registry; // every live task, for shutdown and diagnostics
mod scoped; // a thread-local pointer to a stack value
mod signal_watch; // WatchSignal, SignalWatch: Builder::dump_on_signal's hook and its dump
pub mod slow_poll;
mod worker_metrics; // the counters each worker keeps, in its own cache line // SlowPoll reports and the watchdog

pub use config::RuntimeFlavor;
pub use handle::{park_hook, with_current_park_hook, EnterGuard, Handle, TryCurrentError};
pub use metrics::RuntimeMetrics;
pub use panic_policy::UnhandledPanic;
pub use park::Park;

/// The executor's builder, with no park hook (no I/O or timers): [`builder::Builder`] with
/// [`NoPark`](builder::NoPark). weft's facade builder is the same type with weft-io's reactor.
pub type Builder = builder::Builder<builder::NoPark>;

/// A runtime built by [`Builder`]: [`runtime::Runtime`] with [`NoPark`](builder::NoPark).
pub type Runtime = runtime::Runtime<builder::NoPark>;
pub use task::{spawn, spawn_blocking, spawn_local};

/// Not public API: the idle bookkeeping, queues and parker, exposed to the loom models in
/// `tests/loom_*.rs` (built only with `--cfg loom`).
#[cfg(loom)]
#[doc(hidden)]
pub mod __loom {
    pub use crate::idle::Idle;
    pub use crate::inject::Inject;
    pub use crate::park_hook_slot::ParkHookSlot;
    pub use crate::parker::{Parker, Unparker};
    pub use crate::scheduler::local_inbox::{Inbox, OwnerGone};

    /// The local run queue.
    pub mod queue {
        pub use crate::queue::{local, Local, Overflow, Steal, CAPACITY};
    }
}

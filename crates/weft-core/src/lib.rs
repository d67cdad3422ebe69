//! # weft-core: task and future primitives
//!
//! The bottom layer of weft. It knows nothing of threads, queues, sockets or clocks; it defines what
//! a *task* is and the small future tools every other layer shares:
//!
//! - [`task`]: the one-allocation task cell. [`task::spawn`] turns a future and a scheduling hook
//!   into a [`task::Runnable`] (run it to poll the future once) and a [`task::JoinHandle`] (await it
//!   for the output). Waking the task hands its `Runnable` back to the scheduling hook. A runtime is
//!   nothing more than a loop over queues of `Runnable`s.
//! - [`coop`]: the cooperative budget that resources consume so an always-ready task yields.
//! - [`blocking`]: whether this thread runs a runtime's tasks (set by the runtime), so blocking
//!   APIs of any layer refuse to block it.
//! - [`ShutdownError`]: the error an operation reports when the runtime it needed shut down.
//! - [`future`]: runtime-independent combinators (`yield_now`, `join_all`, `race`, `join!`,
//!   `try_join!`, `select!`, ...).
//!
//! ```text
//!   weft-core  <-  weft-sync
//!       ^
//!   weft-runtime  <-  weft-io  <-  weft-net, weft-fs  <-  weft (facade)
//! ```
#![deny(unsafe_op_in_unsafe_fn)]

pub mod blocking;
pub mod coop;
pub mod future;
#[doc(hidden)]
pub mod loom;
mod shutdown;
pub mod task;

pub use shutdown::ShutdownError;

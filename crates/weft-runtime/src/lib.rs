//! weft-runtime: the work-queue executor (in progress: building blocks first).
#![deny(unsafe_op_in_unsafe_fn)]

#[doc(hidden)]
pub mod blocking;
#[doc(hidden)]
pub mod idle;
#[doc(hidden)]
pub mod inject;
pub mod park;
#[doc(hidden)]
pub mod parker;
#[doc(hidden)]
pub mod queue;
mod sync;
pub use park::Park;

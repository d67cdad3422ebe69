//! weft-runtime: the work-queue executor (in progress).
#![deny(unsafe_op_in_unsafe_fn)]

pub mod park;
pub use park::Park;

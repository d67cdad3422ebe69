//! weft-io: the reactor, timers and I/O traits.
#![deny(unsafe_op_in_unsafe_fn)]

pub mod time;

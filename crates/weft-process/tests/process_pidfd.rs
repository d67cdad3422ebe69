//! The child-process behaviour suite, waiting through pidfd where the kernel has it (the default).

mod suite;
mod support;

/// Read by the suite's `flavors!` tests: use the default way of waiting.
const FORCE_SIGCHLD: bool = false;

//! The child-process behaviour suite again, with the `SIGCHLD` + `waitpid(WNOHANG)` fallback
//! forced (the path of systems without pidfd).

mod suite;
mod support;

/// Read by the suite's `flavors!` tests: wait through SIGCHLD.
const FORCE_SIGCHLD: bool = true;

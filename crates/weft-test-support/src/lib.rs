//! # weft-test-support: helpers shared by weft's tests
//!
//! A dev-only crate (`publish = false`): any weft crate or example may name it as a
//! dev-dependency, none as a normal one.
//!
//! It holds the one rule for tests that drive a program from outside the project (`nc`, `curl`,
//! `python3`, `redis-cli`, `wrk`, ...), so that `cargo test --workspace` passes on a machine that
//! has only Rust while CI can never skip them:
//!
//! - the program is on `PATH`: [`require_program`] returns its path and the test runs;
//! - it is missing: one line on stderr says which test skips and what to install, and the test
//!   returns early and passes;
//! - it is missing and the environment has `WEFT_REQUIRE_CLIENTS=1` ([`REQUIRE_CLIENTS_ENV`]):
//!   the test panics. `.ci/run` installs every client and sets the variable.
//!
//! # Examples
//!
//! ```
//! use weft_test_support::require_program;
//!
//! # fn the_test() {
//! let Some(sh) = require_program("sh") else {
//!     return; // not installed: the line on stderr said so
//! };
//! let out = std::process::Command::new(sh).args(["-c", "echo hi"]).output().unwrap();
//! assert_eq!(out.stdout, b"hi\n");
//! # }
//! # the_test();
//! ```
#![deny(unsafe_op_in_unsafe_fn)]

mod program;

pub use program::{require_program, REQUIRE_CLIENTS_ENV};

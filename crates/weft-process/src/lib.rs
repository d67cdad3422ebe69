//! # weft-process: child processes for tasks
//!
//! asyncio's `create_subprocess_exec`, the weft way: [`Command`] is std's builder, and its
//! [`spawn`](Command::spawn) returns a [`Child`] whose exit is awaited without blocking a thread
//! and whose piped stdin, stdout and stderr are futures-io `AsyncWrite`/`AsyncRead` streams
//! registered with the reactor. [`Command::output`] and [`Command::status`] run a child to the end.
//!
//! ```text
//!   Command::spawn --std's spawn (fork/exec or posix_spawn, CLOEXEC pipes)--> child
//!        |
//!        +-- exit:  pidfd (Linux 5.3+) as Async<OwnedFd> --readable--> waitpid(WNOHANG)
//!        |          or, without pidfd, a weft-signal SIGCHLD listener --> waitpid(WNOHANG)
//!        +-- pipes: Async<ChildStdin / ChildStdout / ChildStderr>, non-blocking on our side only
//!        +-- Child dropped unreaped --> reaped by a task on its runtime (or a thread): no zombie
//! ```
//!
//! Whether pidfd works is found out at the first spawn (`pidfd_open` failing with `ENOSYS` or
//! `EPERM` selects the `SIGCHLD` path for the rest of the process). The `SIGCHLD` path relies on
//! nobody else reaping this process's children with `waitpid(-1)`.
//!
//! Errors from outside are values: a missing program is `ErrorKind::NotFound`, a write to a child
//! that closed its stdin is `ErrorKind::BrokenPipe` (Rust programs ignore `SIGPIPE`), running out
//! of descriptors while spawning is the OS error, and no descriptor or zombie is left behind on any
//! of those paths.
//!
//! # Examples
//!
//! ```
//! use weft_process::{Command, Stdio};
//! use futures_util::AsyncReadExt;
//!
//! # weft_process::__private::run(async {
//! // `ls | wc -l`, with the pipe between the two children made by the OS.
//! let mut ls = Command::new("ls").arg("/").stdout(Stdio::piped()).spawn()?;
//! let ls_out = Stdio::try_from(ls.stdout.take().unwrap())?;
//! let mut wc = Command::new("wc").arg("-l").stdin(ls_out).stdout(Stdio::piped()).spawn()?;
//! let mut count = String::new();
//! wc.stdout.take().unwrap().read_to_string(&mut count).await?;
//! assert!(ls.wait().await?.success() && wc.wait().await?.success());
//! assert!(count.trim().parse::<u32>().unwrap() > 0);
//!
//! // A missing program is an error value.
//! let err = Command::new("no-such-program-here").spawn().unwrap_err();
//! assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
//! # std::io::Result::Ok(()) }).unwrap();
//! ```
#![deny(unsafe_op_in_unsafe_fn)]

mod child;
mod command;
mod exit_watch;
mod pipes;
mod reaper;

pub use child::Child;
pub use command::Command;
pub use pipes::{ChildStderr, ChildStdin, ChildStdout};
pub use std::process::{ExitStatus, Output, Stdio};

/// Not public API: helpers for doc examples and tests.
#[doc(hidden)]
pub mod __private {
    use std::future::Future;
    use std::sync::Arc;

    /// Runs `future` on a new current-thread runtime with a weft-io driver installed.
    pub fn run<F: Future>(future: F) -> F::Output {
        let driver = Arc::new(
            weft_io::Driver::new(weft_io::DriverConfig::default()).expect("create the driver"),
        );
        let rt = weft_runtime::Builder::new_current_thread()
            .park_hook(driver)
            .build()
            .expect("build the runtime");
        rt.block_on(future)
    }

    /// Makes children spawned from now on wait through `SIGCHLD` even where pidfd works, so tests
    /// exercise the fallback. Process-wide: set it at the start of every test of a binary.
    pub fn force_sigchld_fallback(force: bool) {
        crate::exit_watch::force_sigchld(force);
    }
}

//! Child processes, for tasks: asyncio's `create_subprocess_exec`. [`Command`] is std's builder;
//! [`spawn`](Command::spawn) returns a [`Child`] whose exit is awaited without blocking a thread
//! (a pidfd in the reactor on Linux 5.3+, `SIGCHLD` elsewhere) and whose `Stdio::piped()` streams
//! are `AsyncWrite`/`AsyncRead`. [`Command::output`] and [`Command::status`] run a child to the end.
//! A `Child` dropped before its exit was collected is reaped in the background: no zombies.
//!
//! # Examples
//!
//! ```
//! use weft::io::{AsyncReadExt, AsyncWriteExt};
//! use weft::process::{Command, Stdio};
//!
//! #[weft::main]
//! async fn main() -> std::io::Result<()> {
//!     // Run a program and collect what it prints.
//!     let out = Command::new("echo").arg("hello").output().await?;
//!     assert!(out.status.success());
//!     assert_eq!(out.stdout, b"hello\n");
//!
//!     // Talk to one through its pipes.
//!     let mut sort = Command::new("sort").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
//!     let mut stdin = sort.stdin.take().unwrap();
//!     stdin.write_all(b"pear\napple\n").await?;
//!     stdin.close().await?;
//!     let mut sorted = String::new();
//!     sort.stdout.take().unwrap().read_to_string(&mut sorted).await?;
//!     assert_eq!(sorted, "apple\npear\n");
//!     assert!(sort.wait().await?.success());
//!     Ok(())
//! }
//! ```

pub use weft_process::{
    Child, ChildStderr, ChildStdin, ChildStdout, Command, ExitStatus, Output, Stdio,
};

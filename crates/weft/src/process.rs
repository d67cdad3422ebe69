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

/// Runs a program: std's builder (program, arguments, environment, working directory, stdio);
/// [`spawn`](Command::spawn), [`output`](Command::output) and [`status`](Command::status) wait
/// without blocking a thread.
///
/// ```
/// use weft::process::Command;
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let status = Command::new("sh").args(["-c", "exit 3"]).status().await?;
///     assert_eq!(status.code(), Some(3));
///
///     let missing = Command::new("no-such-program-here").status().await;
///     assert_eq!(missing.unwrap_err().kind(), std::io::ErrorKind::NotFound);
///     Ok(())
/// }
/// ```
///
/// *From weft-process's documentation, where this is `weft_process::Command`:*
///
#[doc(inline)]
pub use weft_process::Command;

/// A running child: await its exit with [`wait`](Child::wait), stop it with
/// [`kill`](Child::kill), talk to it through its piped `stdin`/`stdout`/`stderr`.
///
/// ```
/// use std::time::Duration;
/// use weft::process::Command;
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let mut sleeper = Command::new("sleep").arg("30").spawn()?;
///     assert!(sleeper.try_wait()?.is_none(), "still running");
///     if weft::time::timeout(Duration::from_millis(50), sleeper.wait()).await.is_err() {
///         sleeper.kill().await?; // too slow: stop it (and collect its exit)
///     }
///     Ok(())
/// }
/// ```
///
/// *From weft-process's documentation, where this is `weft_process::Child`:*
///
#[doc(inline)]
pub use weft_process::Child;

pub use weft_process::{ChildStderr, ChildStdin, ChildStdout, ExitStatus, Output, Stdio};

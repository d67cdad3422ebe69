//! `Child`: a running child process, its pipes, and waiting for it.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::process::{ExitStatus, Output};
use std::task::{Context, Poll};

use futures_util::io::AsyncReadExt;

use crate::exit_watch::ExitWatch;
use crate::pipes::{ChildStderr, ChildStdin, ChildStdout};
use crate::reaper;

/// A child process made by [`Command::spawn`](crate::Command::spawn): asyncio's `Process`.
///
/// The pipes asked for with `Stdio::piped()` are in the public fields (take them out with
/// `Option::take` to use them from other tasks). [`wait`](Child::wait) waits for the exit without
/// blocking a thread: through a pidfd registered with the reactor on Linux 5.3 and later, through
/// `SIGCHLD` elsewhere.
///
/// No zombie is left behind: a `Child` dropped before its exit was collected is reaped in the
/// background, by a task on the runtime it was spawned on (or, if that runtime is gone, by a
/// thread that waits for it). With [`kill_on_drop(true)`](crate::Command::kill_on_drop) it is
/// killed first; otherwise it keeps running.
///
/// # Examples
///
/// ```
/// use weft_process::{Command, Stdio};
/// use futures_util::{AsyncReadExt, AsyncWriteExt};
///
/// # weft_process::__private::run(async {
/// let mut child = Command::new("tr")
///     .arg("a-z")
///     .arg("A-Z")
///     .stdin(Stdio::piped())
///     .stdout(Stdio::piped())
///     .spawn()?;
/// let mut stdin = child.stdin.take().unwrap();
/// stdin.write_all(b"shout\n").await?;
/// stdin.close().await?; // end of input: `tr` finishes
/// let mut out = String::new();
/// child.stdout.take().unwrap().read_to_string(&mut out).await?;
/// assert_eq!(out, "SHOUT\n");
/// assert!(child.wait().await?.success());
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub struct Child {
    /// The child's stdin, if it was `Stdio::piped()`.
    pub stdin: Option<ChildStdin>,
    /// The child's stdout, if it was `Stdio::piped()`.
    pub stdout: Option<ChildStdout>,
    /// The child's stderr, if it was `Stdio::piped()`.
    pub stderr: Option<ChildStderr>,
    /// `None` only inside `drop`, once handed to the reaper.
    process: Option<Process>,
}

/// The process itself, without its pipes: what is handed to the background reaper.
pub(crate) struct Process {
    pub(crate) std: std::process::Child,
    /// The exit status, once reaped.
    pub(crate) status: Option<ExitStatus>,
    pub(crate) watch: ExitWatch,
    pub(crate) kill_on_drop: bool,
    /// The runtime it was spawned on, for the background reaper.
    pub(crate) runtime: Option<weft_runtime::Handle>,
}

impl Process {
    /// Polls until the process exited; reaps it and keeps the status.
    pub(crate) fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        if let Some(status) = self.status {
            return Poll::Ready(Ok(status));
        }
        let status = std::task::ready!(self.watch.poll_exit(cx, &mut self.std))?;
        self.status = Some(status);
        Poll::Ready(Ok(status))
    }

    fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if self.status.is_none() {
            self.status = self.std.try_wait()?;
        }
        Ok(self.status)
    }
}

impl Child {
    pub(crate) fn new(
        process: Process,
        stdin: Option<ChildStdin>,
        stdout: Option<ChildStdout>,
        stderr: Option<ChildStderr>,
    ) -> Child {
        Child {
            stdin,
            stdout,
            stderr,
            process: Some(process),
        }
    }

    fn process(&self) -> &Process {
        self.process
            .as_ref()
            .expect("a Child holds its process until dropped")
    }

    fn process_mut(&mut self) -> &mut Process {
        self.process
            .as_mut()
            .expect("a Child holds its process until dropped")
    }

    /// The OS process id, or `None` once the exit was collected (the id may then belong to
    /// another process).
    pub fn id(&self) -> Option<u32> {
        let process = self.process();
        match process.status {
            Some(_) => None,
            None => Some(process.std.id()),
        }
    }

    /// Waits for the child to exit and returns its status. The child's stdin, if still here, is
    /// closed first, so a child that reads until end of input can finish.
    ///
    /// # Errors
    /// The OS error from `waitpid`, or a [`ShutdownError`](weft_core::ShutdownError) if
    /// the runtime the child was spawned on shut down while waiting.
    ///
    /// # Cancel safety
    /// Cancel safe: the exit is collected by the next `wait` or `try_wait` (or by the background
    /// reaper once the `Child` is dropped).
    #[track_caller]
    pub fn wait(&mut self) -> impl std::future::Future<Output = io::Result<ExitStatus>> + '_ {
        weft_core::task::wait_on(weft_core::task::Resource::ChildWait, async move {
            drop(self.stdin.take());
            let process = self.process_mut();
            poll_fn(|cx| process.poll_wait(cx)).await
        })
    }

    /// The exit status if the child has exited (collecting it), `None` if it is still running.
    ///
    /// # Errors
    /// The OS error from `waitpid`.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        self.process_mut().try_wait()
    }

    /// Sends `SIGKILL` to the child and returns without waiting. Does nothing if its exit was
    /// already collected.
    ///
    /// # Errors
    /// The OS error from `kill`.
    pub fn start_kill(&mut self) -> io::Result<()> {
        let process = self.process_mut();
        if process.status.is_some() {
            return Ok(());
        }
        process.std.kill()
    }

    /// Sends `SIGKILL` to the child and waits for it to exit (asyncio's `kill()` then `wait()`).
    ///
    /// # Errors
    /// As for [`start_kill`](Child::start_kill) and [`wait`](Child::wait).
    ///
    /// # Cancel safety
    /// Cancel safe: the signal was sent; the exit is collected later.
    pub async fn kill(&mut self) -> io::Result<()> {
        self.start_kill()?;
        self.wait().await.map(drop)
    }

    /// Closes stdin, reads stdout and stderr to their end while waiting for the exit, and returns
    /// all three (asyncio's `communicate()` with no input). Streams that were not piped, or were
    /// taken out of the `Child`, come back empty.
    ///
    /// # Errors
    /// A read error on a pipe, or as for [`wait`](Child::wait).
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        drop(self.stdin.take());
        let (mut stdout_pipe, mut stderr_pipe) = (self.stdout.take(), self.stderr.take());
        let read_stdout = async {
            let mut buf = Vec::new();
            if let Some(pipe) = &mut stdout_pipe {
                pipe.read_to_end(&mut buf).await?;
            }
            io::Result::Ok(buf)
        };
        let read_stderr = async {
            let mut buf = Vec::new();
            if let Some(pipe) = &mut stderr_pipe {
                pipe.read_to_end(&mut buf).await?;
            }
            io::Result::Ok(buf)
        };
        let (stdout, stderr, status) =
            futures_util::future::join3(read_stdout, read_stderr, self.wait()).await;
        Ok(Output {
            status: status?,
            stdout: stdout?,
            stderr: stderr?,
        })
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let Some(mut process) = self.process.take() else {
            return;
        };
        if process.status.is_some() {
            return;
        }
        if process.kill_on_drop {
            let _ = process.std.kill();
        }
        if let Ok(Some(_)) = process.try_wait() {
            return;
        }
        reaper::adopt(process);
    }
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Child")
            .field("pid", &self.process().std.id())
            .field("status", &self.process().status)
            .field("stdin", &self.stdin)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .finish_non_exhaustive()
    }
}

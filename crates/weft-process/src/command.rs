//! `Command`: std's process builder, spawning children whose pipes and exit go through the reactor.

use std::ffi::OsStr;
use std::fmt;
use std::io;
use std::path::Path;
use std::process::{ExitStatus, Output, Stdio};

use crate::child::{Child, Process};
use crate::exit_watch::ExitWatch;
use crate::pipes::{register, ChildStderr, ChildStdin, ChildStdout};
use crate::reaper;

/// A process builder: std's [`Command`](std::process::Command) (same methods), whose
/// [`spawn`](Command::spawn) returns a [`Child`] to await: asyncio's `create_subprocess_exec`.
///
/// Arguments are passed to the program as they are, with no shell in between (run `sh -c` for
/// shell syntax). By default the child inherits stdin, stdout and stderr; `Stdio::piped()` gives
/// the parent an async pipe in the `Child`'s fields.
///
/// # Examples
///
/// ```
/// use weft_process::Command;
///
/// # weft_process::__private::run(async {
/// let output = Command::new("sh").args(["-c", "echo out; echo err >&2; exit 3"]).output().await?;
/// assert_eq!(output.status.code(), Some(3));
/// assert_eq!(output.stdout, b"out\n");
/// assert_eq!(output.stderr, b"err\n");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub struct Command {
    std: std::process::Command,
    kill_on_drop: bool,
    stdin_set: bool,
    stdout_set: bool,
    stderr_set: bool,
}

impl Command {
    /// A builder for running `program` (a path, or a name looked up in `PATH`).
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        Command::from(std::process::Command::new(program))
    }

    /// Adds an argument.
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable for the child.
    pub fn env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Command {
        self.std.env(key, value);
        self
    }

    /// Sets environment variables for the child.
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes an environment variable from the child's environment.
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Starts the child with an empty environment (plus what `env` adds after this).
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// The child's working directory.
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// The child's stdin: `Stdio::piped()` for a [`ChildStdin`] in [`Child::stdin`],
    /// `Stdio::null()`, `Stdio::inherit()` (the default for `spawn` and `status`), a file, or
    /// another child's pipe (`Stdio::try_from(child_stdout)`).
    pub fn stdin(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdin(cfg);
        self.stdin_set = true;
        self
    }

    /// The child's stdout (see [`stdin`](Command::stdin)).
    pub fn stdout(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdout(cfg);
        self.stdout_set = true;
        self
    }

    /// The child's stderr (see [`stdin`](Command::stdin)).
    pub fn stderr(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stderr(cfg);
        self.stderr_set = true;
        self
    }

    /// Whether dropping the [`Child`] before its exit was collected kills it (`SIGKILL`; default
    /// `false`: it keeps running). Either way it is reaped in the background.
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// The std builder, for what this one does not wrap (`uid`, `process_group`, `pre_exec`, ...
    /// through `std::os::unix::process::CommandExt`).
    pub fn as_std_mut(&mut self) -> &mut std::process::Command {
        &mut self.std
    }

    /// The std builder.
    pub fn as_std(&self) -> &std::process::Command {
        &self.std
    }

    /// Starts the child. Its piped stdio and its exit are registered with the current runtime's
    /// reactor.
    ///
    /// # Errors
    /// `ErrorKind::NotFound` if the program does not exist, `PermissionDenied` if it cannot be
    /// executed, and the OS error when descriptors or processes run out (`EMFILE`, `EAGAIN`).
    /// On every error path the descriptors opened for the child are closed and a child that was
    /// already started is killed and reaped.
    ///
    /// # Panics
    /// Outside a weft runtime.
    #[track_caller]
    pub fn spawn(&mut self) -> io::Result<Child> {
        let io = weft_io::Handle::current();
        reaper::sweep();
        let mut std_child = self.std.spawn()?;
        match wrap(&mut std_child, &io) {
            Ok((watch, stdin, stdout, stderr)) => {
                let process = Process {
                    std: std_child,
                    status: None,
                    watch,
                    kill_on_drop: self.kill_on_drop,
                    runtime: weft_runtime::Handle::try_current().ok(),
                };
                Ok(Child::new(process, stdin, stdout, stderr))
            }
            Err(e) => {
                // The pipes taken by `wrap` are closed already; the child must not outlive us
                // unreaped. SIGKILL ends it at once, so this wait is short.
                let _ = std_child.kill();
                let _ = std_child.wait();
                Err(e)
            }
        }
    }

    /// Runs the child to completion and returns its status. Stdio is inherited unless set.
    ///
    /// # Errors
    /// As for [`spawn`](Command::spawn) and [`Child::wait`].
    ///
    /// # Cancel safety
    /// Not cancel safe as a result (the status is lost), but nothing leaks: the child is reaped in
    /// the background (and killed first if `kill_on_drop` is set).
    pub async fn status(&mut self) -> io::Result<ExitStatus> {
        let mut child = self.spawn()?;
        child.wait().await
    }

    /// Runs the child to completion, collecting its stdout and stderr (piped unless set; stdin is
    /// `Stdio::null()` unless set). Like tokio's, this sets those defaults on the builder.
    ///
    /// # Errors
    /// As for [`spawn`](Command::spawn) and [`Child::wait_with_output`].
    ///
    /// # Cancel safety
    /// As for [`status`](Command::status).
    pub async fn output(&mut self) -> io::Result<Output> {
        if !self.stdin_set {
            self.stdin(Stdio::null());
        }
        if !self.stdout_set {
            self.stdout(Stdio::piped());
        }
        if !self.stderr_set {
            self.stderr(Stdio::piped());
        }
        self.spawn()?.wait_with_output().await
    }
}

type Wrapped = (
    ExitWatch,
    Option<ChildStdin>,
    Option<ChildStdout>,
    Option<ChildStderr>,
);

/// Registers a freshly spawned child's exit and pipes with the reactor (taking the pipes out of
/// it: on error they are dropped, so closed).
fn wrap(child: &mut std::process::Child, io: &weft_io::Handle) -> io::Result<Wrapped> {
    let (stdin, stdout, stderr) = (child.stdin.take(), child.stdout.take(), child.stderr.take());
    let watch = ExitWatch::new(child.id(), io)?;
    let stdin = stdin.map(|p| register(p, io)).transpose()?;
    let stdout = stdout.map(|p| register(p, io)).transpose()?;
    let stderr = stderr.map(|p| register(p, io)).transpose()?;
    Ok((
        watch,
        stdin.map(ChildStdin::new),
        stdout.map(ChildStdout::new),
        stderr.map(ChildStderr::new),
    ))
}

impl From<std::process::Command> for Command {
    fn from(std: std::process::Command) -> Command {
        Command {
            std,
            kill_on_drop: false,
            stdin_set: false,
            stdout_set: false,
            stderr_set: false,
        }
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Command")
            .field("std", &self.std)
            .field("kill_on_drop", &self.kill_on_drop)
            .finish()
    }
}

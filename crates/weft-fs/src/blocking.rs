//! The one door to the blocking pool: every file system call of this crate (but the
//! page-cache reads of `file::direct`, which never block) goes through
//! [`spawn`] (which names this crate in its panic outside a runtime) and [`asyncify`] (which turns
//! the task's `JoinError` into an `io::Error` or a resumed panic).

use std::io;
use std::panic;
use std::task::{ready, Context, Poll};

use weft_core::coop;
use weft_core::task::{JoinError, JoinHandle};
use weft_runtime::Handle;

/// Whether a weft runtime is running on this thread (so [`spawn`] would not panic).
pub(crate) fn in_runtime() -> bool {
    Handle::try_current().is_ok()
}

/// Runs `f` on the current runtime's blocking pool.
///
/// # Panics
/// Outside a weft runtime.
#[track_caller]
pub(crate) fn spawn<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    match Handle::try_current() {
        Ok(handle) => handle.spawn_blocking(f),
        Err(_) => panic!(
            "weft-fs: no weft runtime is running on this thread, and file operations run on its \
             blocking pool: use weft::fs inside `weft::run`, `Runtime::block_on` or a spawned task"
        ),
    }
}

/// Runs `f` on the blocking pool and waits for its result.
///
/// A panic in `f` is resumed in the caller; a job cancelled unrun is an error (see
/// [`cancelled`]).
#[track_caller]
pub(crate) fn asyncify<F, R>(f: F) -> impl std::future::Future<Output = io::Result<R>>
where
    F: FnOnce() -> io::Result<R> + Send + 'static,
    R: Send + 'static,
{
    let task = spawn(f);
    async move { join_result(task.await)? }
}

/// Unwraps a blocking task's outcome: `Ok(output)`, a resumed panic, or a cancellation error.
pub(crate) fn join_result<T>(res: Result<T, JoinError>) -> io::Result<T> {
    match res {
        Ok(v) => Ok(v),
        Err(e) if e.is_panic() => panic::resume_unwind(e.into_panic()),
        Err(_) => Err(cancelled()),
    }
}

/// The error of a file operation whose pool job was dropped unrun: a
/// [`ShutdownError`](weft_core::ShutdownError) if the runtime shut down (or is gone), else the
/// other cause, no blocking thread could be started.
pub(crate) fn cancelled() -> io::Error {
    let shut_down = weft_runtime::Handle::try_current().map_or(true, |rt| rt.is_shut_down());
    if shut_down {
        weft_core::ShutdownError::new("a file operation").into()
    } else {
        io::Error::other(
            "weft-fs: the file operation did not run: the OS refused to start a blocking thread \
             and the runtime's blocking pool has none",
        )
    }
}

/// Runs one poll of a file operation under the task's cooperative budget: a unit is spent when
/// it completes, so a task reading a file or a listing that is always ready (buffered,
/// prefetched) still yields to the other tasks now and then.
pub(crate) fn with_budget<T>(
    cx: &mut Context<'_>,
    f: impl FnOnce(&mut Context<'_>) -> Poll<T>,
) -> Poll<T> {
    let proceed = ready!(coop::poll_proceed(cx));
    let out = ready!(f(cx));
    proceed.made_progress();
    Poll::Ready(out)
}

//! [`HyperExecutor`]: hyper's background tasks (HTTP/2 streams, client connections) as weft tasks.

use std::future::Future;

use weft_runtime::Handle;

/// hyper's [`Executor`](hyper::rt::Executor) on weft: each future hyper hands over becomes a weft
/// task.
///
/// [`new`](HyperExecutor::new) spawns on the runtime that is current where hyper calls it (hyper
/// does so from inside the connection's task); [`with_handle`](HyperExecutor::with_handle) always
/// spawns on the given runtime.
///
/// # Panics
///
/// An executor made with `new` panics when hyper spawns outside a weft runtime (as
/// `weft::spawn` does).
///
/// # Examples
///
/// ```
/// use weft_hyper::HyperExecutor;
///
/// // HTTP/2 needs an executor for its streams.
/// let builder = hyper::server::conn::http2::Builder::new(HyperExecutor::new());
/// # drop(builder);
/// ```
#[derive(Clone, Debug, Default)]
pub struct HyperExecutor {
    handle: Option<Handle>,
}

impl HyperExecutor {
    /// An executor that spawns on the current runtime.
    pub fn new() -> HyperExecutor {
        HyperExecutor { handle: None }
    }

    /// An executor that spawns on the runtime of `handle`, wherever it is called from.
    pub fn with_handle(handle: Handle) -> HyperExecutor {
        HyperExecutor {
            handle: Some(handle),
        }
    }
}

impl<F> hyper::rt::Executor<F> for HyperExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    #[track_caller]
    fn execute(&self, future: F) {
        // The task runs detached: hyper tracks its own background futures.
        match &self.handle {
            Some(handle) => drop(handle.spawn(future)),
            None => drop(weft_runtime::spawn(future)),
        }
    }
}

//! The park hook: how a worker with nothing to run waits, and how a higher layer (weft-io's reactor
//! and timers) gets to run on that wait.
//!
//! The executor knows nothing of I/O. When a worker runs out of tasks it parks. With no hook it
//! sleeps on a parking_lot condition variable until another thread unparks it. With a hook
//! installed ([`Builder::park_hook`](crate::Builder::park_hook)) the runtime lets **one** parked
//! worker at a time (the one holding the hook) block inside [`Park::park`], which waits on the OS poller
//! with the next timer deadline as its timeout and wakes the tasks whose events arrived; the other
//! idle workers sleep on their condition variables. Busy workers call [`Park::park`] with a zero
//! timeout every few dozen ticks (when no other worker holds the hook) so I/O and timers are never
//! starved by CPU-bound tasks.
//!
//! To wake the worker that waits in the hook, the runtime calls [`Park::unpark`] (weft-io answers
//! with a coalesced `Poller::notify`).
//!
//! The hook is found again by the layer that installed it through
//! [`park_hook`](crate::park_hook) and [`Park::as_any`], so `weft_io::Handle::current()`
//! can reach its reactor from inside a task without weft-runtime naming weft-io.

use std::any::Any;
use std::fmt;
use std::time::Duration;

/// A driver (weft-io's reactor and timers, or any other) that runs while a worker has nothing to
/// do.
///
/// # Contract
/// - `park(timeout)` blocks the calling thread for at most `timeout` (`None`: until an event or an
///   [`unpark`](Park::unpark)), processing I/O readiness and expired timers and waking their tasks
///   (wakers are called after the driver's own locks are released). `Some(Duration::ZERO)` turns the
///   driver once without blocking. It may return early (spuriously) at any time.
/// - The runtime never calls `park` from two threads at once on the same hook.
/// - `unpark` may be called from any thread at any time, also before or concurrently with `park`;
///   an `unpark` that happens before a `park` makes that `park` return promptly (no lost wakeup).
/// - `shutdown` is called once, after the workers stopped and before pending tasks are dropped: the
///   driver wakes every task still waiting on it so none hangs.
pub trait Park: Send + Sync + 'static {
    /// Waits for events for at most `timeout`, dispatching them to the tasks that wait on them.
    fn park(&self, timeout: Option<Duration>);

    /// Makes a current or the next `park` return promptly.
    fn unpark(&self);

    /// Called once when the runtime shuts down; wakes every waiter. The default does nothing.
    fn shutdown(&self) {}

    /// The hook's counters, for [`RuntimeMetrics`](crate::metrics::RuntimeMetrics). The default
    /// reports zeros.
    fn metrics(&self) -> ParkMetrics {
        ParkMetrics::default()
    }

    /// The hook as `Any`, so the layer that installed it can downcast it back.
    fn as_any(&self) -> &(dyn Any + Send + Sync);
}

impl fmt::Debug for dyn Park {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Park").finish_non_exhaustive()
    }
}

/// The park hook's counters ([`Park::metrics`]); all zero without a hook.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParkMetrics {
    /// I/O readiness events the hook's reactor has dispatched.
    pub io_driver_ready_count: u64,
    /// Timers the hook has fired.
    pub timers_fired_count: u64,
}

impl ParkMetrics {
    /// Counters with these values (for a [`Park`] implementation to return).
    pub fn new(io_driver_ready_count: u64, timers_fired_count: u64) -> ParkMetrics {
        ParkMetrics {
            io_driver_ready_count,
            timers_fired_count,
        }
    }
}

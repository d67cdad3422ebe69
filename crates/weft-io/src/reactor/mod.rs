//! The reactor: one `polling::Poller` and the sources registered with it.
//!
//! A source is registered once, for both directions, under a key that names its slot in the
//! registry (index and generation, so a late event for a reused slot is ignored). Where the OS
//! supports it (epoll, kqueue) the registration is **edge-triggered**: the OS reports each new
//! readiness once and a wait never costs a re-arm syscall; the [`ScheduledIo`] tick protocol makes
//! sure an edge that arrives between a failed syscall and the task's sleep is not lost. Elsewhere
//! (and in tests that ask for it) the reactor falls back to **oneshot** mode: each wait re-arms the
//! interest of the directions that wait, and every event wakes both directions so the one still
//! waiting re-arms.
//!
//! [`Reactor::turn`] waits in the poller, marks the sources whose events arrived, and collects their
//! wakers; the caller wakes them after the registry lock is released.

pub(crate) mod scheduled_io;
pub(crate) mod waiters;

// The poller side is left out of loom builds: the loom models exercise only the readiness protocol.
#[cfg(all(not(loom), any(target_os = "linux", target_os = "android")))]
mod epoll;
#[cfg(all(test, not(loom)))]
pub(crate) mod faults;
#[cfg(not(loom))]
mod poller;

#[cfg(not(loom))]
pub(crate) use poller::{EventBuffer, Mode, Reactor, Registration};
#[cfg(not(loom))]
pub(crate) use scheduled_io::Direction;
#[cfg(not(loom))]
pub(crate) use waiters::WaiterKey;

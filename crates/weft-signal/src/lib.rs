//! # weft-signal: Unix signals as futures and streams
//!
//! asyncio's `loop.add_signal_handler`, the weft way: [`ctrl_c`] waits for Ctrl-C, and
//! [`unix::signal`] returns a [`unix::Signal`] that yields each delivery of a signal (`recv()`,
//! or as a `Stream`). Listeners are woken through the reactor of the runtime they were made in.
//!
//! ```text
//!   kernel --> signal-hook-registry handler --> pending flag + one byte on the doorbell
//!                                                      |
//!   runtime A: Signal --Async<dup of doorbell>--> reactor A --+--> drain + broadcast: every
//!   runtime B: Signal --Async<dup of doorbell>--> reactor B --+    listener of the signal wakes
//! ```
//!
//! Handlers are installed only through signal-hook-registry, and the handler only sets an atomic
//! flag and writes one byte to a socket pair (the *doorbell*); everything else runs in tasks. A
//! listener whose reactor reports the doorbell readable drains it and wakes every listener of
//! every pending signal, in every runtime, through their wakers.
//!
//! **The one process-global piece.** A signal's disposition belongs to the process, so the table
//! of signals, their listeners and the doorbell are process-global (built on first use, never torn
//! down): this is inherent, unlike the reactor and timers, which each runtime owns. Two runtimes
//! in one process both see every signal their listeners wait for.
//!
//! **Default actions.** weft's handler is installed for a signal only when something first
//! listens to it, and it stays installed. While no listener of a signal is alive, a delivery of a
//! signal whose default action ends the process (`SIGINT`, `SIGTERM`, `SIGHUP`, `SIGUSR1`, ...)
//! still ends it, as if weft had never listened, unless the disposition before weft was "ignore"
//! (as for `SIGHUP` under `nohup`, or `SIGPIPE` in every Rust program) or another handler (which
//! signal-hook-registry keeps calling). Signals that do not end the process by default are then
//! ignored: those ignored by default (`SIGCHLD`, `SIGWINCH`, ...) and, as in tokio, the stop
//! signals (`SIGTSTP`, `SIGTTIN`, `SIGTTOU`), whose default could not be restored from the
//! handler without a window in which a new listener would miss a delivery.
//!
//! # Examples
//!
//! Graceful shutdown: serve until Ctrl-C, then stop.
//!
//! ```
//! # weft_signal::__private::run(async {
//! # weft_runtime::spawn(async {
//! #     weft_io::time::sleep(std::time::Duration::from_millis(10)).await;
//! #     // SAFETY: kill with our own pid and a valid signal number has no memory effects.
//! #     unsafe { libc::kill(libc::getpid(), libc::SIGINT) };
//! # });
//! let server = async { /* accept connections ... */ std::future::pending::<()>().await };
//! weft_core::select! {
//!     _ = server => {}
//!     res = weft_signal::ctrl_c() => {
//!         res?;
//!         println!("Ctrl-C: shutting down");
//!     }
//! }
//! # std::io::Result::Ok(()) }).unwrap();
//! ```
#![deny(unsafe_op_in_unsafe_fn)]

mod kind;
mod listener;
mod registry;
mod watch;

use std::future::poll_fn;
use std::io;

/// Signals by kind: [`signal`](unix::signal), [`Signal`](unix::Signal), [`SignalKind`](unix::SignalKind).
pub mod unix {
    pub use crate::kind::SignalKind;
    pub use crate::listener::{signal, Signal};
}

/// Waits for the next Ctrl-C (`SIGINT`) sent to the process.
///
/// The listener is made on the first poll, so only a Ctrl-C after that is seen. To catch several,
/// keep one listener: `signal(SignalKind::interrupt())`.
///
/// # Errors
///
/// If the listener cannot be made (no descriptor left), or a
/// [`ShutdownError`](weft_core::ShutdownError) if the runtime shut down while waiting.
///
/// # Panics
///
/// Polled outside a weft runtime.
///
/// # Cancel safety
///
/// Cancel safe, but a Ctrl-C that arrives while no `ctrl_c` future or listener exists is not
/// seen by a later one (it acts as if weft were not listening: see [`unix::signal`]).
///
/// # Examples
///
/// ```
/// # weft_signal::__private::run(async {
/// let stop = weft_signal::ctrl_c();
/// // SAFETY: kill with our own pid and a valid signal number has no memory effects.
/// let press = async { unsafe { libc::kill(libc::getpid(), libc::SIGINT) }; };
/// let (stopped, ()) = weft_core::join!(stop, press);
/// stopped?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
#[track_caller]
pub fn ctrl_c() -> impl std::future::Future<Output = io::Result<()>> {
    weft_core::task::wait_on(weft_core::task::Resource::Signal, async {
        let mut interrupts = unix::signal(unix::SignalKind::interrupt())?;
        poll_fn(|cx| interrupts.poll_delivery(cx)).await
    })
}

/// Not public API: a runtime for doc examples.
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
}

//! Unix signals, for tasks: asyncio's `loop.add_signal_handler`. [`ctrl_c`] waits for Ctrl-C (the
//! graceful-shutdown trigger of a service); [`unix::signal`] listens to any signal and yields each
//! delivery, through `recv()` or as a `Stream`.
//!
//! Every listener alive when a signal arrives is woken, in whichever runtime it was made; bursts
//! that come faster than a listener polls coalesce. weft installs its handler for a signal only
//! once something listens to it, and while no listener is alive a signal that ends the process by
//! default still does (so a second Ctrl-C after `ctrl_c()` returned stops the program). The table
//! of listened signals is the one process-global piece of weft: a signal's disposition belongs to
//! the process.
//!
//! # Examples
//!
//! ```
//! use weft::signal::unix::{signal, SignalKind};
//!
//! #[weft::main]
//! async fn main() -> std::io::Result<()> {
//!     let mut hangups = signal(SignalKind::hangup())?;
//!     // Somebody runs `kill -HUP <pid>` (here: the program itself).
//!     // SAFETY: kill with our own pid and a valid signal number has no memory effects.
//!     unsafe { libc::kill(libc::getpid(), libc::SIGHUP) };
//!     hangups.recv().await;
//!     println!("SIGHUP: reloading the configuration");
//!     Ok(())
//! }
//! ```

/// Waits for the next Ctrl-C (`SIGINT`): the usual trigger of a graceful shutdown.
///
/// ```
/// use std::time::Duration;
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     # weft::spawn(async {
///     #     weft::time::sleep(Duration::from_millis(10)).await;
///     #     // SAFETY: kill with our own pid and a valid signal number has no memory effects.
///     #     unsafe { libc::kill(libc::getpid(), libc::SIGINT) };
///     # });
///     let server = async { /* accept and serve connections */ std::future::pending::<()>().await };
///     weft::select! {
///         _ = server => {}
///         stop = weft::signal::ctrl_c() => {
///             stop?;
///             println!("Ctrl-C: no new connections; finishing the open ones");
///         }
///     }
///     Ok(())
/// }
/// ```
///
/// *From weft-signal's documentation, where this is `weft_signal::ctrl_c`:*
///
#[doc(inline)]
pub use weft_signal::ctrl_c;

/// Any Unix signal by kind: [`signal`](unix::signal) makes a [`Signal`](unix::Signal) listener.
pub mod unix {
    pub use weft_signal::unix::{signal, Signal, SignalKind};
}

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
//!     let pid = std::process::id().to_string();
//!     std::process::Command::new("kill").args(["-HUP", &pid]).status()?;
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

pub mod unix {
    //! Any Unix signal by kind: [`signal`] makes a [`Signal`] listener.

    /// Listens to a signal: the returned [`Signal`] yields each delivery.
    ///
    /// ```
    /// use weft::signal::unix::{signal, SignalKind};
    ///
    /// #[weft::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut terminate = signal(SignalKind::terminate())?;
    ///     // A service manager stopping us (here: the program itself).
    ///     let pid = std::process::id().to_string();
    ///     std::process::Command::new("kill").args(["-TERM", &pid]).status()?;
    ///     terminate.recv().await;
    ///     println!("SIGTERM: shutting down");
    ///     Ok(())
    /// }
    /// ```
    ///
    /// *From weft-signal's documentation, where this is `weft_signal::unix::signal`:*
    ///
    #[doc(inline)]
    pub use weft_signal::unix::signal;

    /// A listener of one signal: `recv().await` for the next delivery, or use it as a stream.
    ///
    /// ```
    /// use weft::signal::unix::{signal, SignalKind};
    /// use weft::stream::StreamExt;
    ///
    /// #[weft::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut usr1 = signal(SignalKind::user_defined1())?;
    ///     let pid = std::process::id().to_string();
    ///     std::process::Command::new("kill").args(["-USR1", &pid]).status()?;
    ///     assert_eq!(usr1.next().await, Some(()));
    ///     Ok(())
    /// }
    /// ```
    ///
    /// *From weft-signal's documentation, where this is `weft_signal::unix::Signal`:*
    ///
    #[doc(inline)]
    pub use weft_signal::unix::Signal;

    /// Which signal to listen to: named constructors for the common ones, or any number.
    ///
    /// ```
    /// use weft::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::hangup().to_string(), "SIGHUP");
    /// assert_eq!(SignalKind::from_raw(15), SignalKind::terminate()); // 15 is SIGTERM on Unix
    /// ```
    ///
    /// *From weft-signal's documentation, where this is `weft_signal::unix::SignalKind`:*
    ///
    #[doc(inline)]
    pub use weft_signal::unix::SignalKind;
}

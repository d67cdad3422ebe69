//! [`Builder::dump_on_signal`](crate::builder::Builder::dump_on_signal)'s pieces: the
//! [`WatchSignal`] hook a park maker implements when its layers can watch a process signal, and
//! the dump it prints.
//!
//! weft-runtime cannot name signals (they belong to weft-signal, a layer above it), so the
//! builder asks its park maker: the facade's maker (weft-io's `MakeDriver`) gets the hook from
//! weft-signal, which implements [`WatchSignal`] with its `SignalKind`. The dump is printed from
//! weft-signal's watching thread, never from a task: it is printed even when every worker is
//! stuck in a poll (the case it exists for), no task of its own shows up in it, and nothing of it
//! keeps the runtime alive (the runtime drops the [`SignalWatch`] when it shuts down).

use std::fmt;
use std::io::{self, Write};

use crate::handle::Handle;
use crate::make_park::MakePark;

/// A [`MakePark`] whose layers can watch a process signal of kind `K` on a thread of their own:
/// it turns on [`Builder::dump_on_signal`](crate::builder::Builder::dump_on_signal).
///
/// weft's facade builder has one: weft-signal implements it for weft-io's `MakeDriver` with its
/// `SignalKind`.
pub trait WatchSignal<K>: MakePark {
    /// Calls `on_signal` each time the process receives `kind`, on a thread that is none of a
    /// runtime's workers (so it runs while they are stuck), until the returned [`SignalWatch`]
    /// is dropped. While the watch lives, the signal no longer has its default action (a
    /// `SIGQUIT` no longer ends the process).
    ///
    /// # Errors
    ///
    /// If `kind` cannot be watched (a signal no handler may take), or the OS refuses the thread
    /// or descriptors the watch needs.
    fn watch_signal(
        &self,
        kind: K,
        on_signal: Box<dyn Fn() + Send + Sync>,
    ) -> io::Result<SignalWatch>;
}

/// Keeps a signal watched ([`WatchSignal::watch_signal`]) until it is dropped.
pub struct SignalWatch {
    _guard: Box<dyn Send + Sync>,
}

impl SignalWatch {
    /// A watch that ends when `guard` is dropped.
    pub fn new(guard: impl Send + Sync + 'static) -> SignalWatch {
        SignalWatch {
            _guard: Box::new(guard),
        }
    }
}

impl fmt::Debug for SignalWatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignalWatch").finish_non_exhaustive()
    }
}

/// Prints `handle`'s dump on stderr, headed by the signal that asked for it (one write, so the
/// dump's lines stay together).
pub(crate) fn print_dump(handle: &Handle, signal: &str) {
    let dump = handle.dump();
    let text = format!(
        "weft: {signal} received: dump of {} live task{}\n{dump}",
        dump.len(),
        if dump.len() == 1 { "" } else { "s" }
    );
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

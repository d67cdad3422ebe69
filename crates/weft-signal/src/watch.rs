//! Watching a signal from a thread rather than a task: what the facade's
//! `Builder::dump_on_signal` uses, so a task dump is printed even when every worker of the
//! runtime is stuck.
//!
//! ```text
//!   kernel --> weft's handler --(signal number, one byte)--> thread bell (socket pair)
//!                                                                 | blocking read
//!                                                                 v
//!   "weft-signal-watch" thread: runs every watcher of that signal (outside the handler)
//! ```
//!
//! One thread per process, started by the first watch and then kept, blocked in `read` (like the
//! registry, it is process-global because a signal's disposition is). A watcher counts as a
//! listener of its signal: while one lives, the signal's default action is replaced.

use std::io::{self, Read};
use std::os::fd::IntoRawFd;
use std::os::unix::net::UnixStream;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use libc::c_int;
use weft_core::loom::sync::Mutex;
use weft_runtime::builder::{SignalWatch, WatchSignal};

use crate::kind::SignalKind;
use crate::listener::check_listenable;
use crate::registry::registry;

type Callback = Arc<dyn Fn() + Send + Sync>;

struct Watchers {
    /// Whether the watching thread runs (and the registry knows its bell).
    started: bool,
    next_id: u64,
    list: Vec<(u64, c_int, Callback)>,
}

static WATCHERS: Mutex<Watchers> = Mutex::new(Watchers {
    started: false,
    next_id: 0,
    list: Vec::new(),
});

/// A watch of one signal; dropping it forgets the callback.
#[derive(Debug)]
struct Watch {
    id: u64,
    signum: c_int,
}

/// Runs `on_signal` on the watching thread each time the process receives `kind`, until the
/// returned watch is dropped.
fn watch(kind: SignalKind, on_signal: Box<dyn Fn() + Send + Sync>) -> io::Result<Watch> {
    check_listenable(kind)?;
    let signum = kind.as_raw_value();
    let registry = registry()?;
    let id = {
        let mut watchers = WATCHERS.lock();
        if !watchers.started {
            let (tx, rx) = UnixStream::pair()?;
            tx.set_nonblocking(true)?;
            std::thread::Builder::new()
                .name("weft-signal-watch".to_owned())
                .spawn(move || run(rx))?;
            // The write end is never closed: the handler may write to it at any time.
            registry.set_thread_bell(tx.into_raw_fd());
            watchers.started = true;
        }
        let id = watchers.next_id;
        watchers.next_id += 1;
        watchers.list.push((id, signum, Arc::from(on_signal)));
        id
    };
    let watch = Watch { id, signum };
    // Counted before the handler is installed, as a listener is (see `signal`).
    registry.add_watcher(signum);
    registry.ensure_installed(signum)?;
    Ok(watch)
}

impl Drop for Watch {
    fn drop(&mut self) {
        WATCHERS.lock().list.retain(|(id, _, _)| *id != self.id);
        if let Ok(registry) = registry() {
            registry.remove_watcher(self.signum);
        }
    }
}

/// The watching thread: reads signal numbers from the bell and runs their watchers.
fn run(mut bell: UnixStream) {
    let mut buf = [0u8; 64];
    loop {
        let n = match bell.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return,
        };
        for &signum in &buf[..n] {
            let due: Vec<Callback> = WATCHERS
                .lock()
                .list
                .iter()
                .filter(|(_, s, _)| *s == c_int::from(signum))
                .map(|(_, _, f)| f.clone())
                .collect();
            for f in due {
                // A watcher's panic must not end the thread every other watcher relies on.
                let _ = catch_unwind(AssertUnwindSafe(|| f()));
            }
        }
    }
}

/// The facade's builder (`weft::runtime::Builder`, whose park maker is weft-io's `MakeDriver`)
/// can print a task dump on a signal: `Builder::dump_on_signal(SignalKind::quit())`.
impl WatchSignal<SignalKind> for weft_io::MakeDriver {
    fn watch_signal(
        &self,
        kind: SignalKind,
        on_signal: Box<dyn Fn() + Send + Sync>,
    ) -> io::Result<SignalWatch> {
        Ok(SignalWatch::new(watch(kind, on_signal)?))
    }
}

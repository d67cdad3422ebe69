//! The process-global signal registry: one slot per signal number, the doorbell the handler rings,
//! and the broadcast that turns delivered signals into wakes.
//!
//! Signal dispositions belong to the process, not to a runtime, so this is the one process-global
//! piece of weft below the facade. It is built on first use and never torn down.
//!
//! ```text
//!   kernel --signal--> signal-hook-registry's handler --> Registry::on_signal (atomics + write)
//!                                                            | pending[sig] = true
//!                                                            v one byte
//!   doorbell (socket pair) ==dup per listener==> Async<OwnedFd> in that listener's reactor
//!                                                            | readable: the listener drains it
//!                                                            v
//!   Registry::broadcast: pending[sig] -> generation[sig] += 1, wake every waiter of sig
//! ```
//!
//! Any listener that reads the doorbell broadcasts for everyone, in every runtime: a reactor that
//! missed the doorbell's edge because another runtime drained it first still has its listeners
//! woken through their wakers.

use std::collections::HashMap;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::task::Waker;

use libc::c_int;
use weft_core::loom::sync::Mutex;

/// One more than the largest signal number (the kernel's `_NSIG`).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) const NSIG: usize = 65;
/// One more than the largest signal number (the kernel's `NSIG`).
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) const NSIG: usize = 33;

/// Signals whose default action is not to end the process: nothing to do when nobody listens.
/// The stop signals are here too: stopping from inside the handler would leave the default
/// disposition in place from `SIGCONT` until the handler puts weft's back, and another thread
/// receiving the signal in that window would stop the process again instead of waking a listener.
const NOT_FATAL_BY_DEFAULT: &[c_int] = &[
    libc::SIGCHLD,
    libc::SIGCONT,
    libc::SIGURG,
    libc::SIGWINCH,
    libc::SIGTSTP,
    libc::SIGTTIN,
    libc::SIGTTOU,
];

/// The registry. Built once per process by [`registry`], then shared by every runtime.
///
/// Invariant relied on by the signal handler: once built it is never moved or freed (it is
/// leaked), and `doorbell_tx` stays open for the life of the process.
pub(crate) struct Registry {
    /// The write end, non-blocking: the handler writes one byte per delivery (a full buffer is
    /// fine: the reader is then already due to wake).
    doorbell_tx: OwnedFd,
    /// The read end, non-blocking; each listener registers its own duplicate with its reactor.
    doorbell_rx: OwnedFd,
    slots: Box<[Slot]>,
    next_listener: AtomicU64,
    /// The write end of the watching thread's bell (`watch.rs`), non-blocking, or -1 before the
    /// first watch: the handler writes the signal's number to it when the signal has watchers.
    /// Once set it stays open for the life of the process.
    thread_bell: AtomicI32,
}

struct Slot {
    /// A delivery the broadcast has not yet turned into a wake (set by the handler).
    pending: AtomicBool,
    /// Live listeners (`Signal`s) of this signal.
    listeners: AtomicUsize,
    /// Live watchers of this signal (`watch.rs`: callbacks run on the watching thread).
    watchers: AtomicUsize,
    /// Whether a delivery while nobody listens must end the process, as the default action would
    /// (the disposition before weft was the default, and the default ends the process).
    emulate_default: AtomicBool,
    /// Whether weft's handler is installed (it then stays for the life of the process).
    installed: Mutex<bool>,
    state: Mutex<SlotState>,
}

struct SlotState {
    /// How many broadcasts of this signal happened; a listener is due when it saw fewer.
    generation: u64,
    /// Listeners waiting for the next broadcast, by listener id. One waker per id is enough:
    /// each `Signal` has its own id and `recv`/`poll_recv` take `&mut self`, so one task at a
    /// time waits through a listener; several tasks each have their own `Signal`.
    waiters: HashMap<u64, Waker>,
}

static REGISTRY: OnceLock<Registry> = OnceLock::new();
static INIT: Mutex<()> = Mutex::new(());

/// The process's registry, built on first use.
///
/// # Errors
/// If the doorbell socket pair cannot be created (e.g. `EMFILE`).
pub(crate) fn registry() -> io::Result<&'static Registry> {
    if let Some(registry) = REGISTRY.get() {
        return Ok(registry);
    }
    let _init = INIT.lock();
    if let Some(registry) = REGISTRY.get() {
        return Ok(registry);
    }
    let (tx, rx) = UnixStream::pair()?;
    tx.set_nonblocking(true)?;
    rx.set_nonblocking(true)?;
    let registry = Registry {
        doorbell_tx: tx.into(),
        doorbell_rx: rx.into(),
        slots: (0..NSIG).map(|_| Slot::new()).collect(),
        next_listener: AtomicU64::new(0),
        thread_bell: AtomicI32::new(-1),
    };
    Ok(REGISTRY.get_or_init(|| registry))
}

impl Slot {
    fn new() -> Slot {
        Slot {
            pending: AtomicBool::new(false),
            listeners: AtomicUsize::new(0),
            watchers: AtomicUsize::new(0),
            emulate_default: AtomicBool::new(false),
            installed: Mutex::new(false),
            state: Mutex::new(SlotState {
                generation: 0,
                waiters: HashMap::new(),
            }),
        }
    }
}

impl Registry {
    /// Installs weft's handler for `signum` unless it already is. `signum` was validated.
    ///
    /// # Errors
    /// The OS error from `sigaction` (e.g. a signal number the C library reserves).
    pub(crate) fn ensure_installed(&'static self, signum: c_int) -> io::Result<()> {
        let slot = self.slot(signum);
        let mut installed = slot.installed.lock();
        if *installed {
            return Ok(());
        }
        // SAFETY: an all-zero `sigaction` is a valid value for the C struct (no references).
        let mut before: libc::sigaction = unsafe { std::mem::zeroed() };
        // SAFETY: a null new action only queries; `before` is a valid out-pointer.
        if unsafe { libc::sigaction(signum, std::ptr::null(), &mut before) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let emulate =
            before.sa_sigaction == libc::SIG_DFL && !NOT_FATAL_BY_DEFAULT.contains(&signum);
        slot.emulate_default.store(emulate, Ordering::SeqCst);
        // SAFETY: the action is async-signal-safe: it touches only atomics of the leaked registry
        // and calls write, sigaction, pthread_sigmask and raise (see `on_signal`); it never
        // allocates, locks or panics.
        unsafe { signal_hook_registry::register(signum, move || self.on_signal(signum)) }?;
        *installed = true;
        Ok(())
    }

    /// The handler's work, run inside the signal handler: only atomics and async-signal-safe calls.
    fn on_signal(&self, signum: c_int) {
        let slot = self.slot(signum);
        let listeners = slot.listeners.load(Ordering::SeqCst);
        let watchers = slot.watchers.load(Ordering::SeqCst);
        if listeners == 0 && watchers == 0 {
            if slot.emulate_default.load(Ordering::SeqCst) {
                emulate_default_action(signum);
            }
            return;
        }
        if listeners > 0 {
            slot.pending.store(true, Ordering::SeqCst);
            let byte = 1u8;
            // SAFETY: `doorbell_tx` is open for the life of the process (the registry is
            // leaked); `byte` is a valid one-byte buffer. A full or failing write is fine: the
            // doorbell is then already readable. `write` is async-signal-safe, and
            // signal-hook-registry restores errno.
            unsafe { libc::write(self.doorbell_tx.as_raw_fd(), (&byte as *const u8).cast(), 1) };
        }
        let bell = self.thread_bell.load(Ordering::SeqCst);
        if watchers > 0 && bell >= 0 {
            // Signal numbers are below `NSIG` (65), so one byte holds it.
            let byte = signum as u8;
            // SAFETY: a set `thread_bell` stays open for the life of the process (see the
            // field); `byte` is a valid one-byte buffer; a full buffer drops this delivery's
            // byte, and the watchers still see the ones queued before it. Async-signal-safe, as
            // above.
            unsafe { libc::write(bell, (&byte as *const u8).cast(), 1) };
        }
    }

    /// Sets the watching thread's bell (once, before the first watcher is counted).
    pub(crate) fn set_thread_bell(&self, fd: RawFd) {
        self.thread_bell.store(fd, Ordering::SeqCst);
    }

    /// Counts a watcher of `signum` (see `watch.rs`).
    pub(crate) fn add_watcher(&self, signum: c_int) {
        self.slot(signum).watchers.fetch_add(1, Ordering::SeqCst);
    }

    /// Forgets a watcher of `signum`.
    pub(crate) fn remove_watcher(&self, signum: c_int) {
        self.slot(signum).watchers.fetch_sub(1, Ordering::SeqCst);
    }

    /// A fresh duplicate of the doorbell's read end, for one listener to register with its reactor.
    ///
    /// # Errors
    /// The OS error from `dup` (e.g. `EMFILE`).
    pub(crate) fn doorbell(&self) -> io::Result<OwnedFd> {
        self.doorbell_rx.try_clone()
    }

    /// Counts a new listener of `signum` and returns its id and the generation it starts from.
    pub(crate) fn add_listener(&self, signum: c_int) -> (u64, u64) {
        let slot = self.slot(signum);
        slot.listeners.fetch_add(1, Ordering::SeqCst);
        let id = self.next_listener.fetch_add(1, Ordering::Relaxed);
        (id, slot.state.lock().generation)
    }

    /// Forgets listener `id` of `signum` (its waker and its count).
    pub(crate) fn remove_listener(&self, signum: c_int, id: u64) {
        let slot = self.slot(signum);
        slot.state.lock().waiters.remove(&id);
        slot.listeners.fetch_sub(1, Ordering::SeqCst);
    }

    /// The current generation of `signum`, or `None` after storing `waker` for listener `id`
    /// when that generation is still `seen` (checked and stored under one lock, so a broadcast
    /// cannot slip between).
    pub(crate) fn generation_or_wait(
        &self,
        signum: c_int,
        id: u64,
        seen: u64,
        waker: &Waker,
    ) -> Option<u64> {
        let mut state = self.slot(signum).state.lock();
        if state.generation != seen {
            return Some(state.generation);
        }
        match state.waiters.get_mut(&id) {
            Some(stored) if stored.will_wake(waker) => {}
            Some(stored) => stored.clone_from(waker),
            None => {
                state.waiters.insert(id, waker.clone());
            }
        }
        None
    }

    /// Turns every pending delivery into a new generation and wakes that signal's waiters. Called
    /// by whichever listener drained the doorbell.
    pub(crate) fn broadcast(&self) {
        let mut wake = Vec::new();
        for slot in self.slots.iter() {
            if slot.pending.swap(false, Ordering::SeqCst) {
                let mut state = slot.state.lock();
                state.generation += 1;
                wake.extend(state.waiters.drain().map(|(_, waker)| waker));
            }
        }
        wake.into_iter().for_each(Waker::wake);
    }

    fn slot(&self, signum: c_int) -> &Slot {
        &self.slots[signum as usize]
    }
}

/// Does what the default disposition of `signum` (one that ends the process) would have done,
/// from inside the handler: sets it back to the default, unblocks it and raises it.
fn emulate_default_action(signum: c_int) {
    // SAFETY: every call is async-signal-safe (sigaction, sigemptyset, sigaddset, pthread_sigmask
    // and raise are thin syscall wrappers); all pointers are to live locals; all-zero is a valid
    // `sigaction`/`sigset_t`.
    unsafe {
        let mut default: libc::sigaction = std::mem::zeroed();
        default.sa_sigaction = libc::SIG_DFL;
        let mut saved: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(signum, &default, &mut saved) != 0 {
            return;
        }
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, signum);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(signum);
        // Not reached: the default action of `signum` ends the process. Should the OS not end
        // it, put weft's handler back rather than leave the signal unhandled.
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        libc::sigaction(signum, &saved, std::ptr::null_mut());
    }
}

//! The poller and the registry of sources (see the module docs of `reactor`).

use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::task::Waker;
use std::time::Duration;

use polling::{Event, Events, PollMode, Poller};
use weft_core::loom::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use weft_core::loom::sync::{Arc, Mutex};

use super::scheduled_io::{shutdown_error, Direction, ScheduledIo};

/// How sources are registered with the poller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Registered once, edge-triggered; never re-armed.
    Edge,
    /// Re-armed before each wait; every event disarms the whole source.
    Oneshot,
}

/// A registered source: its shared readiness, its key, and (for oneshot re-arming) its fd and the
/// directions that wait.
#[derive(Debug)]
pub(crate) struct Registration {
    io: ScheduledIo,
    key: usize,
    fd: RawFd,
    /// Oneshot mode: the directions re-armed so far (bit 0 read, bit 1 write). Changed under
    /// `arm_lock` so two directions re-arming at once do not overwrite each other's interest.
    armed: AtomicU8,
    arm_lock: Mutex<()>,
}

impl Registration {
    /// The source's readiness.
    pub(crate) fn io(&self) -> &ScheduledIo {
        &self.io
    }
}

struct Slot {
    generation: u32,
    entry: Option<Arc<Registration>>,
}

/// The key space: slot index in the low half of a `usize`, generation in the high half (minus
/// its top bit, so no key is ever `usize::MAX`, which `polling` keeps for itself).
const HALF: u32 = usize::BITS / 2;
const INDEX_MASK: usize = (1 << HALF) - 1;
const GENERATION_MASK: u32 = ((1u64 << (HALF - 1)) - 1) as u32;

fn make_key(index: usize, generation: u32) -> usize {
    ((generation & GENERATION_MASK) as usize) << HALF | index
}

struct Registry {
    slots: Vec<Slot>,
    free: Vec<usize>,
    shut_down: bool,
    /// Why the poller cannot be used any more (see [`Reactor::fail`]).
    failure: Option<String>,
}

impl Registry {
    fn get(&self, key: usize) -> Option<&Arc<Registration>> {
        let slot = self.slots.get(key & INDEX_MASK)?;
        let entry = slot.entry.as_ref()?;
        (entry.key == key).then_some(entry)
    }
}

/// The poller, the registry, and the poller's event buffer.
pub(crate) struct Reactor {
    poller: Poller,
    mode: Mode,
    registry: Mutex<Registry>,
    /// Linux, edge mode: wait with `epoll_wait` directly and wake through this eventfd
    /// (see `epoll.rs`); otherwise `polling`'s own wait and notify.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fast: Option<super::epoll::EventFd>,
    /// The poller failed for good (see [`Reactor::fail`]).
    failed: AtomicBool,
    /// Errors to hand out instead of waiting (tests only).
    #[cfg(test)]
    pub(crate) faults: super::faults::Faults,
}

/// What a wait in the poller that failed with `err` amounts to: `EINTR` is no events (a spurious
/// wakeup, which the park contract allows); anything else is the error.
pub(crate) fn failed_wait(err: io::Error) -> io::Result<usize> {
    if err.kind() == io::ErrorKind::Interrupted {
        Ok(0)
    } else {
        Err(err)
    }
}

impl fmt::Debug for Reactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reactor")
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

/// Waits for I/O events; owned by the thread that parks (not shared).
pub(crate) struct EventBuffer {
    events: Events,
    #[cfg(any(target_os = "linux", target_os = "android"))]
    raw: super::epoll::RawEvents,
}

impl fmt::Debug for EventBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventBuffer").finish_non_exhaustive()
    }
}

/// How many events one turn of the poller takes at most. Events beyond it wait (still reported)
/// for the next turn, so the cap costs no event; 1,024 lets one turn serve a thousand busy
/// connections with one syscall, for 12-16 KiB of buffer per reactor.
const EVENTS_PER_TURN: usize = 1024;

impl EventBuffer {
    pub(crate) fn new() -> Self {
        EventBuffer {
            events: Events::with_capacity(
                std::num::NonZeroUsize::new(EVENTS_PER_TURN).expect("non-zero"),
            ),
            #[cfg(any(target_os = "linux", target_os = "android"))]
            raw: super::epoll::RawEvents::with_capacity(EVENTS_PER_TURN),
        }
    }
}

impl Reactor {
    /// A reactor over a new poller; `force_oneshot` picks oneshot mode even where edge mode works.
    pub(crate) fn new(force_oneshot: bool) -> io::Result<Self> {
        let poller = Poller::new()?;
        let mode = if poller.supports_edge() && !force_oneshot {
            Mode::Edge
        } else {
            Mode::Oneshot
        };
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let fast = match mode {
            Mode::Edge => {
                let eventfd = super::epoll::EventFd::new()?;
                let wake = Event::readable(super::epoll::WAKE_KEY);
                // SAFETY: the eventfd is owned by the reactor, which also owns the poller; it is
                // closed only when the reactor drops, which removes it from the epoll set.
                unsafe { poller.add_with_mode(eventfd.as_raw_fd(), wake, PollMode::Edge)? };
                Some(eventfd)
            }
            Mode::Oneshot => None,
        };
        Ok(Reactor {
            poller,
            mode,
            registry: Mutex::new(Registry {
                slots: Vec::new(),
                free: Vec::new(),
                shut_down: false,
                failure: None,
            }),
            #[cfg(any(target_os = "linux", target_os = "android"))]
            fast,
            failed: AtomicBool::new(false),
            #[cfg(test)]
            faults: super::faults::Faults::default(),
        })
    }

    /// Adds `fd` to the poller with `key`: on the Linux edge path straight with `epoll_ctl`
    /// (to ask for `EPOLLRDHUP`), otherwise through `polling`.
    fn add_source(&self, fd: BorrowedFd<'_>, key: usize) -> io::Result<()> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if self.fast.is_some() {
            return super::epoll::add_edge(self.poller.as_raw_fd(), fd.as_raw_fd(), key);
        }
        let mode = match self.mode {
            Mode::Edge => PollMode::Edge,
            Mode::Oneshot => PollMode::Oneshot,
        };
        // SAFETY: `fd` is a live descriptor (it is borrowed). `Async` deregisters it (in `drop`,
        // before the owning `T` closes it), which is the obligation `Poller::add` states.
        unsafe {
            self.poller
                .add_with_mode(fd.as_raw_fd(), Event::all(key), mode)
        }
    }

    /// Whether a partial stream transfer may clear readiness (readiness protocol rule 5): true
    /// where a later wait is sure to report what is still pending. In oneshot mode every wait
    /// re-arms, and re-arming reports the current state; with the Linux edge path, hang-ups are
    /// seen (`EPOLLRDHUP`) and kept as a sticky bit. Elsewhere (`polling`'s edge mode on other
    /// systems) an end of stream queued behind the data could be missed, so only `WouldBlock`
    /// clears.
    pub(crate) fn clears_on_partial(&self) -> bool {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if self.fast.is_some() {
            return true;
        }
        self.mode == Mode::Oneshot
    }

    /// The registration mode in use.
    pub(crate) fn mode(&self) -> Mode {
        self.mode
    }

    /// Registers `fd` for both directions.
    ///
    /// # Errors
    /// The poller's error, or an error if the reactor was shut down.
    pub(crate) fn register(&self, fd: BorrowedFd<'_>) -> io::Result<Arc<Registration>> {
        let mut registry = self.registry.lock();
        if let Some(failure) = &registry.failure {
            return Err(io::Error::other(format!(
                "weft-io: this runtime's I/O poller failed ({failure}); no I/O source can be \
                 registered on it any more: build a new runtime"
            )));
        }
        if registry.shut_down {
            return Err(shutdown_error());
        }
        let index = match registry.free.pop() {
            Some(index) => index,
            None => {
                registry.slots.push(Slot {
                    generation: 0,
                    entry: None,
                });
                registry.slots.len() - 1
            }
        };
        if index > INDEX_MASK {
            registry.free.push(index);
            return Err(io::Error::other("too many I/O sources registered"));
        }
        let slot = &mut registry.slots[index];
        let key = make_key(index, slot.generation);
        let registration = Arc::new(Registration {
            io: ScheduledIo::new(),
            key,
            fd: fd.as_raw_fd(),
            armed: AtomicU8::new(0b11),
            arm_lock: Mutex::new(()),
        });
        match self.add_source(fd, key) {
            Ok(()) => {
                slot.entry = Some(registration.clone());
                Ok(registration)
            }
            Err(e) => {
                registry.free.push(index);
                Err(e)
            }
        }
    }

    /// Removes a registration: the poller forgets the fd, the slot is freed for reuse, and every
    /// task still waiting on it is woken (into `wake`) to find the source closed.
    pub(crate) fn deregister(
        &self,
        registration: &Registration,
        fd: BorrowedFd<'_>,
        wake: &mut Vec<Waker>,
    ) -> io::Result<()> {
        let deleted = self.poller.delete(fd);
        {
            let mut registry = self.registry.lock();
            let index = registration.key & INDEX_MASK;
            let owned = registry.get(registration.key).is_some();
            if owned {
                let slot = &mut registry.slots[index];
                slot.entry = None;
                slot.generation = slot.generation.wrapping_add(1) & GENERATION_MASK;
                registry.free.push(index);
            }
        }
        registration.io.close(wake);
        deleted
    }

    /// Oneshot mode: re-arms the source for `direction` (and whichever direction was armed before).
    /// Does nothing in edge mode.
    pub(crate) fn arm(&self, registration: &Registration, direction: Direction) -> io::Result<()> {
        if self.mode == Mode::Edge {
            return Ok(());
        }
        let bit = match direction {
            Direction::Read => 0b01,
            Direction::Write => 0b10,
        };
        let _guard = registration.arm_lock.lock();
        let armed = registration.armed.load(Ordering::Relaxed) | bit;
        registration.armed.store(armed, Ordering::Relaxed);
        let interest = Event::new(registration.key, armed & 0b01 != 0, armed & 0b10 != 0);
        // SAFETY: the registration is alive (we hold it), so its fd is still open: `Async` closes
        // the fd only after deregistering it.
        let fd = unsafe { BorrowedFd::borrow_raw(registration.fd) };
        self.poller
            .modify_with_mode(fd, interest, PollMode::Oneshot)
    }

    /// Waits for events for at most `timeout`, marks the sources that got them, and moves their
    /// wakers into `wake`. Returns the number of events. `EINTR` is retried inside `polling`.
    pub(crate) fn turn(
        &self,
        buffer: &mut EventBuffer,
        timeout: Option<Duration>,
        wake: &mut Vec<Waker>,
    ) -> io::Result<usize> {
        #[cfg(test)]
        if let Some(err) = self.faults.next() {
            return failed_wait(err);
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if self.fast.is_some() {
            let epfd = self.poller.as_raw_fd();
            if super::epoll::wait(epfd, &mut buffer.raw, timeout)? == 0 {
                return Ok(0);
            }
            return Ok(self.dispatch(buffer.raw.iter(), wake));
        }
        buffer.events.clear();
        self.poller.wait(&mut buffer.events, timeout)?;
        let events = buffer
            .events
            .iter()
            .map(|e| (e.key, e.readable, e.writable, e.is_interrupt()));
        Ok(self.dispatch(events, wake))
    }

    /// Marks the sources named by `(key, readable, writable, hangup)` events and collects their
    /// wakers.
    fn dispatch(
        &self,
        events: impl Iterator<Item = (usize, bool, bool, bool)>,
        wake: &mut Vec<Waker>,
    ) -> usize {
        let mut events = events.peekable();
        if events.peek().is_none() {
            return 0; // only a wakeup: no need for the registry
        }
        let registry = self.registry.lock();
        let mut count = 0;
        for (key, readable, writable, hangup) in events {
            let Some(registration) = registry.get(key) else {
                continue; // deregistered since the OS queued the event
            };
            count += 1;
            if hangup {
                registration.io.set_hangup();
            }
            registration.io.set_readiness(readable, writable, wake);
            if self.mode == Mode::Oneshot {
                // The whole source is disarmed now: wake both directions so a waiter that got no
                // readiness re-arms its interest.
                registration.armed.store(0, Ordering::Relaxed);
                registration.io.take_wakers(wake);
            }
        }
        count
    }

    /// Wakes the current or next [`turn`](Reactor::turn).
    pub(crate) fn notify(&self) -> io::Result<()> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if let Some(eventfd) = &self.fast {
            return eventfd.wake();
        }
        self.poller.notify()
    }

    /// Gives the poller up after `err`, an error that waiting again would only repeat (`EBADF`:
    /// its descriptor was closed under it, `EINVAL`, `EFAULT`): closes every registration, so
    /// their waiters wake to an error instead of waiting for events that can no longer come, and
    /// refuses new ones with an error that names `err`. Timers and wake-ups go on without the
    /// poller (see the driver's `park`).
    pub(crate) fn fail(&self, err: &io::Error, wake: &mut Vec<Waker>) {
        let mut registry = self.registry.lock();
        registry.failure = Some(err.to_string());
        self.failed.store(true, Ordering::Release);
        for slot in &registry.slots {
            if let Some(entry) = &slot.entry {
                entry.io.close_poller_failed(wake);
            }
        }
    }

    /// Whether [`fail`](Reactor::fail) gave the poller up.
    pub(crate) fn is_failed(&self) -> bool {
        self.failed.load(Ordering::Acquire)
    }

    /// Closes every registration and refuses new ones; their waiters are moved into `wake`.
    pub(crate) fn shutdown(&self, wake: &mut Vec<Waker>) {
        let mut registry = self.registry.lock();
        registry.shut_down = true;
        for slot in &registry.slots {
            if let Some(entry) = &slot.entry {
                entry.io.close(wake);
            }
        }
    }

    /// The number of live registrations (for tests and diagnostics).
    pub(crate) fn registered(&self) -> usize {
        let registry = self.registry.lock();
        registry.slots.len() - registry.free.len()
    }
}

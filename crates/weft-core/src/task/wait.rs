//! What a task waits on, for task dumps: the weft resource and the line of code that awaits it.
//!
//! weft's resource futures (sleep, channel receive, lock, socket read and accept, ...) are made by
//! `#[track_caller]` functions that keep their caller's [`Location`] and wrap the future in
//! [`WaitOn`] (or keep a [`WaitSite`] themselves). When it returns `Pending` inside a task, it
//! writes the resource and that location into the task's header: one thread-local read and **one
//! store** per `Pending` (the kind and the location's address are packed into one word when the
//! future is made). The runner clears the record before each poll, so a dump shows what the
//! task's *last* poll waited on, or nothing if that was not a weft resource.
//!
//! A future awaited directly (a `JoinHandle`, a oneshot `Receiver`) takes the line from
//! `#[track_caller]` on its `poll`: the `.await` passes it. Awaited through a combinator that
//! polls it from library code (`&mut fut` in `select!`, `FuturesUnordered`), the line is the
//! combinator's.

use std::fmt;
use std::future::Future;
use std::num::NonZeroUsize;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::task::{Context, Poll};

/// The kinds of weft resources a task can wait on (see [`WaitingOn`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Resource {
    /// A timer: `sleep`, `sleep_until`, `Interval::tick`, the deadline of `timeout`.
    Sleep,
    /// Receiving from an mpsc channel (`recv`).
    Recv,
    /// Sending into a full mpsc channel (`send`).
    Send,
    /// Waiting for a `Mutex` (`lock`).
    Lock,
    /// Reading from a socket or a pipe (`read`, `recv`, `recv_from`, `peek`, ...).
    Read,
    /// Writing to a socket or a pipe (`write`, `send`, `send_to`, ...).
    Write,
    /// Accepting a connection.
    Accept,
    /// Another task's `JoinHandle` (the location is the line that awaits the handle).
    Join,
    /// Waiting for a socket or descriptor to become readable (`readable`, `AsyncFd::readable`).
    Readable,
    /// Waiting for a socket or descriptor to become writable (`writable`, `AsyncFd::writable`).
    Writable,
    /// Receiving from a oneshot channel (awaiting its `Receiver`).
    OneshotRecv,
    /// Receiving from a broadcast channel (`recv`).
    BroadcastRecv,
    /// Waiting for a watch channel's value to change (`changed`, `wait_for`).
    WatchChanged,
    /// Waiting for shared access to an `RwLock` (`read`).
    ReadLock,
    /// Waiting for exclusive access to an `RwLock` (`write`).
    WriteLock,
    /// Waiting for `Semaphore` permits (`acquire`).
    Acquire,
    /// Waiting for a `Notify` (`notified`).
    Notified,
    /// Waiting at a `Barrier` (`wait`).
    Barrier,
    /// Waiting for a child process to exit (`Child::wait`).
    ChildWait,
    /// Waiting for a signal (`Signal::recv`, `ctrl_c`).
    Signal,
    /// Connecting a socket (`TcpStream::connect`, `TcpSocket::connect`, `UnixStream::connect`).
    Connect,
}

const KINDS: [Resource; 21] = [
    Resource::Sleep,
    Resource::Recv,
    Resource::Send,
    Resource::Lock,
    Resource::Read,
    Resource::Write,
    Resource::Accept,
    Resource::Join,
    Resource::Readable,
    Resource::Writable,
    Resource::OneshotRecv,
    Resource::BroadcastRecv,
    Resource::WatchChanged,
    Resource::ReadLock,
    Resource::WriteLock,
    Resource::Acquire,
    Resource::Notified,
    Resource::Barrier,
    Resource::ChildWait,
    Resource::Signal,
    Resource::Connect,
];

/// Bits a packed word spends below the location's address: one tag bit (1: packed) and five for
/// the kind (up to 32 kinds).
const SHIFT: u32 = 6;
const KIND_BITS: usize = 0b1_1111;

impl Resource {
    fn index(self) -> usize {
        self as usize
    }

    /// The words to say in a dump.
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Sleep => "sleep",
            Resource::Recv => "recv",
            Resource::Send => "send",
            Resource::Lock => "lock",
            Resource::Read => "read",
            Resource::Write => "write",
            Resource::Accept => "accept",
            Resource::Join => "join",
            Resource::Readable => "readable",
            Resource::Writable => "writable",
            Resource::OneshotRecv => "oneshot recv",
            Resource::BroadcastRecv => "broadcast recv",
            Resource::WatchChanged => "watch changed",
            Resource::ReadLock => "read lock",
            Resource::WriteLock => "write lock",
            Resource::Acquire => "acquire",
            Resource::Notified => "notified",
            Resource::Barrier => "barrier wait",
            Resource::ChildWait => "child wait",
            Resource::Signal => "signal",
            Resource::Connect => "connect",
        }
    }
}

/// What a task's last poll waited on: a weft resource and the line that awaits it.
///
/// The location is always exact. The kind is packed with the location's address into one word;
/// where the address leaves no room for it (its top six bits in use, as a tagged pointer or a
/// 32-bit address above 64 MiB would) it is `None`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitingOn {
    /// The resource, if it could be recorded (see above).
    pub resource: Option<Resource>,
    /// The `file:line` that awaits it.
    pub at: &'static Location<'static>,
}

impl fmt::Display for WaitingOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.resource {
            Some(r) => write!(f, "{} at {}", r.as_str(), self.at),
            None => write!(f, "weft resource at {}", self.at),
        }
    }
}

/// The task header's record of what it waits on (0: nothing recorded this poll).
#[derive(Default)]
pub(super) struct WaitSlot(AtomicUsize);

impl WaitSlot {
    #[inline(always)]
    pub(super) fn clear(&self) {
        self.0.store(0, Relaxed);
    }

    #[inline(always)]
    pub(super) fn set(&self, word: usize) {
        self.0.store(word, Relaxed);
    }

    pub(super) fn get(&self) -> Option<WaitingOn> {
        decode(self.0.load(Relaxed))
    }

    #[inline(always)]
    fn is_set(&self) -> bool {
        self.0.load(Relaxed) != 0
    }
}

/// A resource and the line that awaits it, packed into the one word a `Pending` stores (made once,
/// when the resource future is made, so recording it is a single store).
///
/// The word is the location's address shifted up by six bits, the kind and a tag bit below;
/// when the address's top bits are in use the word is the bare address (tag bit clear: a
/// `Location` is at least 4-aligned), and the kind is lost.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct WaitSite(NonZeroUsize);

impl WaitSite {
    /// `resource`, awaited at `at`.
    #[inline]
    pub fn new(resource: Resource, at: &'static Location<'static>) -> WaitSite {
        let addr = at as *const Location<'static> as usize;
        let word = if addr >> (usize::BITS - SHIFT) == 0 {
            (addr << SHIFT) | (resource.index() << 1) | 1
        } else {
            addr
        };
        // A reference's address is never 0, and the packed form has its tag bit set.
        WaitSite(NonZeroUsize::new(word).expect("a Location's address is not 0"))
    }

    /// `resource`, awaited by the caller (pass the location through with `#[track_caller]`).
    #[track_caller]
    #[inline]
    pub fn caller(resource: Resource) -> WaitSite {
        WaitSite::new(resource, Location::caller())
    }

    /// Records in the running task (if any) that it waits here: one thread-local read and one
    /// store. Call it when the resource future returns `Pending`.
    #[inline]
    pub fn record(self) {
        super::current::with_current_diag(|diag| diag.waiting_on.set(self.0.get()));
    }

    /// Records that the running task waits here unless something it awaits inside (a weft
    /// resource future polled by a combinator such as `timeout`) recorded a wait already in this
    /// poll: one load and at most one store.
    #[inline]
    pub fn record_unless_recorded(self) {
        super::current::with_current_diag(|diag| {
            if !diag.waiting_on.is_set() {
                diag.waiting_on.set(self.0.get());
            }
        });
    }

    /// The resource and the location, unpacked.
    pub fn get(self) -> WaitingOn {
        decode(self.0.get()).expect("a WaitSite's word is never 0")
    }
}

impl fmt::Debug for WaitSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.get(), f)
    }
}

fn decode(word: usize) -> Option<WaitingOn> {
    if word == 0 {
        return None;
    }
    let (addr, resource) = if word & 1 == 1 {
        (word >> SHIFT, KINDS.get((word >> 1) & KIND_BITS).copied())
    } else {
        (word, None)
    };
    // SAFETY: a non-zero word was made by `WaitSite::new` from a `&'static Location`: either its
    // address shifted up by `SHIFT` bits whose top `SHIFT` bits were clear (tag bit set), or the
    // address itself (tag bit clear); undoing that gives the reference back.
    let at = unsafe { &*(addr as *const Location<'static>) };
    Some(WaitingOn { resource, at })
}

/// Records in the running task (if any) that it waits on `resource` at `at` (a resource future
/// that keeps a [`WaitSite`] records with one store and no packing).
#[inline]
pub fn record_wait(resource: Resource, at: &'static Location<'static>) {
    WaitSite::new(resource, at).record();
}

/// A resource future that tells the task it runs in what it waits on when it returns `Pending`
/// (made by [`wait_on`]).
///
/// # Examples
///
/// ```
/// use weft_core::task::{wait_on, Resource};
///
/// #[track_caller]
/// fn my_recv() -> impl std::future::Future<Output = u32> {
///     // The dump of a task stuck here shows "recv at <the caller's file:line>".
///     wait_on(Resource::Recv, async { 7 })
/// }
/// assert_eq!(futures_executor::block_on(my_recv()), 7);
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct WaitOn<F> {
    inner: F,
    site: WaitSite,
}

/// Wraps the resource future `inner` so that a task waiting on it records `resource` and the
/// caller's location (pass it through with `#[track_caller]` on the function that makes the
/// future).
#[track_caller]
#[inline]
pub fn wait_on<F: Future>(resource: Resource, inner: F) -> WaitOn<F> {
    WaitOn {
        inner,
        site: WaitSite::new(resource, Location::caller()),
    }
}

impl<F: Future> Future for WaitOn<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `inner` is structurally pinned: never moved out, and `WaitOn` has no Drop or
        // Unpin impl of its own that would move it.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        let inner = unsafe { Pin::new_unchecked(&mut this.inner) };
        let out = inner.poll(cx);
        if out.is_pending() {
            this.site.record();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_with_its_location() {
        assert!(KINDS.len() <= KIND_BITS + 1);
        for (i, kind) in KINDS.into_iter().enumerate() {
            assert_eq!(kind.index(), i, "KINDS is in declaration order");
            let at = Location::caller();
            let back = WaitSite::new(kind, at).get();
            assert!(std::ptr::eq(back.at, at));
            // This target's statics sit low in the address space: the kind fits.
            assert_eq!(back.resource, Some(kind));
        }
        assert_eq!(decode(0), None);
    }

    #[test]
    fn an_address_with_its_top_bits_in_use_keeps_the_location_and_loses_the_kind() {
        let at = Location::caller();
        let addr = at as *const Location<'static> as usize;
        // The bare-address form, as `new` makes it for a high address.
        let back = decode(addr).unwrap();
        assert!(std::ptr::eq(back.at, at));
        assert_eq!(back.resource, None);
        assert_eq!(back.to_string(), format!("weft resource at {at}"));
    }
}

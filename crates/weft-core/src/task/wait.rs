//! What a task waits on, for task dumps: the weft resource and the line of code that awaits it.
//!
//! weft's resource futures (sleep, channel receive, lock, socket read and accept, ...) are made by
//! `#[track_caller]` functions that keep their caller's [`Location`] and wrap the future in
//! [`WaitOn`]. When it returns `Pending` inside a task, `WaitOn` writes the resource and that
//! location into the task's header: one thread-local read and **one store** per `Pending` (the
//! kind of resource rides in the low bits of the location's address, which its alignment leaves
//! free). The runner clears the record before each poll, so a dump shows what the task's *last*
//! poll waited on, or nothing if that was not a weft resource.

use std::fmt;
use std::future::Future;
use std::mem::align_of;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::task::{Context, Poll};

/// The kinds of weft resources a task can wait on (see [`WaitingOn`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Resource {
    /// A timer: `sleep`, `timeout`, `Interval::tick`.
    Sleep,
    /// Receiving from a channel (mpsc, oneshot, broadcast, watch).
    Recv,
    /// Sending into a full channel.
    Send,
    /// Acquiring a lock or a semaphore permit.
    Lock,
    /// Reading from a socket, pipe or file.
    Read,
    /// Writing to a socket, pipe or file.
    Write,
    /// Accepting a connection.
    Accept,
    /// Another task's `JoinHandle` (the location is where that task was spawned).
    Join,
}

const KINDS: [Resource; 8] = [
    Resource::Sleep,
    Resource::Recv,
    Resource::Send,
    Resource::Lock,
    Resource::Read,
    Resource::Write,
    Resource::Accept,
    Resource::Join,
];

/// How many low bits of a `&'static Location` are always zero (8 kinds need 3: 64-bit targets).
const FREE_BITS: u32 = align_of::<Location<'static>>().trailing_zeros();
const KIND_MASK: usize = (1 << FREE_BITS) - 1;

impl Resource {
    fn index(self) -> usize {
        self as usize
    }

    /// The word to say in a dump.
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
        }
    }
}

/// What a task's last poll waited on: a weft resource and the line that awaits it.
///
/// The location is always exact. The kind is recorded in free low bits of the location's address;
/// on targets where its alignment leaves fewer than three (32-bit ones) it is `None`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitingOn {
    /// The resource, if this target can record it (see above).
    pub resource: Option<Resource>,
    /// The `file:line` that awaits it (for [`Resource::Join`]: where the awaited task was
    /// spawned).
    pub at: &'static Location<'static>,
}

impl fmt::Display for WaitingOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.resource {
            Some(Resource::Join) => write!(f, "join of the task spawned at {}", self.at),
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
}

/// Whether the kind fits in the free bits (three are needed for the eight kinds).
const KIND_FITS: bool = FREE_BITS >= 3;

fn encode(resource: Resource, at: &'static Location<'static>) -> usize {
    let addr = at as *const Location<'static> as usize;
    if KIND_FITS {
        addr | resource.index()
    } else {
        addr
    }
}

fn decode(word: usize) -> Option<WaitingOn> {
    if word == 0 {
        return None;
    }
    let addr = word & !KIND_MASK;
    // SAFETY: a non-zero word was made by `encode` from a `&'static Location` whose address has
    // its low `FREE_BITS` clear (alignment); masking them off gives that reference back.
    let at = unsafe { &*(addr as *const Location<'static>) };
    Some(WaitingOn {
        resource: KIND_FITS.then(|| KINDS[word & KIND_MASK & 7]),
        at,
    })
}

/// Records in the running task (if any) that it waits on `resource` at `at`.
#[inline]
pub fn record_wait(resource: Resource, at: &'static Location<'static>) {
    super::current::with_current_diag(|diag| diag.waiting_on.set(encode(resource, at)));
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
    resource: Resource,
    at: &'static Location<'static>,
}

/// Wraps the resource future `inner` so that a task waiting on it records `resource` and the
/// caller's location (pass it through with `#[track_caller]` on the function that makes the
/// future).
#[track_caller]
#[inline]
pub fn wait_on<F: Future>(resource: Resource, inner: F) -> WaitOn<F> {
    WaitOn {
        inner,
        resource,
        at: Location::caller(),
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
            record_wait(this.resource, this.at);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_with_its_location() {
        for kind in KINDS {
            let at = Location::caller();
            let back = decode(encode(kind, at)).unwrap();
            assert!(std::ptr::eq(back.at, at));
            if KIND_FITS {
                assert_eq!(back.resource, Some(kind));
            }
        }
        assert_eq!(decode(0), None);
    }
}

//! The Linux fast path for waiting: `epoll_wait` straight on the poller's epoll descriptor, woken
//! by an edge-triggered `eventfd`.
//!
//! `polling::Poller::wait` re-arms a timerfd and its own notifier around every wait (about five
//! syscalls per turn). weft registers sources through `polling` (epoll_ctl) but, on Linux with
//! edge-triggered mode, waits itself: one `epoll_wait` per turn with a millisecond timeout (the
//! timer wheel's resolution, rounded up so a wait never ends before its tick), and one `write` to
//! an eventfd to wake it. The eventfd is registered edge-triggered: every write is a new edge, so
//! it is never read except to reset a counter that would overflow.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// The key of the wake eventfd (sources use keys with the top bit clear; `polling` keeps
/// `usize::MAX` for its own descriptors).
pub(crate) const WAKE_KEY: usize = usize::MAX - 1;

/// An eventfd that wakes the thread waiting in `epoll_wait`.
#[derive(Debug)]
pub(crate) struct EventFd(OwnedFd);

impl EventFd {
    pub(crate) fn new() -> io::Result<EventFd> {
        // SAFETY: eventfd takes no pointers; a negative result is an error, checked below.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just created and is owned by nobody else.
        Ok(EventFd(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    pub(crate) fn as_raw_fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }

    /// Adds one to the counter: a new edge for the waiting thread.
    pub(crate) fn wake(&self) -> io::Result<()> {
        let one: u64 = 1;
        loop {
            // SAFETY: writes 8 bytes from a live u64 to a descriptor we own.
            let n = unsafe {
                libc::write(
                    self.as_raw_fd(),
                    (&one as *const u64).cast::<libc::c_void>(),
                    8,
                )
            };
            if n == 8 {
                return Ok(());
            }
            let err = io::Error::last_os_error();
            match err.kind() {
                io::ErrorKind::Interrupted => continue,
                // The counter is full (never read): reset it, then write again.
                io::ErrorKind::WouldBlock => self.reset(),
                _ => return Err(err),
            }
        }
    }

    fn reset(&self) {
        let mut value: u64 = 0;
        // SAFETY: reads at most 8 bytes into a live u64 from a descriptor we own.
        let _ = unsafe {
            libc::read(
                self.as_raw_fd(),
                (&mut value as *mut u64).cast::<libc::c_void>(),
                8,
            )
        };
    }
}

/// Adds `fd` to the epoll set `epfd`, edge-triggered, for reading, writing and peer hang-up
/// (`EPOLLRDHUP`, which `polling` cannot ask for: the readiness protocol needs it, see
/// `scheduled_io` rule 5), with `key` as its token.
///
/// The caller must remove `fd` from the set before closing it (what `polling`'s `add` asks too).
pub(crate) fn add_edge(epfd: RawFd, fd: RawFd, key: usize) -> io::Result<()> {
    let mut event = libc::epoll_event {
        events: (libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLRDHUP | libc::EPOLLET) as u32,
        u64: key as u64,
    };
    // SAFETY: `event` is a live epoll_event the kernel only reads; the descriptors are plain
    // integers (a stale one makes the call fail with EBADF, which is returned as an error).
    if unsafe { libc::epoll_ctl(epfd, libc::EPOLL_CTL_ADD, fd, &mut event) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The events of one `epoll_wait`.
pub(crate) struct RawEvents(Vec<libc::epoll_event>);

impl RawEvents {
    pub(crate) fn with_capacity(capacity: usize) -> RawEvents {
        RawEvents(Vec::with_capacity(capacity))
    }

    /// `(key, readable, writable, hangup)` of each event, skipping the wake eventfd and
    /// `polling`'s own. `hangup`: the peer closed its side or the socket failed (`EPOLLRDHUP`,
    /// `EPOLLHUP`, `EPOLLERR`), a condition later reads see without a new edge.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, bool, bool, bool)> + '_ {
        const READ: u32 = (libc::EPOLLIN | libc::EPOLLHUP | libc::EPOLLERR | libc::EPOLLPRI) as u32;
        const WRITE: u32 = (libc::EPOLLOUT | libc::EPOLLHUP | libc::EPOLLERR) as u32;
        const HANGUP: u32 = (libc::EPOLLRDHUP | libc::EPOLLHUP | libc::EPOLLERR) as u32;
        self.0.iter().filter_map(|ev| {
            // Copies: `epoll_event` is packed on some targets.
            let (key, flags) = (ev.u64 as usize, ev.events);
            (key < WAKE_KEY).then_some((
                key,
                flags & READ != 0,
                flags & WRITE != 0,
                flags & HANGUP != 0,
            ))
        })
    }
}

/// Waits on `epfd` for at most `timeout` (rounded up to a millisecond); `EINTR` returns no events
/// (a spurious wakeup, which the park contract allows).
pub(crate) fn wait(
    epfd: RawFd,
    events: &mut RawEvents,
    timeout: Option<Duration>,
) -> io::Result<usize> {
    let ms: libc::c_int = match timeout {
        None => -1,
        Some(t) => t
            .as_nanos()
            .div_ceil(1_000_000)
            .min(libc::c_int::MAX as u128) as libc::c_int,
    };
    let list = &mut events.0;
    list.clear();
    let capacity = list.capacity().min(libc::c_int::MAX as usize) as libc::c_int;
    // SAFETY: the buffer has room for `capacity` events; the kernel writes at most that many and
    // returns how many, which is the length we then set.
    let n = unsafe { libc::epoll_wait(epfd, list.as_mut_ptr(), capacity, ms) };
    if n < 0 {
        return super::poller::failed_wait(io::Error::last_os_error());
    }
    // SAFETY: the kernel initialised the first `n <= capacity` entries.
    unsafe { list.set_len(n as usize) };
    Ok(n as usize)
}

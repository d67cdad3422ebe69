//! The readiness of one registered source, shared by the reactor (which sets it) and the tasks
//! doing I/O on the source (which wait for it and clear it).
//!
//! # The readiness protocol
//!
//! One atomic word holds, per direction, a *ready* bit and a *tick* that counts the readiness
//! events of that direction, plus a *closed* bit:
//!
//! ```text
//!  bit 0      readable          bits  8..32  read tick  (wrapping, 24 bits)
//!  bit 1      writable          bits 32..56  write tick (wrapping, 24 bits)
//!  bit 2      closed (reactor shut down, or gave its poller up)
//!  bit 3      hang-up (sticky: the peer closed or the socket failed; see rule 5)
//!  bit 4      poller failed (set with closed when the reactor gave its poller up)
//! ```
//!
//! 1. The reactor, on an event for a direction, sets its ready bit and increments its tick (one
//!    atomic RMW), then takes the direction's waker and wakes it after its locks are released.
//! 2. A task doing I/O first takes a [`ReadyEvent`] snapshot, *then* tries the syscall
//!    (optimistically: the ready bit need not be set).
//! 3. On `WouldBlock` it calls [`ScheduledIo::clear_readiness`] with that snapshot: the ready bit is
//!    cleared only if the tick is unchanged. An event that arrived between the snapshot and the
//!    clear (between the failed syscall and the registration of interest) bumped the tick, so its
//!    readiness survives and the task retries instead of sleeping through it. (With edge-triggered
//!    polling the OS reports that event only once: losing it would hang the task.)
//! 4. It then registers its waker and re-reads the word ([`ScheduledIo::poll_ready`]); if the bit
//!    is set it retries, otherwise it sleeps until step 1 wakes it.
//!
//! Registering the waker and then re-reading, against the reactor's setting the bit and then taking
//! the waker, means one of the two always sees the other: no wakeup is lost.
//!
//! 5. A cleared bit after at least one event ([`ReadyEvent::is_drained`]) means "the OS said
//!    drained and has not reported the direction since": the next operation skips the syscall and
//!    goes straight to step 4. Stream reads and writes (`Async`'s futures-io impls) also clear
//!    with step 3 after a *partial* transfer (fewer bytes than asked: the socket buffer was
//!    emptied, or filled), which saves the `WouldBlock` syscall a request/response protocol would
//!    otherwise make on every exchange (tokio does the same). The tick check keeps this as safe
//!    as step 3: data that arrives after the snapshot bumps the tick and survives the clear.
//!    A partial read does not prove that nothing is pending, though: an end of stream (or an
//!    error) queued behind the data is reported by the OS once, with the data's edge. So the
//!    reactor records hang-ups (`EPOLLRDHUP`, `EPOLLHUP`, `EPOLLERR`) in a sticky bit *before*
//!    bumping the tick, and [`ScheduledIo::clear_after_partial`] leaves readiness alone once it is
//!    set; the reactor allows partial clears only where it sees hang-ups (or re-arms per wait).

use std::io;
use std::task::{Context, Poll, Waker};

use super::waiters::{WaiterKey, Waiters};
use weft_core::loom::sync::atomic::{AtomicU64, Ordering};

// The bits of the readiness word, laid out as in the module docs.
/// The read direction's ready bit.
const READABLE: u64 = 1 << 0;
/// The write direction's ready bit.
const WRITABLE: u64 = 1 << 1;
/// The source was closed (its reactor shut down or gave its poller up); sticky.
const CLOSED: u64 = 1 << 2;
/// Sticky: the OS reported a hang-up or error; a partial transfer no longer proves "drained".
const HANGUP: u64 = 1 << 3;
/// Set with `CLOSED` when the reactor gave its poller up rather than shut down: says which error
/// the source's operations get.
const POLLER_FAILED: u64 = 1 << 4;
/// A tick's 24 bits. A task compares the tick it saw before a syscall with the tick when it
/// clears the readiness after `WouldBlock` (rule 3); a wrap could fool it only if a multiple of
/// 2^24 events of one direction arrived during that one syscall.
const TICK_MASK: u64 = (1 << 24) - 1;
/// Where the read tick starts (above the four flag bits, byte-aligned).
const READ_TICK_SHIFT: u32 = 8;
/// Where the write tick starts (bits 32..56, clear of the read tick's 8..32).
const WRITE_TICK_SHIFT: u32 = 32;

/// A direction of I/O on a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Reading (and accepting, receiving, end of stream).
    Read,
    /// Writing (and connecting, sending).
    Write,
}

impl Direction {
    fn ready_bit(self) -> u64 {
        match self {
            Direction::Read => READABLE,
            Direction::Write => WRITABLE,
        }
    }

    fn tick_shift(self) -> u32 {
        match self {
            Direction::Read => READ_TICK_SHIFT,
            Direction::Write => WRITE_TICK_SHIFT,
        }
    }

    fn tick(self, word: u64) -> u32 {
        ((word >> self.tick_shift()) & TICK_MASK) as u32
    }
}

/// A snapshot of one direction's readiness, taken before a syscall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadyEvent {
    direction: Direction,
    tick: u32,
    ready: bool,
}

impl ReadyEvent {
    /// Whether the direction was marked ready.
    #[cfg(test)]
    pub fn is_ready(&self) -> bool {
        self.ready
    }

    /// Whether an operation found the direction drained after its last event (the ready bit was
    /// cleared by [`ScheduledIo::clear_readiness`], rule 5): a syscall now cannot succeed, so the
    /// caller waits for the next event instead of trying. A source that never had an event (tick
    /// 0) is not known drained: its first operation is optimistic.
    pub fn is_drained(&self) -> bool {
        !self.ready && self.tick != 0
    }
}

/// The shared state of one registered source (see the module docs for the protocol).
#[derive(Debug)]
pub struct ScheduledIo {
    readiness: AtomicU64,
    reader: Waiters,
    writer: Waiters,
}

/// The error of an operation on a source whose reactor shut down (the runtime that owned it
/// ended), or of a registration after that: a [`weft_core::ShutdownError`].
pub fn shutdown_error() -> io::Error {
    weft_core::ShutdownError::new("an operation on an I/O source").into()
}

/// The error of an operation on a source whose reactor gave its poller up (see the driver's
/// `park`): no event can come for it any more.
fn poller_failed_error() -> io::Error {
    io::Error::other(
        "the I/O source's poller failed for good and its reactor gave it up: no event can come \
         for the source any more (build a new runtime)",
    )
}

/// The error for a source whose readiness word has the closed bit: why it was closed.
fn closed_error(word: u64) -> io::Error {
    if word & POLLER_FAILED != 0 {
        poller_failed_error()
    } else {
        shutdown_error()
    }
}

impl ScheduledIo {
    /// A source with no readiness yet.
    pub fn new() -> Self {
        ScheduledIo {
            readiness: AtomicU64::new(0),
            reader: Waiters::default(),
            writer: Waiters::default(),
        }
    }

    fn waiters(&self, direction: Direction) -> &Waiters {
        match direction {
            Direction::Read => &self.reader,
            Direction::Write => &self.writer,
        }
    }

    /// Step 1 (reactor): records an event for the given directions and moves the waiting wakers
    /// into `wake` (called by the reactor after it drops its locks).
    pub fn set_readiness(&self, readable: bool, writable: bool, wake: &mut Vec<Waker>) {
        let bump = |word: u64, dir: Direction| {
            let shift = dir.tick_shift();
            let tick = (dir.tick(word) as u64 + 1) & TICK_MASK;
            (word & !(TICK_MASK << shift)) | (tick << shift) | dir.ready_bit()
        };
        let mut current = self.readiness.load(Ordering::Acquire);
        loop {
            let mut next = current;
            if readable {
                next = bump(next, Direction::Read);
            }
            if writable {
                next = bump(next, Direction::Write);
            }
            match self.readiness.compare_exchange_weak(
                current,
                next,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(actual) => current = actual,
            }
        }
        if readable {
            self.reader.take_into(wake);
        }
        if writable {
            self.writer.take_into(wake);
        }
    }

    /// Records a hang-up or error event (sticky; called before [`set_readiness`] for the same
    /// event, so a reader that sees the new tick also sees the bit).
    ///
    /// [`set_readiness`]: ScheduledIo::set_readiness
    pub fn set_hangup(&self) {
        self.readiness.fetch_or(HANGUP, Ordering::AcqRel);
    }

    /// Rule 5: after a partial transfer, clears the direction's readiness as
    /// [`clear_readiness`](ScheduledIo::clear_readiness) does, unless a hang-up was seen (then
    /// whatever is pending, an end of stream or an error, must be read without waiting).
    pub fn clear_after_partial(&self, event: ReadyEvent) {
        self.clear(event, HANGUP);
    }

    /// Marks the source closed (its reactor shut down) and moves every waiting waker into
    /// `wake`: their next poll gets a [`weft_core::ShutdownError`] instead of hanging.
    pub fn close(&self, wake: &mut Vec<Waker>) {
        self.close_with(CLOSED, wake);
    }

    /// As [`close`](ScheduledIo::close), for a reactor that gave its poller up: the next poll
    /// gets an error that says so.
    pub fn close_poller_failed(&self, wake: &mut Vec<Waker>) {
        self.close_with(CLOSED | POLLER_FAILED, wake);
    }

    fn close_with(&self, bits: u64, wake: &mut Vec<Waker>) {
        self.readiness.fetch_or(bits, Ordering::AcqRel);
        self.reader.take_into(wake);
        self.writer.take_into(wake);
    }

    /// Moves both directions' waiting wakers into `wake` without changing readiness (oneshot mode:
    /// every event disarms the source, so every waiter must look again and re-arm).
    pub fn take_wakers(&self, wake: &mut Vec<Waker>) {
        self.reader.take_into(wake);
        self.writer.take_into(wake);
    }

    /// Whether the source was closed.
    pub fn is_closed(&self) -> bool {
        self.readiness.load(Ordering::Acquire) & CLOSED != 0
    }

    /// The error of an operation on this source once it is [closed](ScheduledIo::is_closed): a
    /// [`weft_core::ShutdownError`] if its reactor shut down, another error if the reactor gave
    /// its poller up.
    pub fn closed_error(&self) -> io::Error {
        closed_error(self.readiness.load(Ordering::Acquire))
    }

    /// Step 2: the snapshot to take before a syscall.
    pub fn snapshot(&self, direction: Direction) -> ReadyEvent {
        let word = self.readiness.load(Ordering::Acquire);
        ReadyEvent {
            direction,
            tick: direction.tick(word),
            ready: word & direction.ready_bit() != 0,
        }
    }

    /// Step 3: after a `WouldBlock`, clears the direction's ready bit unless an event arrived since
    /// `event` was taken.
    pub fn clear_readiness(&self, event: ReadyEvent) {
        self.clear(event, 0);
    }

    /// Clears `event`'s ready bit unless its tick moved on or a bit of `unless` is set.
    fn clear(&self, event: ReadyEvent, unless: u64) {
        let dir = event.direction;
        let mut current = self.readiness.load(Ordering::Acquire);
        loop {
            if dir.tick(current) != event.tick
                || current & dir.ready_bit() == 0
                || current & unless != 0
            {
                return;
            }
            match self.readiness.compare_exchange_weak(
                current,
                current & !dir.ready_bit(),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }

    /// Step 4: ready (with a fresh snapshot) if the direction is marked ready; otherwise registers
    /// the task's waker, calls `arm` (the reactor's re-arm in oneshot mode), re-checks, and returns
    /// `Pending`. An error if the source was closed.
    ///
    /// The waker is registered once per task until the next event (the `poll_*` methods, which
    /// have nowhere to keep a key); futures use [`poll_ready_keyed`](Self::poll_ready_keyed).
    pub fn poll_ready(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        arm: impl FnOnce() -> io::Result<()>,
    ) -> Poll<io::Result<ReadyEvent>> {
        self.poll_ready_inner(direction, cx, None, arm)
    }

    /// [`poll_ready`](Self::poll_ready) for a future that keeps `key`: its entry is updated when
    /// it polls again, and [`remove_waiter`](Self::remove_waiter) takes it out when the future is
    /// dropped, so a cancelled wait leaves nothing behind.
    pub fn poll_ready_keyed(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        key: &mut Option<WaiterKey>,
        arm: impl FnOnce() -> io::Result<()>,
    ) -> Poll<io::Result<ReadyEvent>> {
        self.poll_ready_inner(direction, cx, Some(key), arm)
    }

    fn poll_ready_inner(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        key: Option<&mut Option<WaiterKey>>,
        arm: impl FnOnce() -> io::Result<()>,
    ) -> Poll<io::Result<ReadyEvent>> {
        if let Some(ready) = self.check(direction) {
            return Poll::Ready(ready);
        }
        self.waiters(direction).register(cx.waker(), key);
        if let Err(e) = arm() {
            return Poll::Ready(Err(e));
        }
        match self.check(direction) {
            Some(ready) => Poll::Ready(ready),
            None => Poll::Pending,
        }
    }

    /// Takes out the entry of a keyed waiter whose future is dropped (nothing if an event already
    /// moved it out). Its waker is dropped after the list's lock is released.
    pub fn remove_waiter(&self, direction: Direction, key: WaiterKey) {
        drop(self.waiters(direction).remove(key));
    }

    /// How many tasks wait in `direction` (for the loom models).
    #[cfg(loom)]
    pub fn waiter_count(&self, direction: Direction) -> usize {
        self.waiters(direction).len()
    }

    fn check(&self, direction: Direction) -> Option<io::Result<ReadyEvent>> {
        let word = self.readiness.load(Ordering::Acquire);
        if word & CLOSED != 0 {
            return Some(Err(closed_error(word)));
        }
        if word & direction.ready_bit() != 0 {
            return Some(Ok(ReadyEvent {
                direction,
                tick: direction.tick(word),
                ready: true,
            }));
        }
        None
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use futures_util::task::noop_waker;

    /// The deterministic form of the lost-wakeup race: an event lands between the failed syscall
    /// and the clear. Without the tick check, `clear_readiness` would erase it and the task would
    /// sleep with data waiting (for ever, under edge-triggered polling).
    #[test]
    fn event_between_failed_syscall_and_clear_is_kept() {
        let io = ScheduledIo::new();
        let mut wake = Vec::new();
        io.set_readiness(true, false, &mut wake);
        let before = io.snapshot(Direction::Read);
        assert!(before.is_ready());
        // The syscall fails with WouldBlock here; meanwhile the reactor sees a new event.
        io.set_readiness(true, false, &mut wake);
        io.clear_readiness(before);
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(matches!(
            io.poll_ready(Direction::Read, &mut cx, || Ok(())),
            Poll::Ready(Ok(_))
        ));
    }

    /// Rule 5: a fresh source is not known drained; a cleared one is; a hang-up keeps readiness
    /// through a partial transfer (an end of stream may be queued behind the data) but not
    /// through a `WouldBlock`.
    #[test]
    fn drained_state_and_sticky_hangup() {
        let io = ScheduledIo::new();
        let mut wake = Vec::new();
        assert!(
            !io.snapshot(Direction::Read).is_drained(),
            "never had an event"
        );
        io.set_readiness(true, true, &mut wake);
        io.clear_after_partial(io.snapshot(Direction::Read));
        assert!(io.snapshot(Direction::Read).is_drained());
        assert!(!io.snapshot(Direction::Write).is_drained());

        io.set_hangup();
        io.set_readiness(true, false, &mut wake);
        io.clear_after_partial(io.snapshot(Direction::Read));
        assert!(io.snapshot(Direction::Read).is_ready(), "hang-up is sticky");
        io.clear_readiness(io.snapshot(Direction::Read));
        assert!(
            io.snapshot(Direction::Read).is_drained(),
            "WouldBlock still clears"
        );
    }

    #[test]
    fn clear_without_new_event_clears_and_directions_are_independent() {
        let io = ScheduledIo::new();
        let mut wake = Vec::new();
        io.set_readiness(true, true, &mut wake);
        io.clear_readiness(io.snapshot(Direction::Read));
        assert!(!io.snapshot(Direction::Read).is_ready());
        assert!(io.snapshot(Direction::Write).is_ready());
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(io
            .poll_ready(Direction::Read, &mut cx, || Ok(()))
            .is_pending());
        // The event wakes the registered reader.
        io.set_readiness(true, false, &mut wake);
        assert_eq!(wake.len(), 1);
    }

    #[test]
    fn close_wakes_both_directions_with_an_error() {
        let io = ScheduledIo::new();
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(io
            .poll_ready(Direction::Read, &mut cx, || Ok(()))
            .is_pending());
        assert!(io
            .poll_ready(Direction::Write, &mut cx, || Ok(()))
            .is_pending());
        let mut wake = Vec::new();
        io.close(&mut wake);
        assert_eq!(wake.len(), 2);
        assert!(matches!(
            io.poll_ready(Direction::Read, &mut cx, || Ok(())),
            Poll::Ready(Err(_))
        ));
    }

    #[test]
    fn many_waiters_on_one_direction_are_all_woken_once() {
        let io = ScheduledIo::new();
        let (w1, w2) = (counting(), counting());
        for w in [&w1, &w2, &w1] {
            let mut cx = Context::from_waker(&w.1);
            assert!(io
                .poll_ready(Direction::Read, &mut cx, || Ok(()))
                .is_pending());
        }
        let mut wake = Vec::new();
        io.set_readiness(true, false, &mut wake);
        assert_eq!(wake.len(), 2, "a task polled twice waits once");
        wake.drain(..).for_each(Waker::wake);
        assert_eq!(w1.0 .0.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert_eq!(w2.0 .0.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    struct Count(std::sync::atomic::AtomicUsize);

    impl std::task::Wake for Count {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    fn counting() -> (std::sync::Arc<Count>, Waker) {
        let c = std::sync::Arc::new(Count(0.into()));
        (c.clone(), Waker::from(c))
    }

    #[test]
    fn tick_wraps() {
        let io = ScheduledIo::new();
        io.readiness
            .store((TICK_MASK - 1) << READ_TICK_SHIFT, Ordering::Relaxed);
        let mut wake = Vec::new();
        for _ in 0..4 {
            io.set_readiness(true, false, &mut wake);
        }
        assert_eq!(io.snapshot(Direction::Read).tick, 2);
        assert_eq!(io.snapshot(Direction::Write).tick, 0);
    }
}

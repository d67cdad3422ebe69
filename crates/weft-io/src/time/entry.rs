//! Timer entries and the timer queue: the wheel behind a lock, plus the clock.
//!
//! A [`TimerEntry`] lives inside its [`Sleep`](crate::time::Sleep) (which is `!Unpin`, so the
//! entry never moves while the wheel points at it); the wheel keeps [`EntryRef`]s, plain pointers
//! to entries, so arming a timer allocates nothing. Its `state` word is the deadline tick while
//! armed, then [`FIRING`] and [`FIRED`]. The wheel stores the entry under the tick it was
//! *inserted* with; the state may hold a later tick (a cheap reset to a later deadline only stores
//! the new tick, without the lock). When the wheel hands the entry out, the queue compares: if the
//! state's tick is still in the future the entry goes back into the wheel, otherwise a
//! compare-and-swap to `FIRING` (which fails, and is retried, if a reset raced with it) fires it:
//! the queue takes its waker, stores `FIRED` and touches the entry no more; the waker is woken
//! after the lock is released.
//!
//! # Who may touch an entry
//! The queue reads and writes an entry only while holding its lock, and only while the entry is
//! in the wheel or being fired (handed out and not yet `FIRED`). So the owner may free the entry
//! (drop its `Sleep`) once it has either seen `FIRED` (with `Acquire`: the queue's last access
//! was before its `Release` store of `FIRED`) or removed the entry under the lock. The owner sees
//! `FIRING` as fired (its waker was or is being taken), so a poll racing with the firing never
//! waits for a waker that was already taken.

use std::fmt;
use std::ptr::NonNull;
use std::task::Waker;

use crossbeam_utils::CachePadded;
use weft_core::loom::sync::atomic::{AtomicU64, Ordering};
use weft_core::loom::sync::Mutex;
use weft_core::task::AtomicWaker;

use super::clock::{Clock, NEVER};
use super::wheel::{Position, Positioned, Wheel};

/// The state of an entry being fired: handed out by the wheel, its waker being taken (the
/// queue still holds the lock and may touch the entry). Never a deadline tick: the clock maps
/// ticks from here up to [`NEVER`].
pub(crate) const FIRING: u64 = u64::MAX - 1;
/// The state of a fired entry: the queue no longer touches it.
pub(crate) const FIRED: u64 = u64::MAX;

/// One timer: the state, the waiting task's waker and the entry's place in the wheel. Embedded
/// in a pinned [`Sleep`](crate::time::Sleep).
#[derive(Debug)]
pub(crate) struct TimerEntry {
    /// The deadline tick while armed, or [`FIRING`] / [`FIRED`].
    state: AtomicU64,
    /// The task waiting for the timer. One slot is enough: an entry belongs to one `Sleep`, and a
    /// `Sleep` is polled through `Pin<&mut Sleep>`, so one task at a time registers here. Code
    /// that wants several tasks to wait out one timer must not poll one `Sleep` from each of them
    /// (each poll would replace the last task's waker): it keeps its own list of waiters and gives
    /// the `Sleep` a waker that wakes them all, as weft-net's accept back-off does.
    pub(crate) waker: AtomicWaker,
    /// Where the wheel keeps it; read and written only under the queue's lock.
    position: AtomicU64,
    /// Under loom: stands for the entry's memory. The queue reads it before it lets go of the
    /// entry, the owner writes it before freeing the entry, so loom reports a free that is not
    /// ordered after the queue's last access.
    #[cfg(loom)]
    pub(crate) memory: weft_core::loom::cell::UnsafeCell<()>,
}

impl TimerEntry {
    /// A new entry armed for `tick` (not yet in a wheel).
    pub(crate) fn new(tick: u64) -> Self {
        TimerEntry {
            state: AtomicU64::new(tick),
            waker: AtomicWaker::new(),
            position: AtomicU64::new(Position::NONE.to_bits()),
            #[cfg(loom)]
            memory: weft_core::loom::cell::UnsafeCell::new(()),
        }
    }

    /// Whether the timer fired (or is firing: its waker was taken).
    #[inline]
    pub(crate) fn is_fired(&self) -> bool {
        self.state.load(Ordering::Acquire) >= FIRING
    }

    /// Whether the queue is done with the entry: it fired and the queue let go of it. An entry
    /// that is not done and was armed must be [`remove`](TimerQueue::remove)d before it is freed.
    #[inline]
    pub(crate) fn is_done(&self) -> bool {
        self.state.load(Ordering::Acquire) == FIRED
    }
}

/// A pointer to a [`TimerEntry`], as the wheel stores it.
///
/// # Invariants
/// Every `EntryRef` in a [`TimerQueue`]'s wheel points to a live entry that does not move: the
/// entry's owner (a pinned `Sleep`) takes it out of the wheel under the queue's lock, or waits
/// for [`FIRED`], before the entry is moved or freed (see [`TimerQueue::insert`]). The queue
/// dereferences it only under its lock.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct EntryRef(NonNull<TimerEntry>);

// SAFETY: an `EntryRef` is only dereferenced under the queue's lock while its entry is live (type
// invariant), and `TimerEntry` is `Sync` (atomics and an `AtomicWaker`), so the pointer may be
// handed between the threads that take the lock.
unsafe impl Send for EntryRef {}

impl EntryRef {
    fn new(entry: &TimerEntry) -> Self {
        EntryRef(NonNull::from(entry))
    }

    /// The entry.
    fn get(&self) -> &TimerEntry {
        // SAFETY: the entry is live while the `EntryRef` is in (or being handed out by) the wheel,
        // and every caller holds the queue's lock (type invariant).
        unsafe { self.0.as_ref() }
    }
}

impl fmt::Debug for EntryRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EntryRef({:p})", self.0)
    }
}

impl Positioned for EntryRef {
    fn position(&self) -> Position {
        Position::from_bits(self.get().position.load(Ordering::Relaxed))
    }

    fn set_position(&self, position: Position) {
        self.get()
            .position
            .store(position.to_bits(), Ordering::Relaxed);
    }
}

/// The clock and the wheel of one driver.
pub(crate) struct TimerQueue {
    pub(crate) clock: Clock,
    /// On its own cache line: every insert and every firing writes the lock and the wheel, while
    /// the clock's fields (and the driver's around the queue) are read by every `sleep` on every
    /// worker.
    state: CachePadded<Mutex<State>>,
}

struct State {
    wheel: Wheel<EntryRef>,
    /// The tick at which the parked driver will wake (set by `next_tick_for_park`; `NEVER` for
    /// no timer). A timer inserted for an earlier tick must unpark it.
    next_wake: u64,
}

/// What [`TimerQueue::insert`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Inserted {
    /// Armed; `unpark` says whether the driver must be woken to shorten its wait.
    Armed { unpark: bool },
    /// The tick was already reached: the entry is fired.
    Due,
}

impl fmt::Debug for TimerQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerQueue")
            .field("clock", &self.clock)
            .field("wheel", &self.state.lock().wheel)
            .finish()
    }
}

/// How many wakers are collected before the lock is dropped to wake them. Waking runs other code
/// (a scheduler's queue push, maybe an unpark), which must not happen under the timer lock; a
/// batch bounds both the lock hold (a tick that fires a million timers lets timer registrations
/// in between) and the memory kept for the wakers, while a burst of up to 64 takes the lock once.
const WAKE_BATCH: usize = 64;

impl TimerQueue {
    pub(crate) fn new(paused: bool) -> Self {
        TimerQueue {
            clock: Clock::new(paused),
            state: CachePadded::new(Mutex::new(State {
                wheel: Wheel::new(),
                next_wake: NEVER,
            })),
        }
    }

    /// Arms `entry` for `tick` (see [`Inserted`]), taking it out of the wheel first if it is
    /// there under another tick.
    ///
    /// # Safety
    /// Until the entry is done ([`TimerEntry::is_done`]) or taken out with
    /// [`remove`](Self::remove), it must stay at this address and stay alive (the caller is a
    /// pinned `Sleep`, whose `Drop` removes it), and it must not be armed in another queue.
    pub(crate) unsafe fn insert(&self, entry: &TimerEntry, tick: u64) -> Inserted {
        debug_assert!(tick < FIRING);
        let entry_ref = EntryRef::new(entry);
        let mut state = self.state.lock();
        state.wheel.remove(&entry_ref);
        entry.state.store(tick, Ordering::Release);
        // The caller's promise is the `EntryRef` invariant.
        match state.wheel.insert(tick, entry_ref) {
            Ok(()) => {
                let unpark = tick < state.next_wake;
                if unpark {
                    state.next_wake = tick;
                }
                Inserted::Armed { unpark }
            }
            Err(_) => {
                entry.state.store(FIRED, Ordering::Release);
                Inserted::Due
            }
        }
    }

    /// Moves an armed or fired entry to `tick`; cheap (no lock) when the entry is armed and the
    /// new tick is not earlier.
    ///
    /// # Safety
    /// As for [`insert`](Self::insert).
    pub(crate) unsafe fn reset(&self, entry: &TimerEntry, tick: u64) -> Inserted {
        let mut current = entry.state.load(Ordering::Acquire);
        while current < FIRING && current <= tick {
            match entry.state.compare_exchange_weak(
                current,
                tick,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                // Still in the wheel under an earlier tick: it comes back in at `tick`.
                Ok(_) => return Inserted::Armed { unpark: false },
                Err(actual) => current = actual,
            }
        }
        // SAFETY: the caller's promise, passed on.
        unsafe { self.insert(entry, tick) }
    }

    /// Takes `entry` out of the wheel if it is there (a dropped or disarmed sleep). Once this
    /// returns, the queue does not touch the entry again (it is done, or out of the wheel) until
    /// it is inserted again.
    pub(crate) fn remove(&self, entry: &TimerEntry) {
        let mut state = self.state.lock();
        state.wheel.remove(&EntryRef::new(entry));
    }

    /// The tick of the next timer slot to process, if any timer is pending; the driver is about
    /// to park until then, so later inserts of earlier timers will ask to unpark it.
    pub(crate) fn next_tick_for_park(&self) -> Option<u64> {
        let mut state = self.state.lock();
        let next = state.wheel.next_expiration();
        state.next_wake = next.unwrap_or(NEVER);
        next
    }

    /// The number of pending timers.
    pub(crate) fn len(&self) -> usize {
        self.state.lock().wheel.len()
    }

    /// Fires every timer due at `now` (a tick), waking their tasks outside the lock; `wake` is a
    /// scratch buffer. Returns the number fired.
    pub(crate) fn process(&self, now: u64, wake: &mut Vec<Waker>) -> usize {
        let mut fired = 0;
        let mut guard = self.state.lock();
        loop {
            let wheel = &mut guard.wheel;
            let Some((_, entry_ref)) = wheel.poll(now) else {
                break;
            };
            // Handed out under the lock: live until we store `FIRED` or put it back.
            let entry = entry_ref.get();
            let mut state = entry.state.load(Ordering::Acquire);
            loop {
                debug_assert!(state < FIRING, "a timer in the wheel is armed");
                if state > wheel.elapsed() {
                    // Reset to a later deadline while waiting: back into the wheel.
                    if wheel.insert(state, entry_ref).is_ok() {
                        break;
                    }
                }
                match entry.state.compare_exchange(
                    state,
                    FIRING,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(_) => {
                        fired += 1;
                        wake.extend(entry.waker.take());
                        #[cfg(loom)]
                        entry.memory.with(|_| ());
                        // The last access: from here the owner may free the entry.
                        entry.state.store(FIRED, Ordering::Release);
                        break;
                    }
                    Err(actual) => state = actual,
                }
            }
            if wake.len() >= WAKE_BATCH {
                drop(guard);
                wake.drain(..).for_each(Waker::wake);
                guard = self.state.lock();
            }
        }
        drop(guard);
        wake.drain(..).for_each(Waker::wake);
        fired
    }

    /// Fires every pending timer (shutdown), so no task waits on a timer that will never come.
    pub(crate) fn fire_all(&self, wake: &mut Vec<Waker>) {
        self.process(NEVER - 1, wake);
    }
}

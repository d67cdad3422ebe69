//! Timer entries and the timer queue: the wheel behind a lock, plus the clock.
//!
//! A [`TimerEntry`] is shared (`Arc`) between one [`Sleep`](crate::time::Sleep) and the wheel.
//! Its `state` word is the deadline tick while armed, or [`FIRED`]. The wheel stores the entry
//! under the tick it was *inserted* with; the state may hold a later tick (a cheap reset to a later
//! deadline only stores the new tick, without the lock). When the wheel hands the entry out, the
//! queue compares: if the state's tick is still in the future the entry goes back into the wheel,
//! otherwise a compare-and-swap to `FIRED` (which fails, and is retried, if a reset raced with it)
//! fires it and its waker is woken after the lock is released.

use std::fmt;
use std::task::Waker;

use crossbeam_utils::CachePadded;
use weft_core::loom::sync::atomic::{AtomicU64, Ordering};
use weft_core::loom::sync::{Arc, Mutex};
use weft_core::task::AtomicWaker;

use super::clock::{Clock, NEVER};
use super::wheel::{Position, Positioned, Wheel};

/// The state of a fired entry.
pub(crate) const FIRED: u64 = u64::MAX;

/// One pending timer.
#[derive(Debug)]
pub(crate) struct TimerEntry {
    /// The deadline tick while armed, or [`FIRED`].
    state: AtomicU64,
    /// The task waiting for the timer. One slot is enough: an entry belongs to one `Sleep`
    /// (created in its first poll, never shared), and a `Sleep` is polled through
    /// `Pin<&mut Sleep>`, so one task at a time registers here. Code that wants several tasks to
    /// wait out one timer must not poll one `Sleep` from each of them (each poll would replace the
    /// last task's waker): it keeps its own list of waiters and gives the `Sleep` a waker that
    /// wakes them all, as weft-net's accept back-off does.
    pub(crate) waker: AtomicWaker,
    /// Where the wheel keeps it; written only under the queue's lock.
    position: AtomicU64,
}

impl TimerEntry {
    /// A new entry armed for `tick` (not yet in a wheel).
    pub(crate) fn new(tick: u64) -> Self {
        TimerEntry {
            state: AtomicU64::new(tick),
            waker: AtomicWaker::new(),
            position: AtomicU64::new(Position::NONE.to_bits()),
        }
    }

    /// Whether the timer fired.
    #[inline]
    pub(crate) fn is_fired(&self) -> bool {
        self.state.load(Ordering::Acquire) == FIRED
    }
}

impl Positioned for Arc<TimerEntry> {
    fn position(&self) -> Position {
        Position::from_bits(self.position.load(Ordering::Relaxed))
    }

    fn set_position(&self, position: Position) {
        self.position.store(position.to_bits(), Ordering::Relaxed);
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
    wheel: Wheel<Arc<TimerEntry>>,
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

    /// Arms `entry` for `tick` (see [`Inserted`]).
    pub(crate) fn insert(&self, entry: &Arc<TimerEntry>, tick: u64) -> Inserted {
        debug_assert!(tick < NEVER);
        let mut state = self.state.lock();
        state.wheel.remove(entry);
        entry.state.store(tick, Ordering::Release);
        match state.wheel.insert(tick, entry.clone()) {
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
    pub(crate) fn reset(&self, entry: &Arc<TimerEntry>, tick: u64) -> Inserted {
        let mut current = entry.state.load(Ordering::Acquire);
        while current != FIRED && current <= tick {
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
        self.insert(entry, tick)
    }

    /// Takes `entry` out of the wheel (a dropped sleep), freeing the wheel's reference.
    pub(crate) fn remove(&self, entry: &Arc<TimerEntry>) {
        if entry.is_fired() {
            return; // fired entries are never in the wheel
        }
        let removed = self.state.lock().wheel.remove(entry);
        drop(removed);
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
            let Some((_, entry)) = wheel.poll(now) else {
                break;
            };
            let mut state = entry.state.load(Ordering::Acquire);
            loop {
                if state != FIRED && state > wheel.elapsed() {
                    // Reset to a later deadline while waiting: back into the wheel.
                    if wheel.insert(state, entry.clone()).is_ok() {
                        break;
                    }
                }
                match entry.state.compare_exchange(
                    state,
                    FIRED,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(_) => {
                        fired += 1;
                        wake.extend(entry.waker.take());
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

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

use parking_lot::Mutex;

use super::clock::{Clock, NEVER};
use super::wheel::{Position, Positioned, Wheel};
use crate::shim::{Arc, AtomicU64, AtomicWaker, Ordering};

/// The state of a fired entry.
pub(crate) const FIRED: u64 = u64::MAX;

/// One pending timer.
#[derive(Debug)]
pub(crate) struct TimerEntry {
    /// The deadline tick while armed, or [`FIRED`].
    state: AtomicU64,
    /// The task waiting for the timer.
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
    wheel: Mutex<Wheel<Arc<TimerEntry>>>,
}

impl fmt::Debug for TimerQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerQueue")
            .field("clock", &self.clock)
            .field("wheel", &*self.wheel.lock())
            .finish()
    }
}

/// How many wakers are collected before the lock is dropped to wake them.
const WAKE_BATCH: usize = 64;

impl TimerQueue {
    pub(crate) fn new(paused: bool) -> Self {
        TimerQueue {
            clock: Clock::new(paused),
            wheel: Mutex::new(Wheel::new()),
        }
    }

    /// Arms `entry` for `tick`. Returns `false` (and marks the entry fired) if the tick has already
    /// been reached.
    pub(crate) fn insert(&self, entry: &Arc<TimerEntry>, tick: u64) -> bool {
        debug_assert!(tick < NEVER);
        let mut wheel = self.wheel.lock();
        wheel.remove(entry);
        entry.state.store(tick, Ordering::Release);
        match wheel.insert(tick, entry.clone()) {
            Ok(()) => true,
            Err(_) => {
                entry.state.store(FIRED, Ordering::Release);
                false
            }
        }
    }

    /// Moves an armed or fired entry to `tick`; cheap (no lock) when the entry is armed and the
    /// new tick is not earlier. Returns `false` if the new tick has already been reached (the entry
    /// is then fired).
    pub(crate) fn reset(&self, entry: &Arc<TimerEntry>, tick: u64) -> bool {
        let mut current = entry.state.load(Ordering::Acquire);
        while current != FIRED && current <= tick {
            match entry.state.compare_exchange_weak(
                current,
                tick,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                // Still in the wheel under an earlier tick: it comes back in at `tick`.
                Ok(_) => return true,
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
        let removed = self.wheel.lock().remove(entry);
        drop(removed);
    }

    /// The tick of the next timer slot to process, if any timer is pending.
    pub(crate) fn next_tick(&self) -> Option<u64> {
        self.wheel.lock().next_expiration()
    }

    /// The number of pending timers.
    pub(crate) fn len(&self) -> usize {
        self.wheel.lock().len()
    }

    /// Fires every timer due at `now` (a tick), waking their tasks outside the lock; `wake` is a
    /// scratch buffer. Returns the number fired.
    pub(crate) fn process(&self, now: u64, wake: &mut Vec<Waker>) -> usize {
        let mut fired = 0;
        let mut wheel = self.wheel.lock();
        loop {
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
                drop(wheel);
                wake.drain(..).for_each(Waker::wake);
                wheel = self.wheel.lock();
            }
        }
        drop(wheel);
        wake.drain(..).for_each(Waker::wake);
        fired
    }

    /// Fires every pending timer (shutdown), so no task waits on a timer that will never come.
    pub(crate) fn fire_all(&self, wake: &mut Vec<Waker>) {
        self.process(NEVER - 1, wake);
    }
}

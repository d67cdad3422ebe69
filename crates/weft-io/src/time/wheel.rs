//! The hierarchical timing wheel: where pending timers wait for their tick.
//!
//! Time is counted in *ticks* (one millisecond each in the driver) since the driver started. The
//! wheel has [`LEVELS`] levels of [`SLOTS`] slots. A slot of level `L` spans `64^L` ticks, so level 0
//! holds timers due in the current 64 ms, level 1 those due in the current ~4 s, and level 5 those
//! due in the current ~2.2 years. A timer sits in the lowest level whose current window contains
//! its deadline (the highest bit where `elapsed` and `when` differ picks the level, as in tokio).
//! When time reaches the start of a slot of a higher level, the slot's timers *cascade*: they are
//! taken out and re-inserted at a lower level (or fire, if due). Deadlines beyond the top level's
//! window wait in the top level and are re-inserted each time their slot comes round.
//!
//! ```text
//!  level 5 |....|....|....|  64 slots of 2^30 ticks
//!  level 1 |....|....|....|  64 slots of 64 ticks
//!  level 0 |....|....|....|  64 slots of 1 tick   <- elapsed points in here
//! ```
//!
//! Each slot is a `Vec` of `(when, item)`. An item knows its own [`Position`] (level, slot, index),
//! so removal is a `swap_remove` plus fixing the moved item's position: insert and remove are O(1)
//! and the wheel never scans. A slot's `Vec` is moved out when the slot is processed; once drained
//! it is kept as a *spare* (at most [`SPARES`] of them, each of at most [`SPARE_CAPACITY`] items,
//! larger ones are freed) and handed to the next empty slot that receives a timer, so a steady
//! stream of timers does not grow a fresh `Vec` by doubling in every slot, and the memory of a
//! burst of timers is given back.
//!
//! This module is a pure data structure with no clock, lock or waker; the timer driver wraps it.
//!
//! # Invariants
//! - Every stored item has `when > elapsed`, or it sits in the *processing* buffer (a slot taken
//!   out by [`Wheel::poll`] and not yet drained).
//! - An item's [`Position`] names exactly the place where it is stored; an item not stored has
//!   [`Position::NONE`].
//! - Bit `s` of `levels[L].occupied` is set iff slot `s` of level `L` is non-empty.

use std::fmt;

/// Levels of the wheel: six levels of 64 slots span `64^6 = 2^36` ticks (~2.2 years of
/// milliseconds), so any real timeout sits in its own level and only far deadlines are re-inserted.
pub(crate) const LEVELS: usize = 6;
/// Slots per level: 64, so a level's non-empty slots are the bits of one `u64` (`occupied`) and
/// the next due slot is a bit scan.
pub(crate) const SLOTS: usize = 64;
/// `SLOTS == 1 << SLOT_BITS`: a level's slot of a tick is 6 bits of the tick.
const SLOT_BITS: u32 = 6;
/// The pseudo-level that names the processing buffer in a [`Position`].
const PROCESSING: u64 = LEVELS as u64;
/// How many drained slot buffers the wheel keeps for reuse: one per slot coming into use in a
/// tick is the steady state, a few more absorb a cascade.
const SPARES: usize = 4;
/// The largest buffer (in items) kept as a spare: 16384 items of 16 bytes, 256 KiB, so at most
/// 1 MiB stays allocated after a burst.
const SPARE_CAPACITY: usize = 16384;

/// Where an item is stored in a [`Wheel`]: level, slot and index, packed in one word.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Position(u64);

impl Position {
    /// The item is not in any wheel.
    pub(crate) const NONE: Position = Position(u64::MAX);

    fn new(level: u64, slot: u64, index: usize) -> Position {
        debug_assert!(index <= u32::MAX as usize);
        Position((level << 40) | (slot << 32) | index as u64)
    }

    /// Rebuilds a position from [`Position::to_bits`].
    pub(crate) fn from_bits(bits: u64) -> Position {
        Position(bits)
    }

    /// The packed form, for storing in an atomic.
    pub(crate) fn to_bits(self) -> u64 {
        self.0
    }

    fn level(self) -> u64 {
        self.0 >> 40
    }

    fn slot(self) -> usize {
        ((self.0 >> 32) & 0xff) as usize
    }

    fn index(self) -> usize {
        (self.0 & 0xffff_ffff) as usize
    }
}

impl fmt::Debug for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Position::NONE {
            f.write_str("Position(none)")
        } else {
            write!(
                f,
                "Position(level {}, slot {}, index {})",
                self.level(),
                self.slot(),
                self.index()
            )
        }
    }
}

/// An item the wheel can store: it keeps its own [`Position`] so the wheel can find it in O(1).
///
/// The wheel is the only writer of the position; the item only stores it (an atomic, a `Cell`).
pub(crate) trait Positioned {
    /// The position last set by the wheel.
    fn position(&self) -> Position;
    /// Records where the wheel stored the item.
    fn set_position(&self, position: Position);
}

struct Level<T> {
    /// Bit `s` set iff `slots[s]` is non-empty.
    occupied: u64,
    slots: [Vec<(u64, T)>; SLOTS],
}

impl<T> Level<T> {
    fn new() -> Self {
        Level {
            occupied: 0,
            slots: std::array::from_fn(|_| Vec::new()),
        }
    }
}

/// A hierarchical timing wheel of items of type `T` (see the module docs).
pub(crate) struct Wheel<T> {
    /// Every deadline `<= elapsed` has been handed out (or is in `processing`).
    elapsed: u64,
    levels: Box<[Level<T>; LEVELS]>,
    /// The slot being drained by `poll`.
    processing: Vec<(u64, T)>,
    /// Empty buffers of drained slots, for the next slots that fill (see the module docs).
    spare: Vec<Vec<(u64, T)>>,
    len: usize,
}

impl<T: Positioned> Wheel<T> {
    /// An empty wheel at tick 0.
    pub(crate) fn new() -> Self {
        Wheel {
            elapsed: 0,
            levels: Box::new(std::array::from_fn(|_| Level::new())),
            processing: Vec::new(),
            spare: Vec::new(),
            len: 0,
        }
    }

    /// The tick up to which all deadlines have been handed out.
    pub(crate) fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// The number of items stored.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Stores `item` to be handed out by [`poll`](Wheel::poll) once time reaches `when`.
    ///
    /// Returns the item back if `when` has already been reached (`when <= elapsed`): the caller
    /// fires it at once.
    pub(crate) fn insert(&mut self, when: u64, item: T) -> Result<(), T> {
        if when <= self.elapsed {
            return Err(item);
        }
        self.insert_unchecked(when, item);
        self.len += 1;
        Ok(())
    }

    fn insert_unchecked(&mut self, when: u64, item: T) {
        let (level, slot) = self.place(when);
        let vec = &mut self.levels[level].slots[slot];
        if vec.capacity() == 0 {
            if let Some(spare) = self.spare.pop() {
                *vec = spare;
            }
        }
        item.set_position(Position::new(level as u64, slot as u64, vec.len()));
        vec.push((when, item));
        self.levels[level].occupied |= 1 << slot;
    }

    /// The level and slot for a deadline `when > elapsed`.
    fn place(&self, when: u64) -> (usize, usize) {
        let masked = (self.elapsed ^ when) | (SLOTS as u64 - 1);
        let significant = 63 - masked.leading_zeros();
        let level = (significant / SLOT_BITS) as usize;
        if level < LEVELS {
            let slot = ((when >> (SLOT_BITS * level as u32)) & (SLOTS as u64 - 1)) as usize;
            return (level, slot);
        }
        // Beyond the top level's window: wait in the top level and be re-inserted when the slot
        // comes round. The slot must not be the current one (that would be ambiguous with "due
        // now"); the one before it comes round last, and still before `when`.
        let top = LEVELS - 1;
        let shift = SLOT_BITS * top as u32;
        let current = (self.elapsed >> shift) & (SLOTS as u64 - 1);
        let mut slot = (when >> shift) & (SLOTS as u64 - 1);
        if slot == current {
            slot = (current + SLOTS as u64 - 1) & (SLOTS as u64 - 1);
        }
        (top, slot as usize)
    }

    /// Removes `item` (found through its position) and returns the wheel's copy of it, or `None`
    /// if it is not stored.
    pub(crate) fn remove(&mut self, item: &T) -> Option<T> {
        let pos = item.position();
        if pos == Position::NONE {
            return None;
        }
        let (level, slot, index) = (pos.level(), pos.slot(), pos.index());
        let vec = if level == PROCESSING {
            &mut self.processing
        } else {
            &mut self.levels[level as usize].slots[slot]
        };
        let (_, removed) = vec.swap_remove(index);
        if let Some((_, moved)) = vec.get(index) {
            moved.set_position(Position::new(level, slot as u64, index));
        }
        if vec.is_empty() && level != PROCESSING {
            self.levels[level as usize].occupied &= !(1 << slot);
        }
        removed.set_position(Position::NONE);
        self.len -= 1;
        Some(removed)
    }

    /// The tick of the next slot to process, if any item is stored: no item is due before it
    /// (it may be earlier than the earliest deadline when it is a cascade of a higher level).
    pub(crate) fn next_expiration(&self) -> Option<u64> {
        if !self.processing.is_empty() {
            return Some(self.elapsed);
        }
        self.next_slot().map(|(_, _, deadline)| deadline)
    }

    /// The (level, slot, start tick) of the earliest non-empty slot.
    fn next_slot(&self) -> Option<(usize, usize, u64)> {
        let mut best: Option<(usize, usize, u64)> = None;
        for (level, lvl) in self.levels.iter().enumerate() {
            if lvl.occupied == 0 {
                continue;
            }
            let shift = SLOT_BITS * level as u32;
            let current = self.elapsed >> shift;
            let rotated = lvl
                .occupied
                .rotate_right((current & (SLOTS as u64 - 1)) as u32);
            let ahead = u64::from(rotated.trailing_zeros());
            let deadline = (current + ahead) << shift;
            let slot = ((current + ahead) & (SLOTS as u64 - 1)) as usize;
            if best.is_none_or(|(_, _, d)| deadline < d) {
                best = Some((level, slot, deadline));
            }
        }
        best
    }

    /// Hands out one item whose deadline is `<= now`, advancing time up to `now` as it goes.
    ///
    /// Returns `(when, item)`; items come out in deadline order across calls (in any order within
    /// one tick). Returns `None` once nothing is due at `now`; `elapsed` is then `now` (time never
    /// goes backwards: a `now` below `elapsed` changes nothing).
    pub(crate) fn poll(&mut self, now: u64) -> Option<(u64, T)> {
        loop {
            while let Some((when, item)) = self.processing.pop() {
                if when <= self.elapsed {
                    item.set_position(Position::NONE);
                    self.len -= 1;
                    return Some((when, item));
                }
                // Cascade: not due yet, goes to a lower level.
                self.insert_unchecked(when, item);
            }
            match self.next_slot() {
                Some((level, slot, deadline)) if deadline <= now => {
                    self.elapsed = self.elapsed.max(deadline);
                    let lvl = &mut self.levels[level];
                    lvl.occupied &= !(1 << slot);
                    let drained = std::mem::replace(
                        &mut self.processing,
                        std::mem::take(&mut lvl.slots[slot]),
                    );
                    if self.spare.len() < SPARES
                        && (1..=SPARE_CAPACITY).contains(&drained.capacity())
                    {
                        self.spare.push(drained);
                    }
                    for (index, (_, item)) in self.processing.iter().enumerate() {
                        item.set_position(Position::new(PROCESSING, 0, index));
                    }
                }
                _ => {
                    self.elapsed = self.elapsed.max(now);
                    return None;
                }
            }
        }
    }
}

impl<T> fmt::Debug for Wheel<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wheel")
            .field("elapsed", &self.elapsed)
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::cell::Cell;
    use std::collections::{BTreeMap, HashMap};
    use std::rc::Rc;

    #[derive(Debug)]
    struct Item {
        id: u32,
        pos: Cell<Position>,
    }

    impl Positioned for Rc<Item> {
        fn position(&self) -> Position {
            self.pos.get()
        }
        fn set_position(&self, position: Position) {
            self.pos.set(position);
        }
    }

    fn item(id: u32) -> Rc<Item> {
        Rc::new(Item {
            id,
            pos: Cell::new(Position::NONE),
        })
    }

    fn drain(wheel: &mut Wheel<Rc<Item>>, now: u64) -> Vec<(u64, u32)> {
        std::iter::from_fn(|| wheel.poll(now))
            .map(|(w, i)| (w, i.id))
            .collect()
    }

    #[test]
    fn fires_in_order_and_not_before() {
        let mut wheel = Wheel::new();
        for (id, when) in [(1, 5), (2, 70), (3, 64), (4, 5000), (5, 1)] {
            wheel.insert(when, item(id)).unwrap();
        }
        assert_eq!(drain(&mut wheel, 0), vec![]);
        assert_eq!(drain(&mut wheel, 4), vec![(1, 5)]);
        assert_eq!(drain(&mut wheel, 69), vec![(5, 1), (64, 3)]);
        assert_eq!(drain(&mut wheel, 4999), vec![(70, 2)]);
        assert_eq!(drain(&mut wheel, 5000), vec![(5000, 4)]);
        assert_eq!(wheel.len(), 0);
    }

    #[test]
    fn past_deadline_is_handed_back() {
        let mut wheel = Wheel::new();
        drain(&mut wheel, 100);
        assert!(wheel.insert(100, item(1)).is_err());
        assert!(wheel.insert(101, item(2)).is_ok());
    }

    #[test]
    fn remove_fixes_moved_position() {
        let mut wheel = Wheel::new();
        let items: Vec<_> = (0..4).map(item).collect();
        for it in &items {
            wheel.insert(10, it.clone()).unwrap();
        }
        assert!(wheel.remove(&items[0]).is_some());
        assert!(wheel.remove(&items[0]).is_none());
        assert_eq!(items[0].position(), Position::NONE);
        assert!(wheel.remove(&items[3]).is_some());
        let mut fired: Vec<_> = drain(&mut wheel, 10).into_iter().map(|x| x.1).collect();
        fired.sort();
        assert_eq!(fired, vec![1, 2]);
    }

    #[test]
    fn far_deadlines_wait_and_fire() {
        let mut wheel = Wheel::new();
        let far = 1u64 << 40;
        wheel.insert(far, item(1)).unwrap();
        wheel.insert(u64::MAX - 1, item(2)).unwrap();
        let mut steps = 0;
        while let Some(next) = wheel.next_expiration() {
            assert!(next <= far || wheel.elapsed() >= far);
            let fired = drain(&mut wheel, next);
            steps += 1;
            if !fired.is_empty() {
                assert_eq!(fired, vec![(far, 1)]);
                break;
            }
            assert!(steps < 10_000, "far timer never fired");
        }
        assert_eq!(wheel.len(), 1);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u32, u64),
        Cancel(u32),
        Reset(u32, u64),
        Advance(u64),
        AdvanceToNext,
    }

    fn delay() -> impl Strategy<Value = u64> {
        prop_oneof![
            4 => 0u64..100,
            3 => 0u64..10_000,
            2 => 0u64..5_000_000,
            1 => 0u64..(1u64 << 38),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            5 => (0u32..64, delay()).prop_map(|(i, d)| Op::Insert(i, d)),
            2 => (0u32..64).prop_map(Op::Cancel),
            2 => (0u32..64, delay()).prop_map(|(i, d)| Op::Reset(i, d)),
            3 => delay().prop_map(Op::Advance),
            2 => Just(Op::AdvanceToNext),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The wheel against a BTreeMap model: the same timers fire, in deadline order, never
        /// before their tick and never after the poll that reaches it.
        #[test]
        fn wheel_matches_btreemap_model(ops in prop::collection::vec(op(), 1..200)) {
            let mut wheel: Wheel<Rc<Item>> = Wheel::new();
            let mut model: BTreeMap<(u64, u32), ()> = BTreeMap::new();
            let mut live: HashMap<u32, (u64, Rc<Item>)> = HashMap::new();
            let mut now = 0u64;
            for op in ops {
                match op {
                    Op::Insert(id, d) | Op::Reset(id, d) => {
                        if let Some((when, it)) = live.remove(&id) {
                            prop_assert!(wheel.remove(&it).is_some());
                            model.remove(&(when, id));
                        } else if matches!(op, Op::Reset(..)) {
                            continue;
                        }
                        let when = now + d;
                        let it = item(id);
                        match wheel.insert(when, it.clone()) {
                            Ok(()) => {
                                model.insert((when, id), ());
                                live.insert(id, (when, it));
                            }
                            Err(_) => prop_assert!(when <= now),
                        }
                    }
                    Op::Cancel(id) => {
                        if let Some((when, it)) = live.remove(&id) {
                            prop_assert!(wheel.remove(&it).is_some());
                            model.remove(&(when, id));
                        }
                    }
                    Op::Advance(_) | Op::AdvanceToNext => {
                        let target = match op {
                            Op::Advance(d) => now + d,
                            _ => match wheel.next_expiration() {
                                Some(t) => t.max(now),
                                None => continue,
                            },
                        };
                        now = target;
                        let fired = drain(&mut wheel, now);
                        let mut last = 0;
                        for &(when, id) in &fired {
                            prop_assert!(when <= now, "fired early");
                            prop_assert!(when >= last, "out of deadline order");
                            last = when;
                            prop_assert!(model.remove(&(when, id)).is_some(), "fired twice or unknown");
                            live.remove(&id);
                        }
                        // Everything due was handed out in this poll (never late).
                        if let Some((&(when, _), _)) = model.iter().next() {
                            prop_assert!(when > now, "timer due at {} not fired at {}", when, now);
                        }
                    }
                }
                prop_assert_eq!(wheel.len(), model.len());
                match (wheel.next_expiration(), model.keys().next()) {
                    (None, None) => {}
                    (Some(next), Some(&(first, _))) => prop_assert!(next <= first),
                    (a, b) => prop_assert!(false, "next_expiration {:?} vs model {:?}", a, b),
                }
            }
        }
    }
}

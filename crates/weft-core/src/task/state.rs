//! The task's state word. This is the only file that touches the atomic.
//!
//! One `usize` holds six flags and the two bits of the outcome in its low bits and the reference
//! count above them:
//!
//! ```text
//!   bit:   ... 8 | 7                 | 6                | 5          | 4             |
//!        refcount| OUTCOME_CANCELLED | OUTCOME_PANICKED | JOIN_WAKER | JOIN_INTEREST |
//!
//!   bit:  3         | 2        | 1        | 0
//!         CANCELLED | NOTIFIED | COMPLETE | RUNNING
//! ```
//!
//! The outcome bits say what the stage holds once `COMPLETE` is set (a value, a panic payload or
//! nothing), so the stage needs no tag of its own (see `cell.rs`): they are set by the same
//! instruction that sets `COMPLETE` and never change after.
//!
//! Every transition is a method named after the state it moves to. It runs one CAS loop
//! ([`State::transition`], written once), decides from a snapshot what the new word is, and returns
//! a `#[must_use]` value that tells the caller what to do next (schedule, deallocate, cancel, ...).
//! The caller performs those side effects; nothing here does. The numbers `(1)`..`(9)` refer to the
//! life-cycle diagram in the [task module docs](super).

use std::fmt;

use crate::loom::sync::atomic::{
    AtomicUsize,
    Ordering::{AcqRel, Acquire, Relaxed},
};

use super::guard::AbortOnPanic;

/// The task is being polled (or cancelled) by the holder of its `Runnable`: only it may touch the
/// future.
const RUNNING: usize = 1 << 0;
/// The task reached its end: the stage holds the output (value, panic or cancellation).
const COMPLETE: usize = 1 << 1;
/// The task was woken and must be run again. While not `RUNNING`, exactly one `Runnable` exists.
const NOTIFIED: usize = 1 << 2;
/// The task was aborted: the next runner cancels it instead of polling it.
const CANCELLED: usize = 1 << 3;
/// The `JoinHandle` is alive.
const JOIN_INTEREST: usize = 1 << 4;
/// The join waker slot holds a waker that the runner will wake on completion.
const JOIN_WAKER: usize = 1 << 5;
/// Outcome, set with `COMPLETE`: the task panicked (the stage holds the payload).
const OUTCOME_PANICKED: usize = 1 << 6;
/// Outcome, set with `COMPLETE`: the task was cancelled (the stage holds nothing). With neither
/// outcome bit, the stage holds the output value.
const OUTCOME_CANCELLED: usize = 1 << 7;

/// All flag bits.
const FLAG_MASK: usize = RUNNING
    | COMPLETE
    | NOTIFIED
    | CANCELLED
    | JOIN_INTEREST
    | JOIN_WAKER
    | OUTCOME_PANICKED
    | OUTCOME_CANCELLED;
/// The outcome bits.
const OUTCOME_MASK: usize = OUTCOME_PANICKED | OUTCOME_CANCELLED;
/// The unit of the reference count: the first bit above the flags.
const REF_ONE: usize = FLAG_MASK + 1;
/// The reference count bits.
const REF_MASK: usize = !FLAG_MASK;
/// A new task: one reference for the first `Runnable`, one for the `JoinHandle`; notified because
/// the first `Runnable` exists.
const INITIAL: usize = (2 * REF_ONE) | NOTIFIED | JOIN_INTEREST;

// The refcount unit must sit right above a contiguous flag mask.
const _: () = assert!(REF_ONE.is_power_of_two() && REF_ONE & FLAG_MASK == 0);

/// The atomic state word of one task.
pub(super) struct State {
    val: AtomicUsize,
}

/// A copy of the state word at one moment.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct Snapshot(usize);

/// What the runner must do after [`State::transition_to_running`].
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TransitionToRunning {
    /// Poll the future.
    Success,
    /// The task was aborted: cancel it (drop the future) and complete it.
    Cancelled,
}

/// What the runner must do after [`State::transition_to_idle`].
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TransitionToIdle {
    /// Nothing: the runner's reference was released and others remain.
    Ok,
    /// The task was woken while running: the runner's reference now belongs to a new `Runnable`,
    /// which the runner schedules with `woken_while_running`.
    OkNotified,
    /// The runner's reference was the last: deallocate.
    OkDealloc,
    /// The task was aborted while running: it stays `RUNNING`; cancel and complete it.
    Cancelled,
}

/// What a consuming wake must do after [`State::transition_to_notified_by_val`].
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TransitionToNotifiedByVal {
    /// Nothing (the waker's reference was released, others remain).
    DoNothing,
    /// The waker's reference now belongs to a new `Runnable`: schedule it.
    Submit,
    /// The waker's reference was the last: deallocate.
    Dealloc,
}

/// What a wake by reference (or an abort) must do.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TransitionToNotifiedByRef {
    /// Nothing.
    DoNothing,
    /// A reference was added for a new `Runnable`: schedule it.
    Submit,
}

/// How a task ended: what its stage holds once it is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// The future's output.
    Value,
    /// The payload of a panic (in the poll or in the future's destructor).
    Panicked,
    /// Nothing: the task was cancelled before it finished.
    Cancelled,
}

impl Outcome {
    fn bits(self) -> usize {
        match self {
            Outcome::Value => 0,
            Outcome::Panicked => OUTCOME_PANICKED,
            Outcome::Cancelled => OUTCOME_CANCELLED,
        }
    }
}

/// What a dropped `JoinHandle` must do after [`State::transition_to_join_handle_dropped`].
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct JoinHandleDropped {
    /// The task is complete: the handle owns the output, which is this, and must drop it (unless
    /// it took it already).
    pub(super) drop_output: Option<Outcome>,
    /// The handle owns the join waker slot and must empty it.
    pub(super) drop_waker: bool,
}

impl State {
    /// The state of a task that was just spawned (see [`INITIAL`]).
    pub(super) fn new() -> State {
        State {
            val: AtomicUsize::new(INITIAL),
        }
    }

    /// Reads the state word.
    #[inline]
    pub(super) fn load(&self) -> Snapshot {
        Snapshot(self.val.load(Acquire))
    }

    /// The one CAS loop. `f` looks at a snapshot and returns what the caller must do and, if the
    /// word must change, the new word. `f` may run more than once; it must be free of side effects.
    /// A panic inside (a broken invariant) aborts the process rather than leaving a torn protocol.
    fn transition<R>(&self, mut f: impl FnMut(Snapshot) -> (R, Option<Snapshot>)) -> R {
        let guard = AbortOnPanic("a task state transition");
        let mut curr = self.load();
        let out = loop {
            let (out, next) = f(curr);
            let Some(next) = next else { break out };
            match self
                .val
                .compare_exchange_weak(curr.0, next.0, AcqRel, Acquire)
            {
                Ok(_) => break out,
                Err(actual) => curr = Snapshot(actual),
            }
        };
        guard.disarm();
        out
    }

    /// (1) Notified -> Running. Called by `Runnable::run`; the `Runnable`'s reference becomes the
    /// runner's.
    #[inline]
    pub(super) fn transition_to_running(&self) -> TransitionToRunning {
        // The precondition (NOTIFIED set, RUNNING clear) makes one XOR flip exactly those two
        // bits: cheaper than a CAS loop on the hottest transition. A broken precondition aborts.
        let prev = Snapshot(self.val.fetch_xor(NOTIFIED | RUNNING, AcqRel));
        if !prev.is_notified() || prev.is_running() || prev.is_complete() {
            broken(
                "transition_to_running",
                "a Runnable was used for a task that is not runnable",
                prev,
            );
        }
        if prev.is_cancelled() {
            TransitionToRunning::Cancelled
        } else {
            TransitionToRunning::Success
        }
    }

    /// (6) Notified -> Running + Cancelled. Called when an un-run `Runnable` is dropped: its holder
    /// becomes the runner only to cancel the task.
    pub(super) fn transition_to_running_for_cancel(&self) {
        self.transition(|s| {
            s.assert_runnable();
            let mut next = s;
            next.0 &= !NOTIFIED;
            next.0 |= RUNNING | CANCELLED;
            ((), Some(next))
        })
    }

    /// (2) Running -> Idle after a poll returned `Pending`. Releases the runner's reference unless
    /// the task was woken meanwhile (then the reference goes to the new `Runnable`).
    ///
    /// Its own CAS loop rather than [`transition`](State::transition): it runs after every
    /// pending poll, and inlined with its broken-invariant abort out of line it is a third of the
    /// instructions.
    #[inline]
    pub(super) fn transition_to_idle(&self) -> TransitionToIdle {
        let mut curr = self.load();
        loop {
            if !curr.is_running() {
                broken(
                    "transition_to_idle",
                    "transition_to_idle on a task that is not running",
                    curr,
                );
            }
            if curr.is_cancelled() {
                return TransitionToIdle::Cancelled;
            }
            let mut next = Snapshot(curr.0 & !RUNNING);
            let action = if next.is_notified() {
                TransitionToIdle::OkNotified
            } else {
                next.0 -= REF_ONE;
                if next.ref_count() == 0 {
                    TransitionToIdle::OkDealloc
                } else {
                    TransitionToIdle::Ok
                }
            };
            match self
                .val
                .compare_exchange_weak(curr.0, next.0, AcqRel, Acquire)
            {
                Ok(_) => return action,
                Err(actual) => curr = Snapshot(actual),
            }
        }
    }

    /// (3) Running -> Complete, recording `outcome` (what the caller stored in the stage). Returns
    /// the new word: its `JOIN_INTEREST` and `JOIN_WAKER` bits say who owns the output and whether
    /// to wake the joiner.
    #[must_use]
    #[inline]
    pub(super) fn transition_to_complete(&self, outcome: Outcome) -> Snapshot {
        // The outcome bits are clear before completion, so the XOR sets them.
        let flip = RUNNING | COMPLETE | outcome.bits();
        let prev = Snapshot(self.val.fetch_xor(flip, AcqRel));
        if !prev.is_running() || prev.is_complete() || prev.0 & OUTCOME_MASK != 0 {
            broken(
                "transition_to_complete",
                "transition_to_complete on a task that is not running",
                prev,
            );
        }
        Snapshot(prev.0 ^ flip)
    }

    /// (4) Idle -> Notified through a consuming wake (`Waker::wake`). The waker's reference is
    /// released or handed to the new `Runnable`.
    pub(super) fn transition_to_notified_by_val(&self) -> TransitionToNotifiedByVal {
        self.transition(|s| {
            s.assert_has_ref();
            let mut next = s;
            if s.is_running() {
                // The runner reschedules it when the poll returns; it holds a reference, so ours
                // is not the last.
                next.0 |= NOTIFIED;
                next.0 -= REF_ONE;
                (TransitionToNotifiedByVal::DoNothing, Some(next))
            } else if s.is_complete() || s.is_notified() {
                next.0 -= REF_ONE;
                let action = if next.ref_count() == 0 {
                    TransitionToNotifiedByVal::Dealloc
                } else {
                    TransitionToNotifiedByVal::DoNothing
                };
                (action, Some(next))
            } else {
                next.0 |= NOTIFIED;
                (TransitionToNotifiedByVal::Submit, Some(next))
            }
        })
    }

    /// (4) Idle -> Notified through `Waker::wake_by_ref`. Touches the count only when it creates a
    /// `Runnable`.
    ///
    /// Always one atomic read-modify-write (a release), even when the task is already notified,
    /// running or complete: the poll that follows must see what the waker's caller wrote before
    /// waking. A load-only fast path ("already notified: do nothing") loses that guarantee (a
    /// store-buffering race between the waker's load and the runner's `transition_to_running`;
    /// loom found it: `tests/loom_task.rs`, `wakes_are_never_lost`). Setting `NOTIFIED` on a
    /// complete task is harmless: nothing runs it again.
    pub(super) fn transition_to_notified_by_ref(&self) -> TransitionToNotifiedByRef {
        let prev = Snapshot(self.val.fetch_or(NOTIFIED, AcqRel));
        if prev.is_complete() || prev.is_notified() || prev.is_running() {
            // Running: the runner reschedules it when the poll returns (transition (2)).
            TransitionToNotifiedByRef::DoNothing
        } else {
            // We turned an idle task into a notified one: its one Runnable is ours to create.
            // Nobody can run or free it meanwhile (no Runnable exists; our caller holds a
            // reference).
            self.ref_inc();
            TransitionToNotifiedByRef::Submit
        }
    }

    /// (5) Abort: sets `CANCELLED`. An idle task is also notified (with a new reference for its
    /// `Runnable`) so that a runner cancels it; a notified one is cancelled by its pending
    /// `Runnable`; a running one by its runner when the poll returns; a complete one is left alone.
    pub(super) fn transition_to_notified_and_cancel(&self) -> TransitionToNotifiedByRef {
        self.transition(|s| {
            let mut next = s;
            if s.is_complete() || s.is_cancelled() {
                (TransitionToNotifiedByRef::DoNothing, None)
            } else if s.is_running() || s.is_notified() {
                next.0 |= CANCELLED;
                (TransitionToNotifiedByRef::DoNothing, Some(next))
            } else {
                next.0 |= CANCELLED | NOTIFIED;
                next.0 = ref_inc_checked(next.0);
                (TransitionToNotifiedByRef::Submit, Some(next))
            }
        })
    }

    /// (7) The `JoinHandle` is dropped: clears `JOIN_INTEREST`. Before completion it also takes the
    /// join waker slot back (clears `JOIN_WAKER`) and leaves the output to the runner; after
    /// completion it owns the output (unless it took it already: the handle knows). Does not
    /// release the handle's reference (see [`ref_dec`](State::ref_dec)).
    pub(super) fn transition_to_join_handle_dropped(&self) -> JoinHandleDropped {
        self.transition(|s| {
            assert!(
                s.is_join_interested(),
                "JoinHandle dropped twice (JOIN_INTEREST not set): {s:?}"
            );
            let mut next = s;
            next.0 &= !JOIN_INTEREST;
            if !s.is_complete() {
                next.0 &= !JOIN_WAKER;
            }
            let action = JoinHandleDropped {
                drop_output: s.is_complete().then(|| s.outcome()),
                drop_waker: !next.is_join_waker(),
            };
            (action, Some(next))
        })
    }

    /// (7) + (9) in one step: the `JoinHandle` is dropped and releases its reference, when it has
    /// nothing left to do in the cell afterwards. `seen` is a word the handle read with
    /// `JOIN_WAKER` clear (so it owns the slot and has emptied it); if `seen` is complete, the
    /// handle has dropped the output too. Fails, returning the current word, if the task completed
    /// after `seen` (the handle then owns the output and calls again). Returns whether the
    /// reference was the last: the caller must deallocate.
    #[inline]
    pub(super) fn transition_to_join_handle_released(
        &self,
        seen: Snapshot,
    ) -> Result<bool, Snapshot> {
        debug_assert!(!seen.is_join_waker());
        if seen.is_complete() {
            // COMPLETE never clears and only the handle sets JOIN_WAKER (clear in `seen`), so the
            // two bits are known: one subtraction clears JOIN_INTEREST and drops the reference.
            let prev = Snapshot(self.val.fetch_sub(JOIN_INTEREST | REF_ONE, AcqRel));
            if !prev.is_join_interested() || prev.is_join_waker() || prev.ref_count() == 0 {
                released_in_wrong_state(prev);
            }
            return Ok(prev.ref_count() == 1);
        }
        // Not written with `transition`: this loop is short enough to inline where handles drop.
        let mut curr = seen;
        loop {
            if curr.is_complete() {
                return Err(curr);
            }
            if !curr.is_join_interested() || curr.is_join_waker() || curr.ref_count() == 0 {
                released_in_wrong_state(curr);
            }
            let next = (curr.0 & !JOIN_INTEREST) - REF_ONE;
            match self
                .val
                .compare_exchange_weak(curr.0, next, AcqRel, Acquire)
            {
                Ok(_) => return Ok(Snapshot(next).ref_count() == 0),
                Err(actual) => curr = Snapshot(actual),
            }
        }
    }

    /// (8) The `JoinHandle` stored a waker in the slot and publishes it by setting `JOIN_WAKER`.
    /// Fails (returning the current word) if the task completed meanwhile; the handle still owns
    /// the slot then.
    pub(super) fn set_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.transition(|s| {
            assert!(
                s.is_join_interested(),
                "set_join_waker without JoinHandle: {s:?}"
            );
            if s.is_complete() {
                return (Err(s), None);
            }
            // Only the handle sets JOIN_WAKER, and it saw it clear.
            assert!(!s.is_join_waker(), "set_join_waker: already set: {s:?}");
            let mut next = s;
            next.0 |= JOIN_WAKER;
            (Ok(next), Some(next))
        })
    }

    /// (8) The `JoinHandle` takes the slot back to replace its waker. Fails if the task completed
    /// (the runner may be reading the slot then).
    pub(super) fn unset_waker(&self) -> Result<Snapshot, Snapshot> {
        self.transition(|s| {
            assert!(
                s.is_join_interested(),
                "unset_waker without JoinHandle: {s:?}"
            );
            if s.is_complete() {
                // The runner may have woken the waker and cleared JOIN_WAKER already.
                return (Err(s), None);
            }
            // Besides the handle, only the runner clears JOIN_WAKER, and only after COMPLETE.
            assert!(s.is_join_waker(), "unset_waker: not set: {s:?}");
            let mut next = s;
            next.0 &= !JOIN_WAKER;
            (Ok(next), Some(next))
        })
    }

    /// (8) The runner woke the joiner after completion and gives the slot back. If the handle is
    /// gone by now (the returned word lacks `JOIN_INTEREST`), the runner must empty the slot.
    #[must_use]
    pub(super) fn unset_waker_after_complete(&self) -> Snapshot {
        let prev = Snapshot(self.val.fetch_and(!JOIN_WAKER, AcqRel));
        if !prev.is_complete() || !prev.is_join_waker() {
            let _guard = AbortOnPanic("unset_waker_after_complete");
            panic!("unset_waker_after_complete in the wrong state: {prev:?}");
        }
        Snapshot(prev.0 & !JOIN_WAKER)
    }

    /// (9) Adds a reference (a cloned waker, a `TaskRef`). The caller already holds one.
    #[inline]
    pub(super) fn ref_inc(&self) {
        let prev = self.val.fetch_add(REF_ONE, Relaxed);
        if prev > isize::MAX as usize {
            // Someone leaks references in a loop; wrapping would free a live task.
            std::process::abort();
        }
    }

    /// (9) Drops two references at once (the runner's and one the scheduler handed back at the
    /// end, see `Schedule::release_ref`). Returns `true` if they were the last: the caller must
    /// deallocate.
    #[must_use]
    #[inline]
    pub(super) fn ref_dec_two(&self) -> bool {
        let prev = Snapshot(self.val.fetch_sub(2 * REF_ONE, AcqRel));
        if prev.ref_count() < 2 {
            broken("ref_dec_two", "task reference count underflow", prev);
        }
        prev.ref_count() == 2
    }

    /// (9) Drops a reference. Returns `true` if it was the last: the caller must deallocate.
    #[must_use]
    #[inline]
    pub(super) fn ref_dec(&self) -> bool {
        let prev = Snapshot(self.val.fetch_sub(REF_ONE, AcqRel));
        if prev.ref_count() == 0 {
            broken("ref_dec", "task reference count underflow", prev);
        }
        prev.ref_count() == 1
    }
}

/// A broken invariant found by the transition `what`: prints `msg` and the word, and aborts (out
/// of line, so that the transitions that call it stay small enough to inline).
#[cold]
#[inline(never)]
fn broken(what: &'static str, msg: &str, word: Snapshot) -> ! {
    let _guard = AbortOnPanic(what);
    panic!("{msg}: {word:?}");
}

/// A broken invariant in [`State::transition_to_join_handle_released`]: aborts.
#[cold]
#[inline(never)]
fn released_in_wrong_state(word: Snapshot) -> ! {
    let _guard = AbortOnPanic("transition_to_join_handle_released");
    panic!("JoinHandle released in the wrong state: {word:?}");
}

/// Adds one reference to a word, aborting on overflow.
fn ref_inc_checked(word: usize) -> usize {
    if word > isize::MAX as usize {
        std::process::abort();
    }
    word + REF_ONE
}

impl Snapshot {
    pub(super) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }
    pub(super) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    pub(super) fn is_notified(self) -> bool {
        self.0 & NOTIFIED != 0
    }
    pub(super) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }
    pub(super) fn is_join_interested(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }
    pub(super) fn is_join_waker(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }
    pub(super) fn ref_count(self) -> usize {
        (self.0 & REF_MASK) / REF_ONE
    }

    /// What the stage holds; meaningful only once the task is complete.
    pub(super) fn outcome(self) -> Outcome {
        if self.0 & OUTCOME_PANICKED != 0 {
            Outcome::Panicked
        } else if self.0 & OUTCOME_CANCELLED != 0 {
            Outcome::Cancelled
        } else {
            Outcome::Value
        }
    }

    /// A `Runnable` exists only for a notified task that is neither running nor complete.
    fn assert_runnable(self) {
        assert!(
            self.is_notified() && !self.is_running() && !self.is_complete(),
            "a Runnable was used for a task that is not runnable: {self:?}"
        );
    }

    fn assert_has_ref(self) {
        assert!(
            self.ref_count() > 0,
            "a waker of a freed task was used: {self:?}"
        );
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [(usize, &str); 8] = [
            (RUNNING, "RUNNING"),
            (COMPLETE, "COMPLETE"),
            (NOTIFIED, "NOTIFIED"),
            (CANCELLED, "CANCELLED"),
            (JOIN_INTEREST, "JOIN_INTEREST"),
            (JOIN_WAKER, "JOIN_WAKER"),
            (OUTCOME_PANICKED, "OUTCOME_PANICKED"),
            (OUTCOME_CANCELLED, "OUTCOME_CANCELLED"),
        ];
        f.write_str("State { ")?;
        let mut first = true;
        for (bit, name) in NAMES {
            if self.0 & bit != 0 {
                if !first {
                    f.write_str(" | ")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        if first {
            f.write_str("IDLE")?;
        }
        write!(f, ", refs: {} }}", self.ref_count())
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.load().fmt(f)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn initial_state_decodes() {
        let s = State::new();
        assert_eq!(
            format!("{s:?}"),
            "State { NOTIFIED | JOIN_INTEREST, refs: 2 }"
        );
    }

    #[test]
    fn run_idle_wake_cycle() {
        let s = State::new();
        assert_eq!(s.transition_to_running(), TransitionToRunning::Success);
        // Woken by reference while running: no new reference.
        assert_eq!(
            s.transition_to_notified_by_ref(),
            TransitionToNotifiedByRef::DoNothing
        );
        assert_eq!(s.load().ref_count(), 2);
        assert_eq!(s.transition_to_idle(), TransitionToIdle::OkNotified);
        assert_eq!(s.load().ref_count(), 2);
        assert_eq!(s.transition_to_running(), TransitionToRunning::Success);
        assert_eq!(s.transition_to_idle(), TransitionToIdle::Ok);
        assert_eq!(s.load().ref_count(), 1);
        assert_eq!(
            s.transition_to_notified_by_ref(),
            TransitionToNotifiedByRef::Submit
        );
        assert_eq!(s.load().ref_count(), 2);
        // Already notified: nothing.
        assert_eq!(
            s.transition_to_notified_by_ref(),
            TransitionToNotifiedByRef::DoNothing
        );
        assert_eq!(s.load().ref_count(), 2);
    }

    #[test]
    fn complete_then_drop_handle() {
        let s = State::new();
        assert_eq!(s.transition_to_running(), TransitionToRunning::Success);
        let done = s.transition_to_complete(Outcome::Value);
        assert!(done.is_complete() && done.is_join_interested() && !done.is_running());
        assert_eq!(done.outcome(), Outcome::Value);
        let d = s.transition_to_join_handle_dropped();
        assert_eq!(d.drop_output, Some(Outcome::Value));
        assert!(d.drop_waker);
        assert!(!s.ref_dec());
        assert!(s.ref_dec());
        assert_eq!(format!("{s:?}"), "State { COMPLETE, refs: 0 }");
    }

    #[test]
    fn join_handle_released_in_one_step() {
        // After completion: the handle's reference and JOIN_INTEREST go together.
        let s = State::new();
        assert_eq!(s.transition_to_running(), TransitionToRunning::Success);
        let _ = s.transition_to_complete(Outcome::Value);
        assert!(!s.ref_dec(), "the runner's reference");
        assert_eq!(s.transition_to_join_handle_released(s.load()), Ok(true));
        assert_eq!(format!("{s:?}"), "State { COMPLETE, refs: 0 }");

        // Before completion: the runner keeps its reference and will own the output.
        let s = State::new();
        let seen = s.load();
        assert_eq!(s.transition_to_join_handle_released(seen), Ok(false));
        assert_eq!(format!("{s:?}"), "State { NOTIFIED, refs: 1 }");

        // Completed after the handle looked: it is told so, and nothing changes.
        let s = State::new();
        let seen = s.load();
        assert_eq!(s.transition_to_running(), TransitionToRunning::Success);
        let done = s.transition_to_complete(Outcome::Panicked);
        assert_eq!(s.transition_to_join_handle_released(seen), Err(done));
        assert_eq!(s.transition_to_join_handle_released(done), Ok(false));
        assert_eq!(
            format!("{s:?}"),
            "State { COMPLETE | OUTCOME_PANICKED, refs: 1 }"
        );
    }

    #[test]
    fn abort_idle_submits_once() {
        let s = State::new();
        assert_eq!(s.transition_to_running(), TransitionToRunning::Success);
        assert_eq!(s.transition_to_idle(), TransitionToIdle::Ok);
        assert_eq!(
            s.transition_to_notified_and_cancel(),
            TransitionToNotifiedByRef::Submit
        );
        assert_eq!(
            s.transition_to_notified_and_cancel(),
            TransitionToNotifiedByRef::DoNothing
        );
        assert_eq!(s.transition_to_running(), TransitionToRunning::Cancelled);
    }

    #[test]
    fn join_waker_protocol() {
        let s = State::new();
        assert!(s.set_join_waker().is_ok());
        assert!(s.unset_waker().is_ok());
        assert!(s.set_join_waker().is_ok());
        assert_eq!(s.transition_to_running(), TransitionToRunning::Success);
        let done = s.transition_to_complete(Outcome::Panicked);
        assert!(done.is_join_waker());
        assert_eq!(done.outcome(), Outcome::Panicked);
        assert!(s.unset_waker().is_err());
        let after = s.unset_waker_after_complete();
        assert!(after.is_join_interested() && !after.is_join_waker());
    }
}

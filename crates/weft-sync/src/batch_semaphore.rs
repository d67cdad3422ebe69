//! The fair counting semaphore that every lock in this crate is built on.
//!
//! `Mutex` is a semaphore of one permit, `RwLock` one of `MAX_READS` permits (a reader takes one,
//! a writer all), a bounded `mpsc` channel counts its free slots with one. Acquiring several permits
//! at once is atomic, and waiters are served strictly first-in, first-out: a waiter that needs more
//! permits than are free collects them as they are released, and nobody behind it can overtake.
//!
//! # Algorithm
//!
//! ```text
//!   state: AtomicUsize = permits << 2 | QUEUED | CLOSED
//!   waiters: Mutex<WaitList<Waiter>>   (FIFO; a waiter holds `needed`, permits still missing)
//!
//!   try_acquire(n):  CAS permits -= n if permits >= n           (no lock: the uncontended path)
//!   release(n):      if !QUEUED: CAS permits += n               (no lock)
//!                    else lock; give permits to the head waiters until each is whole (unlink,
//!                    collect waker); leftovers go to `permits` and QUEUED is cleared when the
//!                    list empties; unlock; wake
//!   acquire(n) slow: lock; take what is free, set QUEUED, push a waiter needing the rest
//!   cancelled waiter: lock; unlink; the permits it had collected are released as above, so the
//!                    next waiter gets them (a cancelled waiter never swallows a wakeup)
//! ```
//!
//! ## Deferred releases (the bounded mpsc channel's receiver)
//!
//! A semaphore made with a [`DeferredCell`] also takes releases on a second word that lives on a
//! cache line of its own, so that one thread releasing permits one at a time (a channel's
//! receiver, once per value) does not pull the line of `state` away from the threads acquiring
//! them (its senders) every time:
//!
//! ```text
//!   deferred: AtomicUsize = pending << 1 | WAITING      (WAITING mirrors QUEUED)
//!
//!   release_deferred(n): fetch_add pending += n; done unless WAITING was set
//!                        else lock; move all pending into the wait list as release(n) does
//!   try_acquire(n):      as above; when `state` is short and not QUEUED, move pending into it
//!                        (release) and retry
//!   acquire(n) slow:     lock; if QUEUED, queue behind the others (WAITING is set, nothing is
//!                        pending); else move pending into `state`, take what is free, and if
//!                        that is not enough queue, set WAITING and move whatever was released
//!                        meanwhile to the list
//! ```
//!
//! A deferred release is one uncontended atomic add on the releaser's line; the acquirers touch
//! that line only when `state` runs dry, and then take everything released since at once.
//!
//! # Invariants
//!
//! - `QUEUED` is set exactly when the wait list has linked waiters; it changes only under the lock.
//! - While `QUEUED` is set, `permits` is 0: every released permit goes to the head waiter first.
//!   This is what makes the semaphore fair: `try_acquire` cannot barge past a queued waiter.
//! - A waiter's slot is freed only by its future (on completion or drop).
//! - `WAITING` (deferred word) is set exactly when `QUEUED` is, apart from the moments inside the
//!   lock between the two changes; it too changes only under the lock. While it is set every
//!   deferred release takes the lock and hands its permits to the waiters, and the first waiter
//!   of a queue sets `WAITING` and moves the pending permits before it lets go of the lock: no
//!   permit stays pending while a waiter waits.
//! - The free permits are `state`'s count plus the deferred word's pending count.

use std::fmt;
use std::task::{ready, Context, Poll, Waker};

use weft_core::coop;
use weft_core::loom::sync::atomic::{AtomicUsize, Ordering::*};
use weft_core::loom::sync::Mutex;

use crate::util::wait_list::WaitList;
use crate::util::wake_list::WakeList;

/// The semaphore was closed: acquires fail, waiters are woken with an error.
const CLOSED: usize = 0b01;
/// The wait list has linked waiters, so released permits go to them first (see `# Invariants`).
const QUEUED: usize = 0b10;
/// The permit count sits above the two flag bits.
const SHIFT: u32 = 2;

/// The deferred word's flag: the wait list has waiters (see `# Invariants`).
const WAITING: usize = 0b1;

/// The largest number of permits a semaphore holds: the count, shifted above the flags, fits the
/// word with one bit to spare, so even the sum of two full counts cannot carry out of it.
pub(crate) const MAX_PERMITS: usize = usize::MAX >> 3;

/// Why a non-waiting acquire failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TryAcquireError {
    Closed,
    NoPermits,
}

/// The semaphore was closed while waiting, or before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AcquireError;

struct Waiter {
    waker: Option<Waker>,
    /// Permits still missing; 0 once granted.
    needed: usize,
}

/// Where a semaphore keeps deferred releases: nowhere (`()`, every lock), or a [`DeferredCell`].
pub(crate) trait Deferred {
    fn new() -> Self;
    /// The deferred word, if this semaphore has one.
    fn cell(&self) -> Option<&AtomicUsize>;
}

impl Deferred for () {
    fn new() -> Self {}

    #[inline(always)]
    fn cell(&self) -> Option<&AtomicUsize> {
        None
    }
}

/// The deferred word (`pending << 1 | WAITING`) on a cache line of its own (128 bytes: the
/// adjacent-line prefetcher moves lines in pairs), so the releasing thread keeps it in its cache.
#[repr(align(128))]
pub(crate) struct DeferredCell(AtomicUsize);

impl Deferred for DeferredCell {
    fn new() -> Self {
        DeferredCell(AtomicUsize::new(0))
    }

    #[inline(always)]
    fn cell(&self) -> Option<&AtomicUsize> {
        Some(&self.0)
    }
}

pub(crate) struct RawSemaphore<D: Deferred = ()> {
    state: AtomicUsize,
    waiters: Mutex<WaitList<Waiter>>,
    deferred: D,
}

impl<D: Deferred> RawSemaphore<D> {
    pub(crate) fn new(permits: usize) -> Self {
        assert!(
            permits <= MAX_PERMITS,
            "a semaphore holds at most {MAX_PERMITS} permits; {permits} were requested"
        );
        RawSemaphore {
            state: AtomicUsize::new(permits << SHIFT),
            waiters: Mutex::new(WaitList::new()),
            deferred: D::new(),
        }
    }

    pub(crate) fn available_permits(&self) -> usize {
        let pending = self.deferred.cell().map_or(0, |c| c.load(Acquire) >> 1);
        (self.state.load(Acquire) >> SHIFT) + pending
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.state.load(Acquire) & CLOSED != 0
    }

    pub(crate) fn try_acquire(&self, n: usize) -> Result<(), TryAcquireError> {
        loop {
            match self.try_acquire_state(n) {
                Err(TryAcquireError::NoPermits) if self.collect_deferred() => {}
                result => return result,
            }
        }
    }

    /// Moves the permits of deferred releases into `state` (through `release`, so queued waiters
    /// get them first). Returns whether there were any.
    #[inline]
    fn collect_deferred(&self) -> bool {
        let Some(cell) = self.deferred.cell() else {
            return false;
        };
        // While waiters are queued every deferred release goes to them (WAITING), so there is
        // nothing for us to take: looking would only pull the releaser's line away from it. And a
        // plain load first: the common "nothing pending" case leaves that line shared.
        if self.state.load(Relaxed) & QUEUED != 0 || cell.load(Relaxed) >> 1 == 0 {
            return false;
        }
        let pending = cell.fetch_and(WAITING, AcqRel) >> 1;
        self.release(pending);
        pending != 0
    }

    /// Under the lock: moves the permits of deferred releases to the waiters, then to `state`.
    fn collect_deferred_locked(&self, list: &mut WaitList<Waiter>, wakers: &mut WakeList) {
        if let Some(cell) = self.deferred.cell() {
            let pending = cell.fetch_and(WAITING, AcqRel) >> 1;
            self.release_locked(list, pending, wakers);
        }
    }

    /// Returns `n` permits like [`release`](Self::release), but for the semaphore of a bounded
    /// channel's receiver: the permits wait in the deferred word until an acquirer runs short (or
    /// go to the waiters at once if any wait). Without a deferred word this is `release`.
    #[inline]
    pub(crate) fn release_deferred(&self, n: usize) {
        let Some(cell) = self.deferred.cell() else {
            return self.release(n);
        };
        if n == 0 {
            return;
        }
        if cell.fetch_add(n << 1, AcqRel) & WAITING == 0 {
            return;
        }
        let mut wakers = WakeList::new();
        {
            let mut list = self.waiters.lock();
            self.collect_deferred_locked(&mut list, &mut wakers);
        }
        wakers.wake_all();
    }

    fn try_acquire_state(&self, n: usize) -> Result<(), TryAcquireError> {
        let mut s = self.state.load(Acquire);
        loop {
            if s & CLOSED != 0 {
                return Err(TryAcquireError::Closed);
            }
            if s >> SHIFT < n {
                return Err(TryAcquireError::NoPermits);
            }
            match self
                .state
                .compare_exchange_weak(s, s - (n << SHIFT), AcqRel, Acquire)
            {
                Ok(_) => return Ok(()),
                Err(actual) => s = actual,
            }
        }
    }

    /// A future acquiring `n` permits.
    pub(crate) fn acquire(&self, n: usize) -> Acquire<'_, D> {
        assert!(
            n <= MAX_PERMITS,
            "cannot acquire {n} permits: a semaphore holds at most {MAX_PERMITS}"
        );
        Acquire {
            sem: self,
            n,
            state: AcquireState::Idle,
        }
    }

    /// Returns `n` permits (to the first waiters, else to the pool).
    pub(crate) fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        let mut s = self.state.load(Acquire);
        while s & QUEUED == 0 {
            match self
                .state
                .compare_exchange_weak(s, s + (n << SHIFT), AcqRel, Acquire)
            {
                Ok(_) => return,
                Err(actual) => s = actual,
            }
        }
        let mut wakers = WakeList::new();
        {
            let mut list = self.waiters.lock();
            self.release_locked(&mut list, n, &mut wakers);
        }
        wakers.wake_all();
    }

    /// Adds `n` new permits, panicking if the total would exceed [`MAX_PERMITS`].
    #[track_caller]
    pub(crate) fn add_permits(&self, n: usize) {
        let available = self.available_permits();
        assert!(
            n <= MAX_PERMITS - available,
            "adding {n} permits to a semaphore with {available} would exceed the maximum of {MAX_PERMITS}"
        );
        self.release(n);
    }

    /// Removes up to `n` free permits for good; returns how many were removed.
    pub(crate) fn forget_permits(&self, n: usize) -> usize {
        let mut s = self.state.load(Acquire);
        loop {
            let take = n.min(s >> SHIFT);
            match self
                .state
                .compare_exchange_weak(s, s - (take << SHIFT), AcqRel, Acquire)
            {
                Ok(_) => return take,
                Err(actual) => s = actual,
            }
        }
    }

    fn release_locked(&self, list: &mut WaitList<Waiter>, mut n: usize, wakers: &mut WakeList) {
        while n > 0 {
            let Some(key) = list.front() else { break };
            let w = list.get_mut(key);
            let give = n.min(w.needed);
            w.needed -= give;
            n -= give;
            if w.needed == 0 {
                if let Some(waker) = w.waker.take() {
                    wakers.push(waker);
                }
                list.unlink(key);
            }
        }
        if list.is_empty() {
            let mut s = self.state.load(Acquire);
            loop {
                let next = (s + (n << SHIFT)) & !QUEUED;
                match self.state.compare_exchange_weak(s, next, AcqRel, Acquire) {
                    Ok(_) => break,
                    Err(actual) => s = actual,
                }
            }
            if let Some(cell) = self.deferred.cell() {
                // Permits released from here on may wait in the deferred word: nobody waits.
                cell.fetch_and(!WAITING, AcqRel);
            }
        } else {
            debug_assert_eq!(n, 0, "permits left over while waiters are queued");
        }
    }

    /// Closes the semaphore: pending and future acquires fail; permits in use stay valid.
    pub(crate) fn close(&self) {
        let mut wakers = WakeList::new();
        {
            let mut list = self.waiters.lock();
            self.state.fetch_or(CLOSED, AcqRel);
            while let Some(key) = list.pop_front() {
                if let Some(w) = list.get_mut(key).waker.take() {
                    wakers.push(w);
                }
            }
            self.state.fetch_and(!QUEUED, AcqRel);
            if let Some(cell) = self.deferred.cell() {
                cell.fetch_and(!WAITING, AcqRel);
            }
        }
        wakers.wake_all();
    }
}

impl<D: Deferred> fmt::Debug for RawSemaphore<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.load(Relaxed);
        f.debug_struct("Semaphore")
            .field("permits", &(s >> SHIFT))
            .field("queued", &(s & QUEUED != 0))
            .field("closed", &(s & CLOSED != 0))
            .finish()
    }
}

#[derive(Debug, Clone, Copy)]
enum AcquireState {
    Idle,
    Waiting(usize),
    Done,
}

/// Acquires `n` permits of a [`RawSemaphore`]. Unpin; dropping it while queued hands the permits it
/// collected to the next waiter.
pub(crate) struct Acquire<'a, D: Deferred = ()> {
    sem: &'a RawSemaphore<D>,
    n: usize,
    state: AcquireState,
}

impl<D: Deferred> Acquire<'_, D> {
    pub(crate) fn poll_acquire(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), AcquireError>> {
        let sem = self.sem;
        match self.state {
            AcquireState::Idle => {
                let coop = ready!(coop::poll_proceed(cx));
                match sem.try_acquire(self.n) {
                    Ok(()) => {
                        coop.made_progress();
                        self.state = AcquireState::Done;
                        return Poll::Ready(Ok(()));
                    }
                    Err(TryAcquireError::Closed) => {
                        self.state = AcquireState::Done;
                        return Poll::Ready(Err(AcquireError));
                    }
                    Err(TryAcquireError::NoPermits) => {}
                }
                let mut wakers = WakeList::new();
                let mut list = sem.waiters.lock();
                // QUEUED changes only under the lock. If it is set, so is WAITING: deferred
                // releases already go to the list and nothing is pending for us.
                let was_queued = sem.state.load(Acquire) & QUEUED != 0;
                if !was_queued {
                    // Deferred releases count as free permits from here on.
                    sem.collect_deferred_locked(&mut list, &mut wakers);
                }
                let mut s = sem.state.load(Acquire);
                let needed = loop {
                    if s & CLOSED != 0 {
                        drop(list);
                        wakers.wake_all();
                        self.state = AcquireState::Done;
                        return Poll::Ready(Err(AcquireError));
                    }
                    let free = s >> SHIFT;
                    let (next, needed) = if free >= self.n {
                        (s - (self.n << SHIFT), 0)
                    } else {
                        ((s - (free << SHIFT)) | QUEUED, self.n - free)
                    };
                    match sem.state.compare_exchange_weak(s, next, AcqRel, Acquire) {
                        Ok(_) => break needed,
                        Err(actual) => s = actual,
                    }
                };
                if needed == 0 {
                    drop(list);
                    wakers.wake_all();
                    coop.made_progress();
                    self.state = AcquireState::Done;
                    return Poll::Ready(Ok(()));
                }
                let key = list.push_back(Waiter {
                    waker: Some(cx.waker().clone()),
                    needed,
                });
                if let Some(cell) = sem.deferred.cell().filter(|_| !was_queued) {
                    // The first waiter: from now on deferred releases come to the list; those
                    // made since the collection above are moved here (they may complete this
                    // very waiter).
                    if cell.fetch_or(WAITING, AcqRel) >> 1 != 0 {
                        sem.collect_deferred_locked(&mut list, &mut wakers);
                    }
                    if !list.is_linked(key) {
                        let w = list.remove(key);
                        debug_assert_eq!(w.needed, 0, "unlinked without its permits");
                        drop(list);
                        // (Our own waker is among these: one spurious wake-up, on a rare path.)
                        wakers.wake_all();
                        coop.made_progress();
                        self.state = AcquireState::Done;
                        return Poll::Ready(Ok(()));
                    }
                }
                drop(list);
                wakers.wake_all();
                self.state = AcquireState::Waiting(key);
                Poll::Pending
            }
            AcquireState::Waiting(key) => {
                let coop = ready!(coop::poll_proceed(cx));
                let mut list = sem.waiters.lock();
                if list.is_linked(key) {
                    let w = list.get_mut(key);
                    match &w.waker {
                        Some(old) if old.will_wake(cx.waker()) => {}
                        _ => w.waker = Some(cx.waker().clone()),
                    }
                    return Poll::Pending;
                }
                let w = list.remove(key);
                self.state = AcquireState::Done;
                if w.needed == 0 {
                    drop(list);
                    coop.made_progress();
                    Poll::Ready(Ok(()))
                } else {
                    // Unlinked without being whole: the semaphore was closed. Return what we had.
                    let mut wakers = WakeList::new();
                    sem.release_locked(&mut list, self.n - w.needed, &mut wakers);
                    drop(list);
                    wakers.wake_all();
                    Poll::Ready(Err(AcquireError))
                }
            }
            AcquireState::Done => panic!("semaphore acquire future polled after it completed"),
        }
    }
}

impl<D: Deferred> std::future::Future for Acquire<'_, D> {
    type Output = Result<(), AcquireError>;

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.poll_acquire(cx)
    }
}

impl<D: Deferred> Drop for Acquire<'_, D> {
    fn drop(&mut self) {
        if let AcquireState::Waiting(key) = self.state {
            let mut wakers = WakeList::new();
            {
                let mut list = self.sem.waiters.lock();
                let w = list.remove(key);
                // Permits collected so far (all of them if we were granted but never saw it) go
                // to the next waiter; with none, this still clears QUEUED if we were the last.
                self.sem
                    .release_locked(&mut list, self.n - w.needed, &mut wakers);
            }
            wakers.wake_all();
        }
    }
}

impl<D: Deferred> fmt::Debug for Acquire<'_, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("permits", &self.n)
            .field("state", &self.state)
            .finish()
    }
}

//! [`Notify`]: wake one task or all waiting tasks, with no data attached (asyncio's `Event` and
//! `Condition` building block).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use weft_core::loom::sync::atomic::{AtomicUsize, Ordering::*};
use weft_core::loom::sync::Mutex;
use weft_core::task::{Resource, WaitSite};

use crate::util::wait_list::WaitList;
use crate::util::wake_list::WakeList;

/// No waiter, no stored permit.
const EMPTY: usize = 0;
/// Waiters are queued (changes to and from this only under the lock).
const WAITING: usize = 1;
/// `notify_one` found nobody and stored a permit.
const NOTIFIED: usize = 2;
/// The bits of the three states above.
const STATE_MASK: usize = 0b11;
/// `notify_waiters` calls are counted above the two state bits.
const GEN_ONE: usize = 0b100;

/// Wakes tasks waiting in [`notified`](Notify::notified).
///
/// - [`notify_one`](Self::notify_one) wakes the longest-waiting task; if none waits, it stores a
///   single permit so that the next `notified().await` completes at once (several calls still store
///   only one permit).
/// - [`notify_waiters`](Self::notify_waiters) wakes every task waiting right now, including
///   `Notified` futures created but not yet polled, and stores no permit.
///
/// A `Notified` future that was chosen by `notify_one` but dropped before it completed passes the
/// notification on to the next waiter (or back as the stored permit), so no wakeup is lost.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use weft_sync::Notify;
///
/// # futures_executor::block_on(async {
/// let notify = Arc::new(Notify::new());
/// let n2 = notify.clone();
/// let t = std::thread::spawn(move || n2.notify_one());
/// notify.notified().await; // completes whether or not the thread ran first
/// t.join().unwrap();
/// # });
/// ```
///
/// # Invariants
///
/// The low two bits of `state` are `WAITING` exactly when the list has linked waiters. A waiter
/// slot's `notified` is set only while it is unlinked by a notifier.
pub struct Notify {
    state: AtomicUsize,
    waiters: Mutex<WaitList<Waiter>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    One,
    All,
}

struct Waiter {
    waker: Option<Waker>,
    notified: Option<Kind>,
}

impl Notify {
    /// Creates a `Notify` with no waiters and no stored permit.
    pub fn new() -> Self {
        Notify {
            state: AtomicUsize::new(EMPTY),
            waiters: Mutex::new(WaitList::new()),
        }
    }

    /// A future that completes when this task is notified.
    ///
    /// The future counts as waiting for [`notify_waiters`](Self::notify_waiters) from the moment it
    /// is created; for [`notify_one`](Self::notify_one) from its first poll (or it takes the stored
    /// permit then). The usual pattern is: create the future, check your condition, await.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `Notified` that had been picked by `notify_one` hands the
    /// notification to the next waiter.
    #[track_caller]
    pub fn notified(&self) -> Notified<'_> {
        self.notified_at(Some(WaitSite::caller(Resource::Notified)))
    }

    /// [`notified`](Self::notified) for weft's own primitives built on `Notify` (a barrier, a
    /// channel's `closed`): they record what their caller waits on themselves.
    pub(crate) fn notified_untracked(&self) -> Notified<'_> {
        self.notified_at(None)
    }

    fn notified_at(&self, site: Option<WaitSite>) -> Notified<'_> {
        Notified {
            notify: self,
            generation: self.state.load(SeqCst) & !STATE_MASK,
            state: NotifiedState::Init,
            site,
        }
    }

    /// Wakes the first waiting task, or stores one permit if no task waits.
    pub fn notify_one(&self) {
        let mut s = self.state.load(SeqCst);
        while s & STATE_MASK != WAITING {
            match self
                .state
                .compare_exchange_weak(s, (s & !STATE_MASK) | NOTIFIED, SeqCst, SeqCst)
            {
                Ok(_) => return,
                Err(actual) => s = actual,
            }
        }
        let waker = {
            let mut list = self.waiters.lock();
            self.notify_one_locked(&mut list)
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// `notify_one` with the list locked: returns the waker to call after unlocking.
    fn notify_one_locked(&self, list: &mut WaitList<Waiter>) -> Option<Waker> {
        let mut s = self.state.load(SeqCst);
        loop {
            if s & STATE_MASK == WAITING {
                let key = list
                    .pop_front()
                    .expect("Notify state WAITING with an empty wait list");
                if list.is_empty() {
                    // Only lock holders change the state while it is WAITING.
                    self.state.store((s & !STATE_MASK) | EMPTY, SeqCst);
                }
                let w = list.get_mut(key);
                w.notified = Some(Kind::One);
                return w.waker.take();
            }
            match self
                .state
                .compare_exchange_weak(s, (s & !STATE_MASK) | NOTIFIED, SeqCst, SeqCst)
            {
                Ok(_) => return None,
                Err(actual) => s = actual,
            }
        }
    }

    /// Wakes every task waiting right now (and every `Notified` created before this call). Stores
    /// no permit.
    pub fn notify_waiters(&self) {
        let mut wakers = WakeList::new();
        {
            let mut list = self.waiters.lock();
            let s = self.state.load(SeqCst);
            if s & STATE_MASK == WAITING {
                while let Some(key) = list.pop_front() {
                    let w = list.get_mut(key);
                    w.notified = Some(Kind::All);
                    if let Some(waker) = w.waker.take() {
                        wakers.push(waker);
                    }
                }
                self.state
                    .store((s & !STATE_MASK).wrapping_add(GEN_ONE) | EMPTY, SeqCst);
            } else {
                // The low bits may change concurrently (EMPTY <-> NOTIFIED): add atomically.
                self.state.fetch_add(GEN_ONE, SeqCst);
            }
        }
        wakers.wake_all();
    }
}

impl Default for Notify {
    fn default() -> Self {
        Notify::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.load(Relaxed);
        f.debug_struct("Notify")
            .field("waiting", &(s & STATE_MASK == WAITING))
            .field("permit", &(s & STATE_MASK == NOTIFIED))
            .finish()
    }
}

#[derive(Debug, Clone, Copy)]
enum NotifiedState {
    Init,
    Waiting(usize),
    Done,
}

/// The future returned by [`Notify::notified`]. Unpin.
///
/// # Cancel safety
///
/// Cancel safe: if `notify_one` picked this future and it is dropped before completing, the
/// notification passes to the next waiter or becomes the stored permit.
#[must_use = "futures do nothing unless polled"]
pub struct Notified<'a> {
    notify: &'a Notify,
    generation: usize,
    state: NotifiedState,
    /// Where `notified` was called, for task dumps (`None` inside weft's own primitives).
    site: Option<WaitSite>,
}

impl Notified<'_> {
    fn poll_notified(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let notify = self.notify;
        match self.state {
            NotifiedState::Init => {
                // Lock-free fast path: a `notify_waiters` since creation, or a stored permit.
                let mut s = notify.state.load(SeqCst);
                loop {
                    if s & !STATE_MASK != self.generation {
                        self.state = NotifiedState::Done;
                        return Poll::Ready(());
                    }
                    if s & STATE_MASK != NOTIFIED {
                        break;
                    }
                    match notify.state.compare_exchange_weak(
                        s,
                        (s & !STATE_MASK) | EMPTY,
                        SeqCst,
                        SeqCst,
                    ) {
                        Ok(_) => {
                            self.state = NotifiedState::Done;
                            return Poll::Ready(());
                        }
                        Err(actual) => s = actual,
                    }
                }
                let mut list = notify.waiters.lock();
                let mut s = notify.state.load(SeqCst);
                loop {
                    if s & !STATE_MASK != self.generation {
                        self.state = NotifiedState::Done;
                        return Poll::Ready(());
                    }
                    let (next, done) = match s & STATE_MASK {
                        NOTIFIED => ((s & !STATE_MASK) | EMPTY, true),
                        _ => ((s & !STATE_MASK) | WAITING, false),
                    };
                    match notify.state.compare_exchange_weak(s, next, SeqCst, SeqCst) {
                        Ok(_) if done => {
                            self.state = NotifiedState::Done;
                            return Poll::Ready(());
                        }
                        Ok(_) => break,
                        Err(actual) => s = actual,
                    }
                }
                let key = list.push_back(Waiter {
                    waker: Some(cx.waker().clone()),
                    notified: None,
                });
                self.state = NotifiedState::Waiting(key);
                Poll::Pending
            }
            NotifiedState::Waiting(key) => {
                let mut list = notify.waiters.lock();
                let w = list.get_mut(key);
                if w.notified.is_some() {
                    list.remove(key);
                    self.state = NotifiedState::Done;
                    return Poll::Ready(());
                }
                match &w.waker {
                    Some(old) if old.will_wake(cx.waker()) => {}
                    _ => w.waker = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
            NotifiedState::Done => Poll::Ready(()),
        }
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let out = self.poll_notified(cx);
        if let (Poll::Pending, Some(site)) = (&out, self.site) {
            site.record();
        }
        out
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        if let NotifiedState::Waiting(key) = self.state {
            let notify = self.notify;
            let waker = {
                let mut list = notify.waiters.lock();
                let linked = list.is_linked(key);
                let w = list.remove(key);
                if w.notified == Some(Kind::One) {
                    // We were picked but never completed: pass the notification on.
                    notify.notify_one_locked(&mut list)
                } else {
                    if linked && list.is_empty() {
                        let s = notify.state.load(SeqCst);
                        if s & STATE_MASK == WAITING {
                            notify.state.store((s & !STATE_MASK) | EMPTY, SeqCst);
                        }
                    }
                    None
                }
            };
            if let Some(w) = waker {
                w.wake();
            }
        }
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified")
            .field("state", &self.state)
            .finish()
    }
}

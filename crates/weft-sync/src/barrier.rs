//! [`Barrier`]: wait until a fixed number of tasks arrive (asyncio's `Barrier`).

use std::fmt;

use weft_core::loom::sync::atomic::{AtomicUsize, Ordering::*};
use weft_core::loom::sync::Mutex;

use crate::notify::Notify;

/// Lets `n` tasks wait for each other: each [`wait`](Self::wait) returns once `n` tasks are
/// waiting, and the barrier then starts over for the next round.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use weft_sync::Barrier;
///
/// let barrier = Arc::new(Barrier::new(3));
/// let threads: Vec<_> = (0..3)
///     .map(|_| {
///         let b = barrier.clone();
///         std::thread::spawn(move || futures_executor::block_on(b.wait()).is_leader())
///     })
///     .collect();
/// let leaders = threads.into_iter().map(|t| t.join().unwrap()).filter(|l| *l).count();
/// assert_eq!(leaders, 1);
/// ```
pub struct Barrier {
    n: usize,
    arrived: Mutex<usize>,
    generation: AtomicUsize,
    released: Notify,
}

/// What [`Barrier::wait`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// Whether this task was the one (exactly one per round) that completed the round: the last to
    /// arrive.
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl Barrier {
    /// Creates a barrier for `n` tasks (`n == 0` acts as 1: every `wait` returns at once).
    pub fn new(n: usize) -> Self {
        Barrier {
            n: n.max(1),
            arrived: Mutex::new(0),
            generation: AtomicUsize::new(0),
            released: Notify::new(),
        }
    }

    /// Waits until `n` tasks are waiting. The last to arrive is the leader.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: the arrival is counted when `wait` is first polled, and stays counted if
    /// the future is dropped, so a dropped waiter still counts toward the round (as tokio's
    /// `Barrier`).
    #[track_caller]
    pub fn wait(&self) -> impl std::future::Future<Output = BarrierWaitResult> + '_ {
        weft_core::task::wait_on(weft_core::task::Resource::Barrier, async move {
            crate::util::consume_budget().await;
            // Created before we count ourselves in: no release can slip between count and wait.
            let mut notified = self.released.notified_untracked();
            let generation = {
                let mut arrived = self.arrived.lock();
                *arrived += 1;
                if *arrived == self.n {
                    *arrived = 0;
                    self.generation.fetch_add(1, Release);
                    drop(arrived);
                    self.released.notify_waiters();
                    return BarrierWaitResult(true);
                }
                self.generation.load(Acquire)
            };
            loop {
                notified.await;
                if self.generation.load(Acquire) != generation {
                    return BarrierWaitResult(false);
                }
                notified = self.released.notified_untracked();
                if self.generation.load(Acquire) != generation {
                    return BarrierWaitResult(false);
                }
            }
        })
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("n", &self.n)
            .field("arrived", &*self.arrived.lock())
            .finish()
    }
}

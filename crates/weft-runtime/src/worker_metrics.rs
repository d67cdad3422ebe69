//! The counters each worker keeps about itself (read by [`RuntimeMetrics`](crate::metrics::RuntimeMetrics)).
//!
//! Each worker's counters sit in their own cache line and only that worker writes them, with a
//! relaxed load and store (no read-modify-write instruction, no line shared with another writer).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

use crossbeam_utils::CachePadded;

/// The counters of one worker (the current-thread runtime has one). Written by that worker only.
///
/// Plain std atomics, not loom's: they take no part in any synchronisation.
#[derive(Default)]
pub(crate) struct WorkerMetrics {
    pub(crate) poll_count: AtomicU64,
    pub(crate) steal_count: AtomicU64,
    pub(crate) park_count: AtomicU64,
    pub(crate) busy_nanos: AtomicU64,
    /// Kept only by the current-thread flavour, whose queue other threads cannot read.
    pub(crate) local_queue_depth: AtomicUsize,
}

/// Adds `n` to a counter that only the calling thread writes.
#[inline(always)]
fn add(counter: &AtomicU64, n: u64) {
    counter.store(counter.load(Relaxed).wrapping_add(n), Relaxed);
}

impl WorkerMetrics {
    /// `n` tasks polled (counted in batches by the worker loops).
    #[inline]
    pub(crate) fn polled(&self, n: u64) {
        add(&self.poll_count, n);
    }

    /// `n` tasks stolen from other workers.
    #[inline]
    pub(crate) fn stole(&self, n: usize) {
        add(&self.steal_count, n as u64);
    }

    /// The worker parks (goes idle).
    #[inline]
    pub(crate) fn parked(&self) {
        add(&self.park_count, 1);
    }

    /// The worker was busy from `since` until now; returns now (the start of what follows).
    #[inline]
    pub(crate) fn busy_until_now(&self, since: Instant) -> Instant {
        let now = Instant::now();
        let nanos = now.saturating_duration_since(since).as_nanos();
        add(&self.busy_nanos, u64::try_from(nanos).unwrap_or(u64::MAX));
        now
    }

    /// The current-thread flavour's queue length.
    #[inline(always)]
    pub(crate) fn set_local_queue_depth(&self, n: usize) {
        self.local_queue_depth.store(n, Relaxed);
    }
}

/// One [`WorkerMetrics`] per worker, each in its own cache line.
pub(crate) struct Workers(Box<[CachePadded<WorkerMetrics>]>);

impl Workers {
    pub(crate) fn new(n: usize) -> Workers {
        Workers((0..n).map(|_| CachePadded::default()).collect())
    }

    #[inline(always)]
    pub(crate) fn get(&self, i: usize) -> &WorkerMetrics {
        &self.0[i]
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

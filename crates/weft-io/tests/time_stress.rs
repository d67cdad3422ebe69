//! Many concurrent sleeps: a million in paused time (a hundred thousand in debug builds) and a
//! hundred thousand in real time. All fire, none early, and their memory is given back.
//!
//! CI runs this file in release mode (files named `*stress*`).

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};
use support::{run, FLAVORS};
use weft_io::time::{sleep, Instant};
use weft_io::Handle;

/// Counts the bytes currently allocated, to check that fired timers free their memory.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so `System`'s
// guarantees hold; the counter is only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we pass on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `System` with `layout` (every allocation goes through
        // `alloc` above).
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// A small deterministic generator (xorshift) for deadlines.
fn deadlines(n: usize, max_ms: u64) -> Vec<Duration> {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            Duration::from_millis(1 + x % max_ms)
        })
        .collect()
}

/// Starts `n` sleeps at once, waits for all; returns (bytes live at the peak, lateness max).
async fn many_sleeps(n: usize, max_ms: u64) -> (usize, Duration) {
    let handle = Handle::current();
    let mut all: FuturesUnordered<_> = deadlines(n, max_ms)
        .into_iter()
        .map(|d| {
            let timer = sleep(d);
            let deadline = timer.deadline();
            async move {
                timer.await;
                let now = Instant::now();
                assert!(now >= deadline, "a sleep fired early");
                now - deadline
            }
        })
        .collect();
    let mut fired = 0;
    let mut worst = Duration::ZERO;
    // One poll registers every timer (in real time, the shortest may already be due).
    match futures_util::poll!(all.next()) {
        std::task::Poll::Ready(Some(late)) => {
            fired += 1;
            worst = late;
        }
        std::task::Poll::Ready(None) => unreachable!("the set is not empty"),
        std::task::Poll::Pending => assert_eq!(handle.pending_timers(), n),
    }
    let peak = live();
    while let Some(late) = all.next().await {
        fired += 1;
        worst = worst.max(late);
    }
    assert_eq!(fired, n);
    assert_eq!(handle.pending_timers(), 0);
    (peak, worst)
}

#[test]
fn many_concurrent_sleeps_fire_and_free_memory() {
    let paused_n = if cfg!(debug_assertions) {
        100_000
    } else {
        1_000_000
    };
    for &flavor in FLAVORS {
        for (paused, n, max_ms) in [(true, paused_n, 20_000), (false, 100_000, 300)] {
            if paused && !flavor.supports_paused() {
                continue;
            }
            let before = live();
            let started = std::time::Instant::now();
            let (peak, worst) = run(flavor, paused, move || many_sleeps(n, max_ms));
            let after = live();
            eprintln!(
                "{flavor:?} paused={paused}: {n} sleeps in {:?}, worst lateness {worst:?}, \
                 peak {} MB, left {} KB",
                started.elapsed(),
                peak.saturating_sub(before) >> 20,
                after.saturating_sub(before) >> 10
            );
            assert!(
                peak > before + n * 32,
                "the sleeps should have held memory at the peak"
            );
            // Everything the timers took is back (a little slack for runtime-lifetime caches).
            assert!(
                after < before + (1 << 20),
                "{} bytes still held after all sleeps fired",
                after - before
            );
        }
    }
}

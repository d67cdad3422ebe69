//! A global allocator wrapper that counts live heap bytes (installed by the bench binaries).
//!
//! Two counts: the bytes asked for (`Layout::size`, what [`live_bytes`] returns), and what the
//! allocator really sets aside for them ([`live_footprint`]): glibc's malloc rounds every request
//! up to a 16-byte multiple that also holds its 8-byte chunk header (minimum 32), so a 96-byte
//! cell takes 112.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

static LIVE: AtomicIsize = AtomicIsize::new(0);
static FOOTPRINT: AtomicIsize = AtomicIsize::new(0);

/// Counts every allocation's size in and out.
pub struct Counting;

/// The bytes the allocator holds for the block at `ptr`: its usable size plus the chunk header.
///
/// # Safety
///
/// `ptr` is a live block from `System` (null counts as nothing).
unsafe fn footprint(ptr: *mut u8) -> isize {
    if ptr.is_null() {
        return 0;
    }
    // SAFETY: the caller's contract: a live block of the system allocator (malloc).
    let usable = unsafe { libc::malloc_usable_size(ptr.cast()) };
    (usable + std::mem::size_of::<usize>()) as isize
}

// SAFETY: delegates to System, only adding bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        let ptr = unsafe { System.alloc(layout) };
        // SAFETY: fresh from System (or null).
        FOOTPRINT.fetch_add(unsafe { footprint(ptr) }, Ordering::Relaxed);
        ptr
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller passes a live block of ours, i.e. of System.
        FOOTPRINT.fetch_sub(unsafe { footprint(ptr) }, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: a live block of ours, i.e. of System.
        let old = unsafe { footprint(ptr) };
        // SAFETY: same contract as ours.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            );
            // SAFETY: the block realloc returned is live.
            FOOTPRINT.fetch_add(unsafe { footprint(new) } - old, Ordering::Relaxed);
        }
        new
    }
}

/// Bytes currently allocated (as requested).
pub fn live_bytes() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// Bytes the allocator currently holds for them (with its rounding and chunk headers).
pub fn live_footprint() -> isize {
    FOOTPRINT.load(Ordering::Relaxed)
}

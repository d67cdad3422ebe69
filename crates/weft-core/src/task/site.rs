//! A task's spawn site, its spawn location and optional name, packed into one word of the header.
//!
//! Most tasks have no name: their word is the `&'static Location` itself, so naming costs them
//! nothing. A named task's word points to a small heap block holding the location and the name
//! (one more allocation when a named task is spawned), told apart by the low bit of the word.

use std::fmt;
use std::panic::Location;

/// The heap block of a named task's spawn site.
struct Named {
    location: &'static Location<'static>,
    name: Box<str>,
}

/// Where a task was spawned and its name, in one pointer-sized word.
///
/// # Invariants
///
/// `word` is either the address of a `Location<'static>` (low bit clear), or one byte past the
/// address of a `Named` leaked from a `Box` that this value owns (low bit set). Both types are
/// aligned to at least 2 bytes, so bit 0 is free for the tag; the word never changes after
/// construction, and the `Named` block is freed only by `Drop`.
pub(super) struct SpawnSite {
    word: *const u8,
}

// SAFETY: the value is immutable after construction and only hands out `&'static Location` and
// `&str` (both `Send + Sync`); the owned `Named` block (a `Location` reference and a `Box<str>`)
// is `Send + Sync` too, and is freed by whoever drops the value, on any thread.
unsafe impl Send for SpawnSite {}
// SAFETY: as for `Send`: `&SpawnSite` only reads.
unsafe impl Sync for SpawnSite {}

const _: () = assert!(std::mem::align_of::<Location<'static>>() >= 2);
const _: () = assert!(std::mem::align_of::<Named>() >= 2);

const NAMED: usize = 1;

impl SpawnSite {
    /// The site of a task spawned at `location`, named `name` if given.
    #[inline]
    pub(super) fn new(location: &'static Location<'static>, name: Option<Box<str>>) -> SpawnSite {
        let word = match name {
            None => (location as *const Location<'static>).cast::<u8>(),
            Some(name) => named_word(location, name),
        };
        SpawnSite { word }
    }

    #[inline]
    fn named(&self) -> Option<&Named> {
        if self.word.addr() & NAMED == 0 {
            return None;
        }
        // SAFETY: invariant: a tagged word is one byte past a live `Named` block this value owns;
        // it is freed only by `Drop`, so it outlives `&self`.
        Some(unsafe { &*self.word.wrapping_sub(NAMED).cast::<Named>() })
    }

    /// Where the task was spawned.
    #[inline]
    pub(super) fn location(&self) -> &'static Location<'static> {
        match self.named() {
            Some(named) => named.location,
            // SAFETY: invariant: an untagged word is the address of a `Location<'static>`.
            None => unsafe { &*self.word.cast::<Location<'static>>() },
        }
    }

    /// The task's name, if it was spawned with one.
    #[inline]
    pub(super) fn name(&self) -> Option<&str> {
        self.named().map(|named| &*named.name)
    }
}

/// The tagged word of a named task's site: out of line, so that spawning an unnamed task stays a
/// plain store.
#[cold]
#[inline(never)]
fn named_word(location: &'static Location<'static>, name: Box<str>) -> *const u8 {
    let named = Box::into_raw(Box::new(Named { location, name }));
    // The tag: one byte past the aligned block (same provenance, no address math outside it).
    named.cast::<u8>().wrapping_add(NAMED).cast_const()
}

/// Frees a named site's block.
///
/// # Safety
///
/// `word` is a tagged `SpawnSite` word whose owner gives it up (it is not used again).
#[cold]
#[inline(never)]
unsafe fn free_named(word: *const u8) {
    // SAFETY: the caller's contract: the word is one byte past a `Named` leaked from a `Box`
    // that nobody uses any more; it is freed here, once.
    drop(unsafe { Box::from_raw(word.wrapping_sub(NAMED).cast::<Named>().cast_mut()) });
}

impl Drop for SpawnSite {
    #[inline]
    fn drop(&mut self) {
        if self.word.addr() & NAMED != 0 {
            // SAFETY: invariant: a tagged word owns its block, and this value is being dropped.
            unsafe { free_named(self.word) };
        }
    }
}

impl fmt::Debug for SpawnSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpawnSite")
            .field("location", &format_args!("{}", self.location()))
            .field("name", &self.name())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn unnamed_site_is_the_location() {
        let here = Location::caller();
        let site = SpawnSite::new(here, None);
        assert!(std::ptr::eq(site.location(), here));
        assert_eq!(site.name(), None);
        assert_eq!(
            std::mem::size_of::<SpawnSite>(),
            std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn named_site_keeps_both() {
        let here = Location::caller();
        let site = SpawnSite::new(here, Some("worker-7".into()));
        assert!(std::ptr::eq(site.location(), here));
        assert_eq!(site.name(), Some("worker-7"));
        let empty = SpawnSite::new(here, Some("".into()));
        assert_eq!(empty.name(), Some(""));
        assert!(format!("{site:?}").contains("worker-7"));
    }

    #[test]
    fn sites_move_across_threads() {
        let site = SpawnSite::new(Location::caller(), Some("moved".into()));
        let name = std::thread::spawn(move || site.name().map(str::to_owned))
            .join()
            .unwrap();
        assert_eq!(name.as_deref(), Some("moved"));
    }
}

//! The *tail protocol* that makes a dropped [`File`](crate::File)'s buffered bytes reach the OS
//! after every earlier operation of that `File`, exactly once. Generic over the pending work `W`
//! so that a loom model (`tests/loom_tail.rs`) checks it without files; public only under
//! `--cfg loom`, for that model.
//!
//! 1. The `File` calls [`Tail::begin`] before it spawns an operation: `busy = true`.
//! 2. A job that is done with its own work (it ran, panicked, or was cancelled unrun because the
//!    runtime shut down) calls [`Tail::finish`]: it runs any orphan, and sets `busy = false`
//!    under the lock.
//! 3. A `File` dropped with buffered bytes calls [`Tail::hand_over`]: under the same lock, if a
//!    job is busy the bytes become its orphan (rule 2 runs them after the job's own work);
//!    otherwise `busy = true` and the caller starts a new job for them (which ends with rule 2).
//!
//! The lock makes 2 and 3 exclusive, so an orphan is never left behind by a job that has already
//! looked, and it never runs before an earlier operation of the same `File`.

use std::fmt;

use weft_core::loom::sync::Mutex;

/// Tail state of one `File`; see the module docs for the protocol.
pub struct Tail<W> {
    inner: Mutex<Inner<W>>,
}

struct Inner<W> {
    /// A job of this file has been spawned and has not finished rule 2.
    busy: bool,
    /// Work of a dropped `File`, to be run by the busy job.
    orphan: Option<W>,
}

impl<W> Tail<W> {
    /// Idle, no orphan.
    pub fn new() -> Tail<W> {
        Tail {
            inner: Mutex::new(Inner {
                busy: false,
                orphan: None,
            }),
        }
    }

    /// Rule 1: an operation is about to be spawned.
    pub fn begin(&self) {
        let mut inner = self.inner.lock();
        debug_assert!(!inner.busy, "one operation in flight at a time");
        inner.busy = true;
    }

    /// Rule 2: the job in flight is done with its own work; `run` performs each orphan (outside
    /// the lock).
    pub fn finish(&self, mut run: impl FnMut(W)) {
        loop {
            let mut inner = self.inner.lock();
            match inner.orphan.take() {
                Some(orphan) => {
                    drop(inner);
                    run(orphan);
                }
                None => {
                    inner.busy = false;
                    return;
                }
            }
        }
    }

    /// Rule 3: the `File` is dropped with `work` pending. Returns it back if the caller must run
    /// it in a new job (already marked busy; the job ends with [`Tail::finish`]); `None` if the
    /// busy job took it.
    pub fn hand_over(&self, work: W) -> Option<W> {
        let mut inner = self.inner.lock();
        if inner.busy {
            debug_assert!(inner.orphan.is_none(), "a File is dropped once");
            inner.orphan = Some(work);
            None
        } else {
            inner.busy = true;
            Some(work)
        }
    }

    /// Whether a job is in flight (for the loom model).
    #[cfg_attr(not(loom), allow(dead_code))]
    pub fn is_busy(&self) -> bool {
        self.inner.lock().busy
    }
}

impl<W> Default for Tail<W> {
    fn default() -> Tail<W> {
        Tail::new()
    }
}

impl<W> fmt::Debug for Tail<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.inner.lock();
        f.debug_struct("Tail")
            .field("busy", &inner.busy)
            .field("orphan", &inner.orphan.is_some())
            .finish()
    }
}

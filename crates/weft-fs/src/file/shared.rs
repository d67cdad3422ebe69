//! What a [`File`](super::File) shares with its pool jobs: the std file, and the *tail* that makes
//! a dropped `File`'s buffered bytes reach the OS after every earlier operation, exactly once.
//!
//! # The tail protocol
//!
//! 1. The `File` calls [`Shared::begin`] before it spawns an operation: `busy = true`.
//! 2. Every job holds an [`OpJob`]. When it is dropped (the job ran, panicked, or was cancelled
//!    unrun because the runtime shut down) it first performs its own write if that never ran,
//!    then [`Shared::finish`]: it writes any orphan, and sets `busy = false` under the lock.
//! 3. A `File` dropped with buffered bytes calls [`Shared::hand_over`]: under the same lock, if a
//!    job is busy the bytes become its orphan (rule 2 writes them after the job's own work);
//!    otherwise `busy = true` and the caller starts a new job for them.
//!
//! The lock makes 2 and 3 exclusive, so an orphan is never left behind by a job that has already
//! looked, and bytes are never written before an earlier operation of the same `File`.

use std::fmt;
use std::fs::File as StdFile;
use std::io::{self, Seek, SeekFrom, Write};
use std::sync::PoisonError;

use weft_core::loom::sync::{Arc, Mutex};

/// The std file and the tail state of one [`File`](super::File).
pub(crate) struct Shared {
    pub(crate) file: StdFile,
    tail: Mutex<Tail>,
}

struct Tail {
    /// A job of this file has been spawned and has not finished its tail.
    busy: bool,
    /// Bytes of a dropped `File`, to be written by the busy job.
    orphan: Option<PendingWrite>,
}

/// Bytes to write at the file's cursor, after moving it by `rewind` (negative: giving back
/// read-ahead that the reader never consumed, so the bytes land at the logical position).
#[derive(Debug)]
pub(crate) struct PendingWrite {
    pub(crate) rewind: i64,
    pub(crate) data: Vec<u8>,
}

impl PendingWrite {
    /// Seeks by `rewind`, then writes all of `data` (retrying `Interrupted`).
    pub(crate) fn write_to(&self, mut file: &StdFile) -> io::Result<()> {
        if self.rewind != 0 {
            file.seek(SeekFrom::Current(self.rewind))?;
        }
        file.write_all(&self.data)
    }
}

impl Shared {
    pub(crate) fn new(file: StdFile) -> Shared {
        Shared {
            file,
            tail: Mutex::new(Tail {
                busy: false,
                orphan: None,
            }),
        }
    }

    /// Rule 1: an operation is about to be spawned.
    pub(crate) fn begin(&self) {
        let mut tail = self.tail.lock().unwrap_or_else(PoisonError::into_inner);
        debug_assert!(!tail.busy, "one operation in flight at a time");
        tail.busy = true;
    }

    /// Rule 2: the running job is done with its own work.
    fn finish(&self) {
        loop {
            let mut tail = self.tail.lock().unwrap_or_else(PoisonError::into_inner);
            match tail.orphan.take() {
                Some(orphan) => {
                    drop(tail);
                    // Nobody is left to hear about an error: the File is gone.
                    let _ = orphan.write_to(&self.file);
                }
                None => {
                    tail.busy = false;
                    return;
                }
            }
        }
    }

    /// Rule 3: the `File` is dropped with `bytes` buffered. Returns them back if the caller must
    /// write them in a new job (already marked busy); `None` if the busy job took them.
    pub(crate) fn hand_over(&self, bytes: PendingWrite) -> Option<PendingWrite> {
        let mut tail = self.tail.lock().unwrap_or_else(PoisonError::into_inner);
        if tail.busy {
            debug_assert!(tail.orphan.is_none(), "a File is dropped once");
            tail.orphan = Some(bytes);
            None
        } else {
            tail.busy = true;
            Some(bytes)
        }
    }
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

/// A pool job's hold on the file: its drop runs rule 2 (and the job's own write, if it never ran).
#[derive(Debug)]
pub(crate) struct OpJob {
    shared: Arc<Shared>,
    write: Option<PendingWrite>,
}

impl OpJob {
    /// A job for `shared`, which the caller has marked busy ([`Shared::begin`] or
    /// [`Shared::hand_over`]), carrying the write it must do, if any.
    pub(crate) fn new(shared: Arc<Shared>, write: Option<PendingWrite>) -> OpJob {
        OpJob { shared, write }
    }

    pub(crate) fn file(&self) -> &StdFile {
        &self.shared.file
    }

    /// Takes the job's write to run it now (so the drop does not run it again).
    pub(crate) fn take_write(&mut self) -> Option<PendingWrite> {
        self.write.take()
    }
}

impl Drop for OpJob {
    fn drop(&mut self) {
        if let Some(write) = self.write.take() {
            // The job was cancelled before it ran (the runtime shut down): the bytes still go to
            // the OS, here. Nobody waits for the result.
            let _ = write.write_to(&self.shared.file);
        }
        self.shared.finish();
    }
}

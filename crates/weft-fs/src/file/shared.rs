//! What a [`File`](super::File) shares with its pool jobs: the std file, and the [`Tail`] that
//! makes a dropped `File`'s buffered bytes reach the OS after every earlier operation, exactly
//! once (the protocol is described in `crate::tail`). Every job holds an [`OpJob`], whose drop
//! runs the job's write if it never ran (cancelled at runtime shutdown), then rule 2.

use std::fmt;
use std::fs::File as StdFile;
use std::io::{self, Seek, SeekFrom, Write};
use weft_core::loom::sync::Arc;

use crate::tail::Tail;

/// The std file and the tail state of one [`File`](super::File).
pub(crate) struct Shared {
    pub(crate) file: StdFile,
    pub(crate) tail: Tail<PendingWrite>,
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
            tail: Tail::new(),
        }
    }

    /// Rule 2, writing orphans to the file. Nobody is left to hear about their errors.
    fn finish(&self) {
        self.tail.finish(|orphan| {
            let _ = orphan.write_to(&self.file);
        });
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
    /// A job for `shared`, which the caller has marked busy ([`Tail::begin`] or
    /// [`Tail::hand_over`]), carrying the write it must do, if any.
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

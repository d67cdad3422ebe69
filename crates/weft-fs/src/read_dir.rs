//! [`read_dir`]: a directory listing as a [`Stream`], fetched in batches of 32 entries per pool
//! trip.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::fs::{FileType, Metadata};
use std::future::{poll_fn, Future};
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_core::Stream;
use weft_core::loom::sync::Arc;
use weft_core::task::JoinHandle;

use crate::blocking::{self, asyncify, join_result, with_budget};

/// Entries fetched per trip to the blocking pool: a trip is a hand-off to another thread and back,
/// so one per entry would dominate a listing; 32 keeps the wait for the first entries short.
const BATCH: usize = 32;

/// Opens the directory at `path` for listing, like [`std::fs::read_dir`].
///
/// The entries come from the returned [`ReadDir`] stream (or its
/// [`next_entry`](ReadDir::next_entry)), in the OS's order, without `.` and `..`.
///
/// # Examples
///
/// ```
/// use futures_util::StreamExt;
///
/// # let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// let dir = std::env::temp_dir().join(format!("weft-fs-doc-readdir-{}", std::process::id()));
/// weft_fs::create_dir_all(&dir).await?;
/// weft_fs::write(dir.join("a.txt"), "a").await?;
/// let mut names = Vec::new();
/// let mut entries = weft_fs::read_dir(&dir).await?;
/// while let Some(entry) = entries.next().await {
///     names.push(entry?.file_name());
/// }
/// assert_eq!(names, ["a.txt"]);
/// # weft_fs::remove_dir_all(&dir).await?;
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
///
/// # Errors
/// As [`std::fs::read_dir`] (`NotFound`, `NotADirectory`, `PermissionDenied`, ...). Errors while
/// listing come as `Err` items of the stream.
///
/// # Panics
/// Outside a weft runtime.
///
/// # Cancel safety
/// Cancel safe.
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    let std = asyncify(move || std::fs::read_dir(path)).await?;
    Ok(ReadDir {
        state: State::Idle(Some(Batch {
            entries: VecDeque::new(),
            std,
            done: false,
        })),
    })
}

/// The entries of a directory: a [`Stream`] of `io::Result<DirEntry>`, made by [`read_dir`].
///
/// Entries are read 32 per trip to the blocking pool; dropping the stream mid-trip lets that
/// trip finish in the background.
pub struct ReadDir {
    state: State,
}

enum State {
    /// `None` only after the std iterator's job panicked.
    Idle(Option<Batch>),
    Pending(JoinHandle<Batch>),
}

struct Batch {
    entries: VecDeque<io::Result<DirEntry>>,
    std: std::fs::ReadDir,
    done: bool,
}

impl Batch {
    fn fill(mut self) -> Batch {
        for _ in 0..BATCH {
            match self.std.next() {
                Some(entry) => self.entries.push_back(entry.map(DirEntry::new)),
                None => {
                    self.done = true;
                    break;
                }
            }
        }
        self
    }
}

impl ReadDir {
    /// The next entry, or `None` at the end of the directory.
    ///
    /// # Examples
    ///
    /// ```
    /// # let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
    /// # rt.block_on(async {
    /// let mut entries = weft_fs::read_dir(std::env::temp_dir()).await?;
    /// while let Some(entry) = entries.next_entry().await? {
    ///     let _ = entry.path();
    /// }
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    /// An error the OS reported for this entry while listing.
    ///
    /// # Panics
    /// Outside a weft runtime (when a new batch must be fetched).
    ///
    /// # Cancel safety
    /// Cancel safe: a batch fetched for an abandoned call is kept for the next one.
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        poll_fn(|cx| with_budget(cx, |cx| self.poll_next_entry(cx)))
            .await
            .transpose()
    }

    fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<Option<io::Result<DirEntry>>> {
        loop {
            match &mut self.state {
                State::Idle(batch) => {
                    let Some(batch) = batch else {
                        return Poll::Ready(None);
                    };
                    if let Some(entry) = batch.entries.pop_front() {
                        return Poll::Ready(Some(entry));
                    }
                    if batch.done {
                        return Poll::Ready(None);
                    }
                    let State::Idle(Some(batch)) =
                        std::mem::replace(&mut self.state, State::Idle(None))
                    else {
                        unreachable!("weft-fs: matched Idle(Some) just above")
                    };
                    self.state = State::Pending(blocking::spawn(move || batch.fill()));
                }
                State::Pending(handle) => {
                    let res = ready!(Pin::new(handle).poll(cx));
                    match join_result(res) {
                        Ok(batch) => self.state = State::Idle(Some(batch)),
                        Err(e) => {
                            // Cancelled at runtime shutdown: the listing ends with the error.
                            self.state = State::Idle(None);
                            return Poll::Ready(Some(Err(e)));
                        }
                    }
                }
            }
        }
    }
}

impl Stream for ReadDir {
    type Item = io::Result<DirEntry>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let me = self.get_mut();
        with_budget(cx, |cx| me.poll_next_entry(cx))
    }
}

impl fmt::Debug for ReadDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ReadDir");
        match &self.state {
            State::Idle(Some(batch)) => d
                .field("buffered", &batch.entries.len())
                .field("done", &batch.done),
            State::Idle(None) => d.field("done", &true),
            State::Pending(_) => d.field("fetching", &true),
        };
        d.finish()
    }
}

/// One entry of a directory listing, from [`ReadDir`].
///
/// `path`, `file_name` and (on Unix) `ino` come from the listing; `file_type` usually does too
/// (it is read in the same trip), `metadata` costs a trip.
#[derive(Clone)]
pub struct DirEntry {
    pub(crate) std: Arc<std::fs::DirEntry>,
    /// Read during the listing trip, when the OS gave it for free (Linux's `d_type`).
    file_type: Option<FileType>,
}

impl DirEntry {
    fn new(std: std::fs::DirEntry) -> DirEntry {
        let file_type = std.file_type().ok();
        DirEntry {
            std: Arc::new(std),
            file_type,
        }
    }

    /// The full path of the entry: the listed directory's path joined with
    /// [`file_name`](DirEntry::file_name).
    pub fn path(&self) -> PathBuf {
        self.std.path()
    }

    /// The entry's name inside its directory.
    pub fn file_name(&self) -> OsString {
        self.std.file_name()
    }

    /// The entry's metadata, not following a symbolic link, like
    /// [`std::fs::DirEntry::metadata`].
    ///
    /// # Errors
    /// As [`std::fs::DirEntry::metadata`] (`NotFound` if the entry was removed since).
    ///
    /// # Panics
    /// Outside a weft runtime.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = Arc::clone(&self.std);
        asyncify(move || std.metadata()).await
    }

    /// The entry's file type, not following a symbolic link, like
    /// [`std::fs::DirEntry::file_type`]. Usually known from the listing, without a trip.
    ///
    /// # Errors
    /// As [`std::fs::DirEntry::file_type`].
    ///
    /// # Panics
    /// Outside a weft runtime, when the type must be fetched.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub async fn file_type(&self) -> io::Result<FileType> {
        if let Some(ft) = self.file_type {
            return Ok(ft);
        }
        let std = Arc::clone(&self.std);
        asyncify(move || std.file_type()).await
    }
}

impl fmt::Debug for DirEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DirEntry").field(&self.path()).finish()
    }
}

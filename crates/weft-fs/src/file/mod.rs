//! [`File`]: an open file whose reads, writes and seeks run on the blocking pool, one operation at
//! a time, through an internal buffer.

mod direct;
mod io_impl;
mod read_buf;
mod shared;

use std::fmt;
use std::fs::{File as StdFile, Metadata, Permissions};
use std::future::{poll_fn, Future};
use std::io::{self, Seek, SeekFrom};
use std::path::Path;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use weft_core::loom::sync::Arc;
use weft_core::task::{JoinError, JoinHandle};

use crate::blocking::{self, asyncify};
use crate::OpenOptions;

use read_buf::ReadBuf;
use shared::{OpJob, PendingWrite, Shared};

/// Largest read or write of one pool trip, and largest write buffer: bounds the memory one `File`
/// holds and how long one trip keeps a pool thread, while a large transfer still needs few trips.
const MAX_BUF: usize = 2 * 1024 * 1024;
/// First read-ahead after opening, seeking or writing: small, so a file read in a few small pieces
/// or at scattered offsets does not fetch data it never uses. It doubles on each sequential trip.
const READAHEAD_MIN: usize = 32 * 1024;
/// Largest read-ahead of one trip (a larger `read` still reads up to [`MAX_BUF`] at once): a
/// sequential reader needs one trip per 512 KiB, and the two read buffers stay small.
const READAHEAD_MAX: usize = 512 * 1024;
/// Buffered write bytes that start a write on the pool without waiting for `flush`: below it,
/// small writes gather into one system call; above it, the pool writes while the task fills the
/// next buffer.
const WRITE_THRESHOLD: usize = 256 * 1024;
/// Smallest `read` that is first tried straight from the page cache into the caller's buffer
/// (smaller reads are cheaper served from the read-ahead buffer).
const DIRECT_MIN: usize = 32 * 1024;
/// Largest such read, so one `read` call copies at most this much on a reactor thread.
const DIRECT_MAX: usize = 512 * 1024;
/// What a smaller read with nothing buffered first tries to copy from the page cache into the
/// read-ahead buffer (small enough to stay in the CPU cache for the copies out of it).
const DIRECT_FILL: usize = 64 * 1024;

/// An open file on the file system, read and written off the reactor threads.
///
/// `File` implements the futures-io traits [`AsyncRead`](futures_io::AsyncRead),
/// [`AsyncWrite`](futures_io::AsyncWrite) and [`AsyncSeek`](futures_io::AsyncSeek) (use
/// `futures_util::io::{AsyncReadExt, AsyncWriteExt, AsyncSeekExt}` or `weft::io` for `read`,
/// `write_all`, `seek`, ...). Regular files are always "ready" to epoll, so system calls that may
/// wait for the disk run on the runtime's blocking pool. To keep that cheap:
///
/// - **Reads from the page cache skip the pool** (Linux): a `read` with nothing buffered and no
///   operation in flight first copies what the page cache holds on the task's thread, with
///   `preadv2(RWF_NOWAIT)`, which never waits for the disk: a read of at least 32 KiB straight
///   into the caller's buffer (up to 512 KiB; one copy, as std), a smaller one into a 64 KiB
///   internal buffer that later reads are served from. What is not cached (or a file that does
///   not support it, or the end of the file) goes to the pool as below. Such a read may return
///   fewer bytes than asked, as any `read` may.
/// - **Reads** fill an internal buffer with at least the requested length (up to 2 MiB): 32 KiB
///   at first, doubling on each sequential trip up to 512 KiB (reset by a seek or a write).
///   Later reads are served from the buffer without a trip. From the third sequential trip on,
///   the next trip is started as soon as the current buffer is being read (a prefetch into a
///   second buffer), so the pool reads while the task copies; a prefetch stops at a short read
///   (the end of the file).
/// - **Writes** are copied into an internal buffer and return at once. Once 256 KiB are buffered,
///   a write of them starts on the pool while later writes keep filling a second buffer (up to
///   2 MiB, after which `write` waits).
/// - **One operation is in flight at a time.** Any operation that needs the pool first waits for
///   the one in flight (reads served from the buffer do not wait for a prefetch); a read or seek
///   first writes out buffered bytes; a seek gives unread read-ahead back (so
///   positions match [`std::fs::File`] exactly).
///
/// Each completed `read`, `write`, `seek` or `flush` poll spends one unit of the task's
/// cooperative budget ([`weft_core::coop`]), so a loop over buffered data still lets other tasks
/// run.
///
/// # When data reaches the OS, and when it is durable
///
/// - After `write` returns, the bytes may still be in this `File`'s buffer.
/// - After [`flush`](futures_util::io::AsyncWriteExt::flush) (or `close`) completes with `Ok`,
///   every byte written before it has been handed to the OS (`write(2)` returned): other handles
///   and processes read it, and it survives this process crashing — but not a power loss.
/// - After [`sync_all`](File::sync_all) or [`sync_data`](File::sync_data) completes with `Ok`,
///   they are also durable on the storage device (as far as `fsync` promises).
///
/// A write that fails on the pool (a full disk, say) reports its error from the next `write`,
/// `flush`, `close`, `sync_*` or `set_len`; the bytes it did not write are dropped, and the file's
/// contents from that write on are unspecified.
///
/// # Dropping a `File`
///
/// Dropping a `File` never loses buffered or in-flight bytes: they are written in the background
/// on the blocking pool, after the operation in flight (if any) and in order. With no runtime on
/// the dropping thread they are written synchronously, inside `drop`; a job the runtime cancels
/// at shutdown writes its bytes on the thread that cancels it. Errors of such writes are
/// ignored, because nobody is left to receive them: `flush` (or `sync_all`) before dropping
/// when you need to know. The file descriptor is closed once the last write is done.
///
/// # Examples
///
/// ```
/// use futures_util::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
/// use std::io::SeekFrom;
///
/// # let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// let path = std::env::temp_dir().join(format!("weft-fs-doc-file-{}", std::process::id()));
/// let mut file = weft_fs::File::create(&path).await?;
/// file.write_all(b"hello, file").await?;
/// file.flush().await?; // now the OS has it
/// file.sync_all().await?; // and now it is on disk
///
/// let mut file = weft_fs::File::open(&path).await?;
/// file.seek(SeekFrom::Start(7)).await?;
/// let mut word = String::new();
/// file.read_to_string(&mut word).await?;
/// assert_eq!(word, "file");
/// # weft_fs::remove_file(&path).await?;
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
///
/// # Invariants
///
/// - At most one pool job of this `File` is in flight (`state` is `Busy`), and it owns the
///   buffer it reads into or writes from.
/// - Unread read-ahead and buffered writes never coexist: reading first writes `wbuf` out, and
///   writing first turns unread read-ahead into `wrewind`. The logical position is
///   `OS cursor - rbuf.unread()` when reading and `OS cursor + wrewind + wbuf.len()` when writing.
pub struct File {
    pub(crate) shared: Arc<Shared>,
    state: State,
    rbuf: ReadBuf,
    /// Written bytes not yet handed to a pool job.
    wbuf: Vec<u8>,
    /// Cursor move to apply before writing `wbuf` (gives back unread read-ahead).
    wrewind: i64,
    /// The buffer of the last finished write, reused for the next one.
    wspare: Vec<u8>,
    /// The error of a write that failed on the pool, for the next write or flush.
    err: Option<io::Error>,
    /// Size of the next read trip.
    readahead: usize,
    /// The last read trip came back short: do not prefetch.
    eof: bool,
    /// Large reads with nothing buffered are first tried without the pool
    /// ([`direct::try_read`]); cleared when the file does not support that.
    direct: bool,
}

/// One task waits on the job in flight: every method that starts or awaits it takes `&mut self`
/// (the `&self` methods, `metadata`, `try_clone`, `set_permissions`, run a job of their own and
/// await its own `JoinHandle`), and a clone from `try_clone` has its own `State`.
enum State {
    Idle,
    Busy(JoinHandle<Done>, OpKind),
}

/// What the job in flight does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpKind {
    Read,
    Write,
    Seek(SeekFrom),
    Unit,
}

/// What a job hands back: its buffer and its result.
enum Done {
    Read {
        buf: Vec<u8>,
        asked: usize,
        res: io::Result<usize>,
    },
    Write {
        buf: Vec<u8>,
        res: io::Result<()>,
    },
    Seek {
        /// The unread read-ahead was given back to the OS even though `res` may be an error.
        rewound: bool,
        res: io::Result<u64>,
    },
    Unit {
        rewound: bool,
        res: io::Result<()>,
    },
}

/// A finished operation, as the poller that observed it sees it.
enum Outcome {
    Read(io::Result<usize>),
    Write,
    Seek(SeekFrom, io::Result<u64>),
    Unit(io::Result<()>),
}

/// `read`, retrying `Interrupted`.
fn read_retry(mut file: &StdFile, buf: &mut [u8]) -> io::Result<usize> {
    use std::io::Read;
    loop {
        match file.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            res => return res,
        }
    }
}

impl File {
    /// Opens the file at `path` read-only, like [`std::fs::File::open`].
    ///
    /// # Examples
    ///
    /// ```
    /// # let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
    /// # rt.block_on(async {
    /// let err = weft_fs::File::open("/no/such/weft/file").await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// # });
    /// ```
    ///
    /// # Errors
    /// As [`std::fs::File::open`]: `NotFound`, `PermissionDenied`, ...
    ///
    /// # Panics
    /// Outside a weft runtime.
    ///
    /// # Cancel safety
    /// Cancel safe: a file opened after the future was dropped is closed again.
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        let path = path.as_ref().to_owned();
        asyncify(move || StdFile::open(path))
            .await
            .map(File::from_std)
    }

    /// Opens the file at `path` write-only, creating it or truncating it, like
    /// [`std::fs::File::create`].
    ///
    /// # Errors
    /// As [`std::fs::File::create`].
    ///
    /// # Panics
    /// Outside a weft runtime.
    ///
    /// # Cancel safety
    /// Not cancel safe: the file may be created or truncated after the future is dropped.
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        let path = path.as_ref().to_owned();
        asyncify(move || StdFile::create(path))
            .await
            .map(File::from_std)
    }

    /// Creates a new file at `path`, read-write, failing with `AlreadyExists` if there is one,
    /// like [`std::fs::File::create_new`].
    ///
    /// # Errors
    /// As [`std::fs::File::create_new`].
    ///
    /// # Panics
    /// Outside a weft runtime.
    ///
    /// # Cancel safety
    /// Not cancel safe: the file may be created after the future is dropped.
    pub async fn create_new(path: impl AsRef<Path>) -> io::Result<File> {
        let path = path.as_ref().to_owned();
        asyncify(move || StdFile::create_new(path))
            .await
            .map(File::from_std)
    }

    /// Options to open a file with; see [`OpenOptions`].
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Wraps an open std file. Works outside a runtime (the `File` needs one only when used).
    ///
    /// # Examples
    ///
    /// ```
    /// let std_file = std::fs::File::open(std::env::temp_dir()).unwrap();
    /// let file = weft_fs::File::from_std(std_file);
    /// # drop(file);
    /// ```
    pub fn from_std(std: StdFile) -> File {
        File {
            shared: Arc::new(Shared::new(std)),
            state: State::Idle,
            rbuf: ReadBuf::default(),
            wbuf: Vec::new(),
            wrewind: 0,
            wspare: Vec::new(),
            err: None,
            readahead: READAHEAD_MIN,
            eof: false,
            direct: true,
        }
    }

    /// Turns this into a std file, after waiting for the operation in flight and writing out
    /// buffered bytes; the std file's cursor is at this `File`'s logical position (unread
    /// read-ahead is given back).
    ///
    /// An error of that last write is dropped: [`flush`](futures_util::io::AsyncWriteExt::flush)
    /// first to see it (after a successful flush nothing is left to fail).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_util::io::AsyncWriteExt;
    /// use std::io::Seek;
    ///
    /// # let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
    /// # rt.block_on(async {
    /// let path = std::env::temp_dir().join(format!("weft-fs-doc-into-{}", std::process::id()));
    /// let mut file = weft_fs::File::create(&path).await?;
    /// file.write_all(b"abc").await?;
    /// let mut std_file = file.into_std().await;
    /// assert_eq!(std_file.stream_position()?, 3);
    /// # weft_fs::remove_file(&path).await?;
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Panics
    /// Outside a weft runtime, when there are bytes to write.
    ///
    /// # Cancel safety
    /// Cancel safe in that nothing is lost: dropping the future drops the `File`, whose buffered
    /// bytes are then written in the background.
    pub async fn into_std(mut self) -> StdFile {
        let _ = poll_fn(|cx| Pin::new(&mut self).poll_flush_inner(cx)).await;
        self.give_back_read_ahead();
        let mut shared = Arc::clone(&self.shared);
        // Idle with nothing buffered: dropping writes nothing.
        drop(self);
        loop {
            match Arc::try_unwrap(shared) {
                Ok(shared) => return shared.file,
                // A `metadata`, `try_clone` or `set_permissions` job whose future was dropped
                // still holds the file; it is short, let it finish on the pool.
                Err(still_shared) => {
                    shared = still_shared;
                    let _ = blocking::spawn(std::thread::yield_now).await;
                }
            }
        }
    }

    /// Turns this into a std file without waiting, if nothing is in flight or buffered for
    /// writing; otherwise gives `self` back. Unread read-ahead is given back (one `lseek`, on
    /// this thread).
    ///
    /// # Errors
    /// `Err(self)` while an operation is in flight (including a `metadata`, `try_clone` or
    /// `set_permissions` whose future was dropped), bytes are buffered, or a write error has not
    /// been reported yet.
    // Same shape as tokio's `File::try_into_std`: the `File` itself comes back.
    #[allow(clippy::result_large_err)]
    pub fn try_into_std(mut self) -> Result<StdFile, File> {
        if matches!(self.state, State::Busy(..))
            || !self.wbuf.is_empty()
            || self.err.is_some()
            || Arc::strong_count(&self.shared) != 1
        {
            return Err(self);
        }
        self.give_back_read_ahead();
        let shared = Arc::clone(&self.shared);
        drop(self);
        match Arc::try_unwrap(shared) {
            Ok(shared) => Ok(shared.file),
            // Jobs only ever clone the Arc from `&self`/`&mut self`, which we own.
            Err(_) => unreachable!("weft-fs: checked that the File was the only owner"),
        }
    }

    /// Moves the OS cursor back over unread read-ahead (an `lseek` that does not block).
    fn give_back_read_ahead(&mut self) {
        let unread = self.rbuf.unread();
        if unread > 0 {
            let mut file = &self.shared.file;
            // On error the cursor stays after the read-ahead; there is no caller to tell.
            let _ = file.seek(SeekFrom::Current(-(unread as i64)));
            self.rbuf.clear();
        }
    }

    /// The file's metadata, like [`std::fs::File::metadata`].
    ///
    /// Bytes still in this `File`'s write buffer are not counted in the length: flush first.
    ///
    /// # Errors
    /// As [`std::fs::File::metadata`].
    ///
    /// # Panics
    /// Outside a weft runtime.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let shared = Arc::clone(&self.shared);
        asyncify(move || shared.file.metadata()).await
    }

    /// A new `File` for the same open file description, like [`std::fs::File::try_clone`].
    ///
    /// The two share the OS cursor but not their buffers: interleaving them sees each other's
    /// bytes only after `flush`, and read-ahead makes the shared cursor run ahead.
    ///
    /// # Errors
    /// As [`std::fs::File::try_clone`].
    ///
    /// # Panics
    /// Outside a weft runtime.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub async fn try_clone(&self) -> io::Result<File> {
        let shared = Arc::clone(&self.shared);
        asyncify(move || shared.file.try_clone())
            .await
            .map(File::from_std)
    }

    /// Changes the permissions of the file, like [`std::fs::File::set_permissions`].
    ///
    /// # Errors
    /// As [`std::fs::File::set_permissions`].
    ///
    /// # Panics
    /// Outside a weft runtime.
    ///
    /// # Cancel safety
    /// Not cancel safe: the change may still happen after the future is dropped.
    pub async fn set_permissions(&self, perm: Permissions) -> io::Result<()> {
        let shared = Arc::clone(&self.shared);
        asyncify(move || shared.file.set_permissions(perm)).await
    }

    /// Truncates or extends the file to `size` bytes, like [`std::fs::File::set_len`], after
    /// writing out buffered bytes. The cursor does not move; unread read-ahead is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_util::io::AsyncWriteExt;
    ///
    /// # let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
    /// # rt.block_on(async {
    /// let path = std::env::temp_dir().join(format!("weft-fs-doc-setlen-{}", std::process::id()));
    /// let mut file = weft_fs::File::create(&path).await?;
    /// file.write_all(b"0123456789").await?;
    /// file.set_len(4).await?;
    /// assert_eq!(file.metadata().await?.len(), 4);
    /// # weft_fs::remove_file(&path).await?;
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    /// A pending write error, or as [`std::fs::File::set_len`] (`InvalidInput` on a file not
    /// opened for writing, ...).
    ///
    /// # Panics
    /// Outside a weft runtime.
    ///
    /// # Cancel safety
    /// Not cancel safe: the length may change after the future is dropped.
    pub async fn set_len(&mut self, size: u64) -> io::Result<()> {
        self.run_unit(true, move |f| f.set_len(size)).await
    }

    /// Writes out buffered bytes, then waits until the data *and* metadata of the file are on
    /// the storage device, like [`std::fs::File::sync_all`] (`fsync`).
    ///
    /// # Errors
    /// A pending write error, or as [`std::fs::File::sync_all`].
    ///
    /// # Panics
    /// Outside a weft runtime.
    ///
    /// # Cancel safety
    /// Cancel safe in that nothing is lost; but if the future is dropped, durability is not
    /// known.
    pub async fn sync_all(&mut self) -> io::Result<()> {
        self.run_unit(false, StdFile::sync_all).await
    }

    /// Writes out buffered bytes, then waits until the file's data (and the metadata needed to
    /// read it back, such as its length) is on the storage device, like
    /// [`std::fs::File::sync_data`] (`fdatasync`).
    ///
    /// # Errors
    /// A pending write error, or as [`std::fs::File::sync_data`].
    ///
    /// # Panics
    /// Outside a weft runtime.
    ///
    /// # Cancel safety
    /// As [`sync_all`](File::sync_all).
    pub async fn sync_data(&mut self) -> io::Result<()> {
        self.run_unit(false, StdFile::sync_data).await
    }

    /// Flushes, then runs `f` as this file's operation in flight, optionally dropping the
    /// read-ahead first (giving it back to the OS cursor).
    async fn run_unit<F>(&mut self, rewind: bool, f: F) -> io::Result<()>
    where
        F: FnOnce(&StdFile) -> io::Result<()> + Send + 'static,
    {
        poll_fn(|cx| Pin::new(&mut *self).poll_flush_inner(cx)).await?;
        self.spawn_unit(rewind, f);
        poll_fn(|cx| match ready!(self.poll_complete(cx)) {
            Outcome::Unit(res) => Poll::Ready(res),
            // `&mut self` is held from the spawn to here: the job in flight is ours.
            _ => unreachable!("weft-fs: the operation in flight is the one just started"),
        })
        .await
    }

    /// The access pattern changed (a seek or a write): start read-ahead small again.
    fn reset_readahead(&mut self) {
        self.readahead = READAHEAD_MIN;
        self.eof = false;
    }

    // ---- spawning operations (each requires `State::Idle`) -------------------------------

    fn job(&self, write: Option<PendingWrite>) -> OpJob {
        self.shared.tail.begin();
        OpJob::new(Arc::clone(&self.shared), write)
    }

    fn spawn_read(&mut self, want: usize) {
        debug_assert!(matches!(self.state, State::Idle) && self.wbuf.is_empty());
        let size = want.max(self.readahead).min(MAX_BUF);
        self.readahead = (self.readahead * 2).min(READAHEAD_MAX);
        let mut buf = self.rbuf.take_storage();
        let job = self.job(None);
        let handle = blocking::spawn(move || {
            if buf.len() < size {
                buf.resize(size, 0);
            }
            let res = read_retry(job.file(), &mut buf[..size]);
            drop(job);
            Done::Read {
                buf,
                asked: size,
                res,
            }
        });
        self.state = State::Busy(handle, OpKind::Read);
    }

    /// After a read was served from the buffer: on a sequential run, start the next trip now
    /// so it overlaps with the reader using this one.
    fn maybe_prefetch(&mut self) {
        if matches!(self.state, State::Idle)
            && self.wbuf.is_empty()
            && !self.rbuf.has_next()
            && !self.eof
            && self.readahead >= 4 * READAHEAD_MIN
        {
            self.spawn_read(self.readahead);
        }
    }

    fn spawn_write(&mut self) {
        debug_assert!(matches!(self.state, State::Idle) && !self.wbuf.is_empty());
        let data = std::mem::replace(&mut self.wbuf, std::mem::take(&mut self.wspare));
        let write = PendingWrite {
            rewind: std::mem::take(&mut self.wrewind),
            data,
        };
        let mut job = self.job(Some(write));
        let handle = blocking::spawn(move || {
            let write = job.take_write();
            let res = match &write {
                Some(w) => w.write_to(job.file()),
                None => Ok(()),
            };
            drop(job);
            let mut buf = write.map(|w| w.data).unwrap_or_default();
            buf.clear();
            Done::Write { buf, res }
        });
        self.state = State::Busy(handle, OpKind::Write);
    }

    fn spawn_seek(&mut self, pos: SeekFrom) {
        debug_assert!(matches!(self.state, State::Idle) && self.wbuf.is_empty());
        let unread = self.rbuf.unread() as i64;
        let job = self.job(None);
        let handle = blocking::spawn(move || {
            let mut file = job.file();
            let (rewound, res) = match pos {
                SeekFrom::Current(n) => match n.checked_sub(unread) {
                    Some(m) => (false, file.seek(SeekFrom::Current(m))),
                    None => match file.seek(SeekFrom::Current(-unread)) {
                        Ok(_) => (true, file.seek(pos)),
                        Err(e) => (false, Err(e)),
                    },
                },
                _ => (false, file.seek(pos)),
            };
            drop(job);
            Done::Seek { rewound, res }
        });
        self.state = State::Busy(handle, OpKind::Seek(pos));
    }

    fn spawn_unit<F>(&mut self, rewind: bool, f: F)
    where
        F: FnOnce(&StdFile) -> io::Result<()> + Send + 'static,
    {
        debug_assert!(matches!(self.state, State::Idle) && self.wbuf.is_empty());
        let unread = if rewind { self.rbuf.unread() as i64 } else { 0 };
        let job = self.job(None);
        let handle = blocking::spawn(move || {
            let mut file = job.file();
            let (rewound, res) = if unread > 0 {
                match file.seek(SeekFrom::Current(-unread)) {
                    Ok(_) => (true, f(file)),
                    Err(e) => (false, Err(e)),
                }
            } else {
                (false, f(file))
            };
            drop(job);
            Done::Unit { rewound, res }
        });
        self.state = State::Busy(handle, OpKind::Unit);
    }

    // ---- completing the operation in flight ---------------------------------------------

    /// Waits for the operation in flight (requires `State::Busy`), applies its effect on the
    /// buffers, and returns what it did. A panic in the job is resumed here.
    fn poll_complete(&mut self, cx: &mut Context<'_>) -> Poll<Outcome> {
        let State::Busy(handle, kind) = &mut self.state else {
            unreachable!("weft-fs: poll_complete needs an operation in flight")
        };
        let res = ready!(Pin::new(handle).poll(cx));
        let kind = *kind;
        self.state = State::Idle;
        Poll::Ready(self.complete(kind, res))
    }

    fn complete(&mut self, kind: OpKind, res: Result<Done, JoinError>) -> Outcome {
        let done = match res {
            Ok(done) => done,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            // Cancelled unrun at runtime shutdown (a write was still done by its OpJob).
            Err(_) => {
                return match kind {
                    OpKind::Read => Outcome::Read(Err(blocking::cancelled())),
                    OpKind::Write => {
                        self.err.get_or_insert_with(blocking::cancelled);
                        Outcome::Write
                    }
                    OpKind::Seek(pos) => Outcome::Seek(pos, Err(blocking::cancelled())),
                    OpKind::Unit => Outcome::Unit(Err(blocking::cancelled())),
                }
            }
        };
        match done {
            Done::Read { buf, asked, res } => {
                let n = *res.as_ref().unwrap_or(&0);
                // A short read is (most likely) the end of the file: no prefetch past it.
                self.eof = n < asked;
                self.rbuf.land(buf, n);
                Outcome::Read(res)
            }
            Done::Write { buf, res } => {
                if buf.capacity() > self.wspare.capacity() {
                    self.wspare = buf;
                }
                if let Err(e) = res {
                    self.err.get_or_insert(e);
                }
                Outcome::Write
            }
            Done::Seek { rewound, res } => {
                if rewound || res.is_ok() {
                    self.rbuf.clear();
                }
                if res.is_ok() {
                    self.reset_readahead();
                }
                let OpKind::Seek(pos) = kind else {
                    unreachable!("weft-fs: a seek job is started as OpKind::Seek")
                };
                Outcome::Seek(pos, res)
            }
            Done::Unit { rewound, res } => {
                if rewound {
                    self.rbuf.clear();
                }
                Outcome::Unit(res)
            }
        }
    }
}

impl Drop for File {
    fn drop(&mut self) {
        if self.wbuf.is_empty() {
            // A job in flight runs to its end on its own; dropping the handle detaches it.
            return;
        }
        let bytes = PendingWrite {
            rewind: std::mem::take(&mut self.wrewind),
            data: std::mem::take(&mut self.wbuf),
        };
        let Some(bytes) = self.shared.tail.hand_over(bytes) else {
            return; // the job in flight writes them after its own work
        };
        let job = OpJob::new(Arc::clone(&self.shared), Some(bytes));
        match weft_runtime::Handle::try_current() {
            // Dropping the job (run or cancelled unrun) writes the bytes.
            Ok(handle) => drop(handle.spawn_blocking(move || drop(job))),
            // No pool to hand them to: write them here.
            Err(_) => drop(job),
        }
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let in_flight = match &self.state {
            State::Idle => None,
            State::Busy(_, kind) => Some(kind),
        };
        f.debug_struct("File")
            .field("std", &self.shared.file)
            .field("in_flight", &in_flight)
            .field("read_buffered", &self.rbuf.unread())
            .field("write_buffered", &self.wbuf.len())
            .finish()
    }
}

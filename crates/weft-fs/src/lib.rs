//! # weft-fs: files off the reactor threads
//!
//! Regular files are always "ready" to epoll, and their reads and writes block, so weft runs
//! every file system call on the runtime's **blocking pool** (weft-runtime's
//! `spawn_blocking`), as tokio::fs and async-fs do, and makes that as cheap as the design allows:
//! a [`File`] keeps one internal buffer for read-ahead and one for writes, so small reads and
//! writes do not each cost a trip to the pool, and keeps one operation in flight at a time; a
//! directory listing ([`read_dir`]) fetches 32 entries per trip.
//!
//! The crate depends on weft-core (the task vocabulary) and weft-runtime (the blocking pool);
//! it needs no reactor. Every function must run inside a weft runtime. Errors are the OS's
//! [`std::io::Error`], unchanged in kind: a missing file, a permission denied or a full disk
//! is an `Err`, never a panic.
//!
//! ```text
//!   task ── File::poll_read ──> read-ahead buffers ──(empty / prefetch)──> one pool job: read(2)
//!        ── File::poll_write ─> write buffer ────(256 KiB / flush)──> one pool job: write(2)
//!        ── fs::read, fs::rename, ... ──────────> one pool job each
//!   File dropped with bytes buffered ──> written in the background, after the job in flight
//! ```
//!
//! The free functions mirror `std::fs`, taking `impl AsRef<Path>` and being `async`. When data
//! reaches the OS and when it is durable is spelled out on [`File`].
//!
//! # Examples
//!
//! ```
//! use futures_util::io::{AsyncReadExt, AsyncWriteExt};
//! use futures_util::StreamExt;
//!
//! let rt = weft_runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
//! rt.block_on(async {
//!     let dir = std::env::temp_dir().join(format!("weft-fs-doc-lib-{}", std::process::id()));
//!     weft_fs::create_dir_all(&dir).await?;
//!
//!     // Whole-file helpers: one pool trip each.
//!     weft_fs::write(dir.join("hello.txt"), "hello").await?;
//!     assert_eq!(weft_fs::read_to_string(dir.join("hello.txt")).await?, "hello");
//!
//!     // A File: buffered writes, flushed to the OS, then synced to disk.
//!     let mut file = weft_fs::File::create(dir.join("data.bin")).await?;
//!     for i in 0..1000u32 {
//!         file.write_all(&i.to_le_bytes()).await?; // no pool trip: buffered
//!     }
//!     file.sync_all().await?;
//!     let mut back = Vec::new();
//!     weft_fs::File::open(dir.join("data.bin")).await?.read_to_end(&mut back).await?;
//!     assert_eq!(back.len(), 4000);
//!
//!     // A directory listing is a Stream.
//!     let mut names: Vec<_> = weft_fs::read_dir(&dir)
//!         .await?
//!         .map(|entry| entry.map(|e| e.file_name()))
//!         .collect::<Vec<_>>()
//!         .await
//!         .into_iter()
//!         .collect::<Result<_, _>>()?;
//!     names.sort();
//!     assert_eq!(names, ["data.bin", "hello.txt"]);
//!
//!     weft_fs::remove_dir_all(&dir).await
//! })
//! .unwrap();
//! ```
#![deny(unsafe_op_in_unsafe_fn)]

mod blocking;
mod file;
mod open_options;
mod ops;
mod read_dir;
// Public only for its loom model (tests/loom_tail.rs).
#[cfg(loom)]
pub mod tail;
#[cfg(not(loom))]
mod tail;
#[cfg(unix)]
mod unix;

pub use file::File;
pub use open_options::OpenOptions;
pub use ops::{
    canonicalize, copy, create_dir, create_dir_all, hard_link, metadata, read, read_link,
    read_to_string, remove_dir, remove_dir_all, remove_file, rename, set_permissions,
    symlink_metadata, try_exists, write,
};
pub use read_dir::{read_dir, DirEntry, ReadDir};
#[cfg(unix)]
pub use unix::symlink;

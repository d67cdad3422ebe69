//! Files and directories, for tasks: `aiofiles` for weft. The file system calls run on the
//! runtime's blocking pool, so a slow disk never stalls the tasks on the workers.
//!
//! The functions mirror `std::fs` ([`read`], [`write()`], [`read_to_string`], [`create_dir_all`],
//! [`remove_dir_all`], [`rename`], [`metadata`], ...), as async functions returning `io::Result`.
//! [`File`] reads and writes through an internal buffer, with the I/O traits of
//! [`weft::io`](crate::io); its data has reached the OS once `flush` (or `close`) returns and is
//! durable after `sync_all`. A `File` dropped with buffered writes still writes them, in order.
//! [`read_dir`] lists a directory as a stream of entries.
//!
//! # Examples
//!
//! ```
//! use weft::io::AsyncWriteExt;
//!
//! #[weft::main]
//! async fn main() -> std::io::Result<()> {
//!     let dir = std::env::temp_dir().join(format!("weft-fs-example-{}", std::process::id()));
//!     weft::fs::create_dir_all(&dir).await?;
//!
//!     // Whole files at once...
//!     weft::fs::write(dir.join("greeting.txt"), "hello").await?;
//!     assert_eq!(weft::fs::read_to_string(dir.join("greeting.txt")).await?, "hello");
//!
//!     // ...or piece by piece through a File.
//!     let mut log = weft::fs::File::create(dir.join("log.txt")).await?;
//!     for n in 0..3 {
//!         log.write_all(format!("line {n}\n").as_bytes()).await?;
//!     }
//!     log.flush().await?;
//!     assert_eq!(weft::fs::read(dir.join("log.txt")).await?.len(), 21);
//!
//!     weft::fs::remove_dir_all(&dir).await
//! }
//! ```

pub use weft_fs::{
    canonicalize, create_dir, create_dir_all, hard_link, read_link, remove_dir, remove_file,
    set_permissions, symlink_metadata, DirEntry,
};

/// Copies a file's contents and permissions to another path; returns the number of bytes copied.
///
/// ```
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let dir = std::env::temp_dir().join(format!("weft-fs-copy-{}", std::process::id()));
///     weft::fs::create_dir_all(&dir).await?;
///     weft::fs::write(dir.join("a"), "abc").await?;
///     assert_eq!(weft::fs::copy(dir.join("a"), dir.join("b")).await?, 3);
///     assert_eq!(weft::fs::read(dir.join("b")).await?, b"abc");
///     weft::fs::remove_dir_all(&dir).await
/// }
/// ```
///
/// *From weft-fs's documentation, where this is `weft_fs::copy`:*
///
#[doc(inline)]
pub use weft_fs::copy;

/// A path's metadata (size, type, permissions, times), following symbolic links.
///
/// ```
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let meta = weft::fs::metadata(std::env::temp_dir()).await?;
///     assert!(meta.is_dir());
///     Ok(())
/// }
/// ```
///
/// *From weft-fs's documentation, where this is `weft_fs::metadata`:*
///
#[doc(inline)]
pub use weft_fs::metadata;

/// Reads a whole file into a `Vec<u8>`.
///
/// ```
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let path = std::env::temp_dir().join(format!("weft-fs-read-{}", std::process::id()));
///     weft::fs::write(&path, b"bytes").await?;
///     assert_eq!(weft::fs::read(&path).await?, b"bytes");
///     weft::fs::remove_file(&path).await
/// }
/// ```
///
/// *From weft-fs's documentation, where this is `weft_fs::read`:*
///
#[doc(inline)]
pub use weft_fs::read;

/// Lists a directory: a stream of entries, fetched in batches on the blocking pool.
///
/// ```
/// use weft::stream::StreamExt;
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let dir = std::env::temp_dir().join(format!("weft-fs-read-dir-{}", std::process::id()));
///     weft::fs::create_dir_all(&dir).await?;
///     weft::fs::write(dir.join("a.txt"), "a").await?;
///     weft::fs::write(dir.join("b.txt"), "b").await?;
///
///     let mut names = Vec::new();
///     let mut entries = weft::fs::read_dir(&dir).await?;
///     while let Some(entry) = entries.next().await {
///         names.push(entry?.file_name());
///     }
///     names.sort();
///     assert_eq!(names, ["a.txt", "b.txt"]);
///     weft::fs::remove_dir_all(&dir).await
/// }
/// ```
///
/// *From weft-fs's documentation, where this is `weft_fs::read_dir`:*
///
#[doc(inline)]
pub use weft_fs::read_dir;

/// Reads a whole file into a `String` (an error if it is not UTF-8).
///
/// ```
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let path = std::env::temp_dir().join(format!("weft-fs-rts-{}", std::process::id()));
///     weft::fs::write(&path, "text").await?;
///     assert_eq!(weft::fs::read_to_string(&path).await?, "text");
///     weft::fs::remove_file(&path).await
/// }
/// ```
///
/// *From weft-fs's documentation, where this is `weft_fs::read_to_string`:*
///
#[doc(inline)]
pub use weft_fs::read_to_string;

/// Removes a directory and everything in it.
///
/// ```
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let dir = std::env::temp_dir().join(format!("weft-fs-rda-{}", std::process::id()));
///     weft::fs::create_dir_all(dir.join("a/b")).await?;
///     weft::fs::remove_dir_all(&dir).await?;
///     assert!(!weft::fs::try_exists(&dir).await?);
///     Ok(())
/// }
/// ```
///
/// *From weft-fs's documentation, where this is `weft_fs::remove_dir_all`:*
///
#[doc(inline)]
pub use weft_fs::remove_dir_all;

/// Renames a file or directory, replacing the destination if it is a file.
///
/// ```
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let dir = std::env::temp_dir().join(format!("weft-fs-rename-{}", std::process::id()));
///     weft::fs::create_dir_all(&dir).await?;
///     weft::fs::write(dir.join("draft"), "x").await?;
///     weft::fs::rename(dir.join("draft"), dir.join("final")).await?;
///     assert!(!weft::fs::try_exists(dir.join("draft")).await?);
///     assert_eq!(weft::fs::read(dir.join("final")).await?, b"x");
///     weft::fs::remove_dir_all(&dir).await
/// }
/// ```
///
/// *From weft-fs's documentation, where this is `weft_fs::rename`:*
///
#[doc(inline)]
pub use weft_fs::rename;

/// Creates a symbolic link at `link` pointing to `original`.
///
/// ```
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let dir = std::env::temp_dir().join(format!("weft-fs-symlink-{}", std::process::id()));
///     weft::fs::create_dir_all(&dir).await?;
///     weft::fs::symlink(&dir, dir.join("self")).await?;
///     assert_eq!(weft::fs::read_link(dir.join("self")).await?, dir);
///     weft::fs::remove_dir_all(&dir).await
/// }
/// ```
///
/// *From weft-fs's documentation, where this is `weft_fs::symlink`:*
///
#[cfg(unix)]
#[doc(inline)]
pub use weft_fs::symlink;

/// Whether a path exists: `Ok(false)` if it does not, an error if that cannot be known (no
/// permission to look, say).
///
/// ```
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     assert!(weft::fs::try_exists(std::env::temp_dir()).await?);
///     assert!(!weft::fs::try_exists("/no/such/weft/path").await?);
///     Ok(())
/// }
/// ```
///
/// *From weft-fs's documentation, where this is `weft_fs::try_exists`:*
///
#[doc(inline)]
pub use weft_fs::try_exists;

/// Writes `contents` to a file, creating it or replacing what it held.
///
/// ```
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let path = std::env::temp_dir().join(format!("weft-fs-write-{}", std::process::id()));
///     weft::fs::write(&path, "hello").await?;
///     assert_eq!(weft::fs::read_to_string(&path).await?, "hello");
///     weft::fs::remove_file(&path).await
/// }
/// ```
///
/// *From weft-fs's documentation, where this is `weft_fs::write`:*
///
#[doc(inline)]
pub use weft_fs::write;

/// An open file: read, write and seek it with [`weft::io`](crate::io)'s extension traits.
///
/// ```
/// use std::io::SeekFrom;
/// use weft::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
/// use weft::fs::File;
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let path = std::env::temp_dir().join(format!("weft-fs-file-{}", std::process::id()));
///     let mut file = File::create(&path).await?;
///     file.write_all(b"hello, file").await?;
///     file.flush().await?; // the OS has the bytes now
///     file.sync_all().await?; // and now they are on disk
///
///     let mut file = File::open(&path).await?;
///     file.seek(SeekFrom::Start(7)).await?;
///     let mut word = String::new();
///     file.read_to_string(&mut word).await?;
///     assert_eq!(word, "file");
///     weft::fs::remove_file(&path).await
/// }
/// ```
///
/// *From weft-fs's documentation, where this is `weft_fs::File`:*
///
#[doc(inline)]
pub use weft_fs::File;

/// Opens a file with chosen options: read, write, append, create, truncate, ...
///
/// ```
/// use weft::fs::OpenOptions;
/// use weft::io::AsyncWriteExt;
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let path = std::env::temp_dir().join(format!("weft-fs-options-{}", std::process::id()));
///     for line in ["one\n", "two\n"] {
///         let mut log = OpenOptions::new().append(true).create(true).open(&path).await?;
///         log.write_all(line.as_bytes()).await?;
///         log.flush().await?;
///     }
///     assert_eq!(weft::fs::read_to_string(&path).await?, "one\ntwo\n");
///     weft::fs::remove_file(&path).await
/// }
/// ```
///
/// *From weft-fs's documentation, where this is `weft_fs::OpenOptions`:*
///
#[doc(inline)]
pub use weft_fs::OpenOptions;

/// The entries of a directory, from [`read_dir`]: a stream, or call `next_entry`.
///
/// ```
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let mut entries = weft::fs::read_dir(std::env::temp_dir()).await?;
///     while let Some(entry) = entries.next_entry().await? {
///         let _path = entry.path();
///     }
///     Ok(())
/// }
/// ```
///
/// *From weft-fs's documentation, where this is `weft_fs::ReadDir`:*
///
#[doc(inline)]
pub use weft_fs::ReadDir;

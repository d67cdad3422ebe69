//! The free functions: one blocking-pool trip each, wrapping the `std::fs` function of the same
//! name. Each returns the OS's `io::Error` unchanged.
//!
//! Cancel safety is the same for all of them: dropping the future before it completes does not
//! stop the operation, which may still run (or have run) to its end on the blocking pool; only its
//! result is lost.

use std::fs::{Metadata, Permissions};
use std::io;
use std::path::{Path, PathBuf};

use crate::blocking::asyncify;

/// Reads the whole file at `path` into a `Vec<u8>`, like [`std::fs::read`].
///
/// One pool trip however large the file is.
///
/// # Examples
///
/// ```
/// # let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// let path = std::env::temp_dir().join(format!("weft-fs-doc-read-{}", std::process::id()));
/// weft_fs::write(&path, b"bytes").await?;
/// assert_eq!(weft_fs::read(&path).await?, b"bytes");
/// # weft_fs::remove_file(&path).await?;
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
///
/// # Errors
/// As [`std::fs::read`]: `NotFound`, `PermissionDenied`, `IsADirectory`, ...
///
/// # Panics
/// Outside a weft runtime.
///
/// # Cancel safety
/// Cancel safe: nothing is changed on disk; a dropped call only wastes the read.
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read(path)).await
}

/// Reads the whole file at `path` into a `String`, like [`std::fs::read_to_string`].
///
/// # Examples
///
/// ```
/// # let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// let path = std::env::temp_dir().join(format!("weft-fs-doc-rts-{}", std::process::id()));
/// weft_fs::write(&path, "text").await?;
/// assert_eq!(weft_fs::read_to_string(&path).await?, "text");
/// # weft_fs::remove_file(&path).await?;
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
///
/// # Errors
/// As [`std::fs::read_to_string`]; contents that are not UTF-8 give `InvalidData`.
///
/// # Panics
/// Outside a weft runtime.
///
/// # Cancel safety
/// Cancel safe: nothing is changed on disk.
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read_to_string(path)).await
}

/// Creates or truncates the file at `path` and writes `contents` to it, like [`std::fs::write`].
///
/// When this returns `Ok`, the bytes have reached the OS (other readers see them); they are not
/// necessarily durable: open a [`File`](crate::File) and call
/// [`sync_all`](crate::File::sync_all) for that.
///
/// # Examples
///
/// ```
/// # let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// let path = std::env::temp_dir().join(format!("weft-fs-doc-write-{}", std::process::id()));
/// weft_fs::write(&path, "hello").await?;
/// assert_eq!(std::fs::read(&path)?, b"hello");
/// # weft_fs::remove_file(&path).await?;
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
///
/// # Errors
/// As [`std::fs::write`], including a full disk (`StorageFull` / `QuotaExceeded` / `Other`, as
/// the OS reports it).
///
/// # Panics
/// Outside a weft runtime.
///
/// # Cancel safety
/// Not cancel safe: the write may still happen, in full or (if it then fails) in part, after the
/// future is dropped.
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    let contents = contents.as_ref().to_owned();
    asyncify(move || std::fs::write(path, contents)).await
}

/// Copies the contents and permissions of `from` to `to`, like [`std::fs::copy`]; returns the
/// number of bytes copied.
///
/// # Examples
///
/// ```
/// # let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// let dir = std::env::temp_dir();
/// let (a, b) = (dir.join(format!("weft-fs-doc-cpa-{}", std::process::id())),
///               dir.join(format!("weft-fs-doc-cpb-{}", std::process::id())));
/// weft_fs::write(&a, "abc").await?;
/// assert_eq!(weft_fs::copy(&a, &b).await?, 3);
/// # weft_fs::remove_file(&a).await?; weft_fs::remove_file(&b).await?;
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
///
/// # Errors
/// As [`std::fs::copy`].
///
/// # Panics
/// Outside a weft runtime.
///
/// # Cancel safety
/// Not cancel safe: the copy may still happen after the future is dropped.
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify(move || std::fs::copy(from, to)).await
}

/// Renames `from` to `to`, replacing `to` if it exists, like [`std::fs::rename`].
///
/// # Examples
///
/// ```
/// # let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// let dir = std::env::temp_dir();
/// let (a, b) = (dir.join(format!("weft-fs-doc-rna-{}", std::process::id())),
///               dir.join(format!("weft-fs-doc-rnb-{}", std::process::id())));
/// weft_fs::write(&a, "x").await?;
/// weft_fs::rename(&a, &b).await?;
/// assert!(!weft_fs::try_exists(&a).await?);
/// # weft_fs::remove_file(&b).await?;
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
///
/// # Errors
/// As [`std::fs::rename`].
///
/// # Panics
/// Outside a weft runtime.
///
/// # Cancel safety
/// Not cancel safe: the rename may still happen after the future is dropped.
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify(move || std::fs::rename(from, to)).await
}

/// Removes the file at `path`, like [`std::fs::remove_file`].
///
/// # Errors
/// As [`std::fs::remove_file`] (`NotFound`, `IsADirectory` on some systems, ...).
///
/// # Panics
/// Outside a weft runtime.
///
/// # Cancel safety
/// Not cancel safe: the removal may still happen after the future is dropped.
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_file(path)).await
}

/// Removes the empty directory at `path`, like [`std::fs::remove_dir`].
///
/// # Errors
/// As [`std::fs::remove_dir`] (`NotFound`, `DirectoryNotEmpty`, ...).
///
/// # Panics
/// Outside a weft runtime.
///
/// # Cancel safety
/// Not cancel safe: the removal may still happen after the future is dropped.
pub async fn remove_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_dir(path)).await
}

/// Removes the directory at `path` and everything in it, like [`std::fs::remove_dir_all`].
///
/// One pool trip for the whole tree.
///
/// # Examples
///
/// ```
/// # let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// let dir = std::env::temp_dir().join(format!("weft-fs-doc-rda-{}", std::process::id()));
/// weft_fs::create_dir_all(dir.join("a/b")).await?;
/// weft_fs::remove_dir_all(&dir).await?;
/// assert!(!weft_fs::try_exists(&dir).await?);
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
///
/// # Errors
/// As [`std::fs::remove_dir_all`].
///
/// # Panics
/// Outside a weft runtime.
///
/// # Cancel safety
/// Not cancel safe: the removal may still run, in full or in part, after the future is dropped.
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_dir_all(path)).await
}

/// Creates a directory at `path`, like [`std::fs::create_dir`].
///
/// # Errors
/// As [`std::fs::create_dir`] (`AlreadyExists`, `NotFound` for a missing parent, ...).
///
/// # Panics
/// Outside a weft runtime.
///
/// # Cancel safety
/// Not cancel safe: the directory may still be created after the future is dropped.
pub async fn create_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::create_dir(path)).await
}

/// Creates a directory and all its missing parents, like [`std::fs::create_dir_all`].
///
/// # Errors
/// As [`std::fs::create_dir_all`].
///
/// # Panics
/// Outside a weft runtime.
///
/// # Cancel safety
/// Not cancel safe: directories may still be created after the future is dropped.
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::create_dir_all(path)).await
}

/// The metadata of `path`, following symbolic links, like [`std::fs::metadata`].
///
/// # Examples
///
/// ```
/// # let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// let meta = weft_fs::metadata(std::env::temp_dir()).await?;
/// assert!(meta.is_dir());
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
///
/// # Errors
/// As [`std::fs::metadata`].
///
/// # Panics
/// Outside a weft runtime.
///
/// # Cancel safety
/// Cancel safe.
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::metadata(path)).await
}

/// The metadata of `path` itself, not following a final symbolic link, like
/// [`std::fs::symlink_metadata`].
///
/// # Errors
/// As [`std::fs::symlink_metadata`].
///
/// # Panics
/// Outside a weft runtime.
///
/// # Cancel safety
/// Cancel safe.
pub async fn symlink_metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::symlink_metadata(path)).await
}

/// The absolute, normalized path of `path` with every symbolic link resolved, like
/// [`std::fs::canonicalize`].
///
/// # Errors
/// As [`std::fs::canonicalize`] (`NotFound` if the path does not exist).
///
/// # Panics
/// Outside a weft runtime.
///
/// # Cancel safety
/// Cancel safe.
pub async fn canonicalize(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::canonicalize(path)).await
}

/// Creates a hard link `link` to the file `original`, like [`std::fs::hard_link`].
///
/// # Errors
/// As [`std::fs::hard_link`].
///
/// # Panics
/// Outside a weft runtime.
///
/// # Cancel safety
/// Not cancel safe: the link may still be created after the future is dropped.
pub async fn hard_link(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    asyncify(move || std::fs::hard_link(original, link)).await
}

/// The target of the symbolic link at `path`, like [`std::fs::read_link`].
///
/// # Errors
/// As [`std::fs::read_link`] (`InvalidInput` if `path` is not a symbolic link).
///
/// # Panics
/// Outside a weft runtime.
///
/// # Cancel safety
/// Cancel safe.
pub async fn read_link(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read_link(path)).await
}

/// Sets the permissions of `path`, like [`std::fs::set_permissions`].
///
/// # Errors
/// As [`std::fs::set_permissions`].
///
/// # Panics
/// Outside a weft runtime.
///
/// # Cancel safety
/// Not cancel safe: the change may still happen after the future is dropped.
pub async fn set_permissions(path: impl AsRef<Path>, perm: Permissions) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::set_permissions(path, perm)).await
}

/// Whether `path` exists, following symbolic links, like [`std::fs::exists`]: `Ok(false)` for a
/// missing path or a broken link, an error when existence cannot be decided (for instance a
/// permission denied on a parent directory).
///
/// # Examples
///
/// ```
/// # let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// assert!(weft_fs::try_exists(std::env::temp_dir()).await?);
/// assert!(!weft_fs::try_exists("/no/such/weft/path").await?);
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
///
/// # Errors
/// Any error of `stat` other than `NotFound`.
///
/// # Panics
/// Outside a weft runtime.
///
/// # Cancel safety
/// Cancel safe.
pub async fn try_exists(path: impl AsRef<Path>) -> io::Result<bool> {
    let path = path.as_ref().to_owned();
    asyncify(move || path.try_exists()).await
}

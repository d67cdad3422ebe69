//! Unix-only parts: file modes and open flags, symbolic links, raw descriptors, inode numbers.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::fs::{DirEntryExt, OpenOptionsExt};
use std::path::Path;

use crate::blocking::asyncify;
use crate::{DirEntry, File, OpenOptions};

impl OpenOptions {
    /// The permission bits a created file gets (before the process umask), like
    /// [`OpenOptionsExt::mode`]; default `0o666`.
    ///
    /// # Examples
    ///
    /// ```
    /// # let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
    /// # rt.block_on(async {
    /// use std::os::unix::fs::PermissionsExt;
    /// let path = std::env::temp_dir().join(format!("weft-fs-doc-mode-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let file = weft_fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path).await?;
    /// assert_eq!(file.metadata().await?.permissions().mode() & 0o777, 0o600);
    /// # weft_fs::remove_file(&path).await?;
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn mode(&mut self, mode: u32) -> &mut OpenOptions {
        self.0.mode(mode);
        self
    }

    /// Extra `open(2)` flags (such as `libc::O_NOFOLLOW`), like
    /// [`OpenOptionsExt::custom_flags`]. The access mode bits are ignored.
    pub fn custom_flags(&mut self, flags: i32) -> &mut OpenOptions {
        self.0.custom_flags(flags);
        self
    }
}

/// Creates a symbolic link at `link` pointing to `original`, like
/// [`std::os::unix::fs::symlink`].
///
/// # Examples
///
/// ```
/// # let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// let dir = std::env::temp_dir();
/// let link = dir.join(format!("weft-fs-doc-link-{}", std::process::id()));
/// weft_fs::symlink(&dir, &link).await?;
/// assert_eq!(weft_fs::read_link(&link).await?, dir);
/// # weft_fs::remove_file(&link).await?;
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
///
/// # Errors
/// As [`std::os::unix::fs::symlink`] (`AlreadyExists`, ...).
///
/// # Panics
/// Outside a weft runtime.
///
/// # Cancel safety
/// Not cancel safe: the link may still be created after the future is dropped.
pub async fn symlink(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    asyncify(move || std::os::unix::fs::symlink(original, link)).await
}

impl AsFd for File {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.shared.file.as_fd()
    }
}

impl AsRawFd for File {
    fn as_raw_fd(&self) -> RawFd {
        self.shared.file.as_raw_fd()
    }
}

impl DirEntry {
    /// The entry's inode number, from the directory listing (no system call).
    pub fn ino(&self) -> u64 {
        self.std.ino()
    }
}

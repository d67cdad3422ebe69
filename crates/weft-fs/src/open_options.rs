//! [`OpenOptions`]: how to open a [`File`]; std's flags, opened on the blocking pool.

use std::io;
use std::path::Path;

use crate::blocking::asyncify;
use crate::File;

/// Options and flags to open a [`File`] with, like [`std::fs::OpenOptions`] (every std flag;
/// on Unix also [`mode`](OpenOptions::mode) and [`custom_flags`](OpenOptions::custom_flags)).
///
/// # Examples
///
/// ```
/// use futures_util::io::AsyncWriteExt;
///
/// # let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// let path = std::env::temp_dir().join(format!("weft-fs-doc-oo-{}", std::process::id()));
/// let mut log = weft_fs::OpenOptions::new().append(true).create(true).open(&path).await?;
/// log.write_all(b"one line\n").await?;
/// log.flush().await?;
/// # weft_fs::remove_file(&path).await?;
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct OpenOptions(pub(crate) std::fs::OpenOptions);

impl OpenOptions {
    /// No flags set: set at least one of `read`, `write` or `append` before opening.
    pub fn new() -> OpenOptions {
        OpenOptions(std::fs::OpenOptions::new())
    }

    /// Opens for reading.
    pub fn read(&mut self, read: bool) -> &mut OpenOptions {
        self.0.read(read);
        self
    }

    /// Opens for writing.
    pub fn write(&mut self, write: bool) -> &mut OpenOptions {
        self.0.write(write);
        self
    }

    /// Opens for appending: every write goes to the end of the file (implies `write`).
    pub fn append(&mut self, append: bool) -> &mut OpenOptions {
        self.0.append(append);
        self
    }

    /// Truncates an existing file to length 0 (needs `write`).
    pub fn truncate(&mut self, truncate: bool) -> &mut OpenOptions {
        self.0.truncate(truncate);
        self
    }

    /// Creates the file if it does not exist (needs `write` or `append`).
    pub fn create(&mut self, create: bool) -> &mut OpenOptions {
        self.0.create(create);
        self
    }

    /// Creates the file, failing with `AlreadyExists` if it exists (atomically; needs `write`
    /// or `append`; `create` and `truncate` are then ignored).
    pub fn create_new(&mut self, create_new: bool) -> &mut OpenOptions {
        self.0.create_new(create_new);
        self
    }

    /// Opens the file at `path` with these options, like [`std::fs::OpenOptions::open`].
    ///
    /// # Errors
    /// As [`std::fs::OpenOptions::open`]: `NotFound`, `PermissionDenied`, `AlreadyExists`,
    /// `InvalidInput` for inconsistent flags, ...
    ///
    /// # Panics
    /// Outside a weft runtime.
    ///
    /// # Cancel safety
    /// Cancel safe when the options create and truncate nothing (a file opened after the future
    /// was dropped is closed again); otherwise the file may be created or truncated anyway.
    pub async fn open(&self, path: impl AsRef<Path>) -> io::Result<File> {
        let path = path.as_ref().to_owned();
        let opts = self.0.clone();
        asyncify(move || opts.open(path)).await.map(File::from_std)
    }
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions::new()
    }
}

impl From<std::fs::OpenOptions> for OpenOptions {
    fn from(opts: std::fs::OpenOptions) -> OpenOptions {
        OpenOptions(opts)
    }
}

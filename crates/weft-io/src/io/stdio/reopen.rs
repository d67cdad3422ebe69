//! A second, non-blocking file description of a standard stream's pipe or terminal.

use std::fs::{File, OpenOptions};
use std::os::fd::{AsRawFd, BorrowedFd};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};

/// Opens `fd`'s pipe, FIFO or terminal again, non-blocking and close-on-exec, for reading or
/// (`write`) writing; `None` for any other kind of file, or if it cannot be opened.
///
/// A new open file description, unlike `dup`, has its own status flags, so `O_NONBLOCK` on it
/// leaves `fd` (shared with the parent shell, say) blocking. Regular files are never reopened:
/// a new description would have its own offset, and the reactor cannot wait on them anyway.
pub(super) fn nonblocking(fd: BorrowedFd<'_>, write: bool) -> Option<File> {
    let kind = File::from(fd.try_clone_to_owned().ok()?)
        .metadata()
        .ok()?
        .file_type();
    if !(kind.is_fifo() || kind.is_char_device()) {
        return None;
    }
    OpenOptions::new()
        .read(!write)
        .write(write)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(format!("/proc/self/fd/{}", fd.as_raw_fd()))
        .ok()
}

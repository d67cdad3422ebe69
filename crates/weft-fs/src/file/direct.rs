//! Reads served straight from the page cache on the reading task's thread: `preadv2` with
//! `RWF_NOWAIT` (Linux) copies what is cached into the caller's buffer and fails with `EAGAIN`
//! instead of waiting for the disk, so it never blocks the reactor threads the way a plain
//! `read` could. Whatever it cannot serve goes to the blocking pool as before.

use std::fs::File as StdFile;

/// What a non-blocking read attempt did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Direct {
    /// `n > 0` bytes were read from the page cache into the buffer; the cursor moved by `n`.
    Read(usize),
    /// Nothing was read and the cursor did not move (not cached, end of file, interrupted):
    /// use the pool.
    WouldBlock,
    /// The file (or the kernel) does not support non-blocking reads, or the read failed: use the
    /// pool (which reports the error, if any) and do not try again on this file.
    Unsupported,
}

/// Reads into `buf` (at the file's cursor, moving it) only as far as the page cache serves it
/// without waiting.
#[cfg(target_os = "linux")]
pub(super) fn try_read(file: &StdFile, buf: &mut [u8]) -> Direct {
    use std::os::fd::AsRawFd;

    let iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: `iov` describes `buf`, which is valid for writes of `buf.len()` bytes and borrowed
    // mutably for the whole call; the descriptor is owned by `file`, open for the call. Offset -1
    // reads at (and moves) the file's cursor, as `read` does.
    let n = unsafe { libc::preadv2(file.as_raw_fd(), &iov, 1, -1, libc::RWF_NOWAIT) };
    match n {
        n if n > 0 => Direct::Read(n as usize),
        // End of file (or a file system that says 0 without waiting): let the pool decide.
        0 => Direct::WouldBlock,
        _ => match std::io::Error::last_os_error().raw_os_error() {
            Some(libc::EAGAIN) | Some(libc::EINTR) => Direct::WouldBlock,
            _ => Direct::Unsupported,
        },
    }
}

/// Non-blocking reads are Linux-only: elsewhere every read goes to the pool.
#[cfg(not(target_os = "linux"))]
pub(super) fn try_read(_file: &StdFile, _buf: &mut [u8]) -> Direct {
    Direct::Unsupported
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::{try_read, Direct};
    use std::io::{Seek, Write};

    #[test]
    fn reads_cached_bytes_at_the_cursor_and_stops_at_the_end() {
        let path = std::env::temp_dir().join(format!("weft-fs-direct-{}", std::process::id()));
        let mut f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .unwrap();
        f.write_all(b"0123456789").unwrap();
        f.seek(std::io::SeekFrom::Start(3)).unwrap();
        let mut buf = [0u8; 4];
        // Just written: the bytes are in the page cache.
        assert_eq!(try_read(&f, &mut buf), Direct::Read(4));
        assert_eq!(&buf, b"3456");
        assert_eq!(f.stream_position().unwrap(), 7);
        let mut rest = [0u8; 8];
        assert_eq!(try_read(&f, &mut rest), Direct::Read(3));
        assert_eq!(&rest[..3], b"789");
        assert_eq!(try_read(&f, &mut rest), Direct::WouldBlock);
        assert_eq!(f.stream_position().unwrap(), 10);
        drop(f);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_write_only_file_is_unsupported() {
        let path = std::env::temp_dir().join(format!("weft-fs-direct-wo-{}", std::process::id()));
        let f = std::fs::File::create(&path).unwrap();
        let mut buf = [0u8; 4];
        assert_eq!(try_read(&f, &mut buf), Direct::Unsupported);
        drop(f);
        std::fs::remove_file(&path).unwrap();
    }
}

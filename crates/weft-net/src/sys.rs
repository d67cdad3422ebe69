//! Platform choices, made in one place.
//!
//! Where `accept4(2)` and `SOCK_NONBLOCK` exist, sockets are created (and accepted) non-blocking
//! and close-on-exec in the same syscall, saving the `fcntl` that would make them non-blocking.
//! Elsewhere a socket is made non-blocking right after `socket(2)` (before any `connect`), and an
//! accepted one by `Async::new`.
//!
//! On Linux, TCP streams turn on `TCP_INQ`; a stream whose reads fill their buffer then reads with
//! `recvmsg`, which tells how many bytes are still queued: a read that empties the socket marks
//! it drained even when it filled the buffer (see `sys/inq_linux.rs`; reads that come back short
//! prove it alone and use plain `recv`). Elsewhere only a short read does.

#[cfg(any(
    target_os = "android",
    target_os = "dragonfly",
    target_os = "freebsd",
    target_os = "illumos",
    target_os = "linux",
    target_os = "netbsd",
    target_os = "openbsd",
))]
#[path = "sys/flags_atomic.rs"]
mod flags;

#[cfg(not(any(
    target_os = "android",
    target_os = "dragonfly",
    target_os = "freebsd",
    target_os = "illumos",
    target_os = "linux",
    target_os = "netbsd",
    target_os = "openbsd",
)))]
#[path = "sys/flags_fcntl.rs"]
mod flags;

pub(crate) use flags::{accept_tcp, nonblocking_socket};

#[cfg(any(target_os = "android", target_os = "linux"))]
#[path = "sys/inq_linux.rs"]
mod inq;

#[cfg(not(any(target_os = "android", target_os = "linux")))]
#[path = "sys/inq_other.rs"]
mod inq;

pub(crate) use inq::{enable_read_hint, ReadHint};

/// `read(2)` into memory that may be uninitialised: on `Ok(n)` the first `n` bytes of `buf` have
/// been written by the kernel (so they are initialised).
pub(crate) fn read_uninit(
    fd: std::os::fd::BorrowedFd<'_>,
    buf: &mut [std::mem::MaybeUninit<u8>],
) -> std::io::Result<usize> {
    use std::os::fd::AsRawFd;
    // SAFETY: `fd` is live for the borrow; `buf` is writable for `buf.len()` bytes and the kernel
    // writes at most that many (writing uninitialised memory is fine).
    let n = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

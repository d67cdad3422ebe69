//! Platform choices, made in one place.
//!
//! Where `accept4(2)` and `SOCK_NONBLOCK` exist, sockets are created (and accepted) non-blocking
//! and close-on-exec in the same syscall, saving the `fcntl` that would make them non-blocking.
//! Elsewhere a socket is made non-blocking right after `socket(2)` (before any `connect`), and an
//! accepted one by `Async::new`.
//!
//! On Linux, TCP streams turn on `TCP_INQ` and read with `recvmsg`, which then tells how many
//! bytes are still queued: a read that empties the socket marks it drained even when it filled
//! the buffer (see `sys/inq_linux.rs`). Elsewhere only a short read does.

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

pub(crate) use inq::{enable_read_hint, recv_hinted};

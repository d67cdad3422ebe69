//! Platform choices, made in one place.
//!
//! Where `accept4(2)` and `SOCK_NONBLOCK` exist, sockets are created (and accepted) non-blocking
//! and close-on-exec in the same syscall, saving the `fcntl` that would make them non-blocking.
//! Elsewhere a socket is made non-blocking right after `socket(2)` (before any `connect`), and an
//! accepted one by `Async::new`.

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

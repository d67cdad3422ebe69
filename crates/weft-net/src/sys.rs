//! Platform choices, made in one place.
//!
//! Accepting a TCP connection: where `accept4(2)` exists, the new socket is created non-blocking
//! and close-on-exec in the same syscall (saving the `fcntl` that would make it non-blocking);
//! elsewhere std's `accept` is used and `Async::new` sets `O_NONBLOCK`.

#[cfg(any(
    target_os = "android",
    target_os = "dragonfly",
    target_os = "freebsd",
    target_os = "illumos",
    target_os = "linux",
    target_os = "netbsd",
    target_os = "openbsd",
))]
#[path = "sys/accept4.rs"]
mod accept;

#[cfg(not(any(
    target_os = "android",
    target_os = "dragonfly",
    target_os = "freebsd",
    target_os = "illumos",
    target_os = "linux",
    target_os = "netbsd",
    target_os = "openbsd",
)))]
#[path = "sys/accept_std.rs"]
mod accept;

pub(crate) use accept::accept_tcp;

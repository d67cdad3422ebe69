//! `AsFd` and `AsRawFd` for the socket types, written once.

/// `AsFd` and `AsRawFd` for a socket type `$t` with a field `io: Async<S>`: its descriptor.
macro_rules! impl_fd {
    ($t:ty) => {
        impl std::os::fd::AsFd for $t {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                std::os::fd::AsFd::as_fd(&self.io)
            }
        }

        impl std::os::fd::AsRawFd for $t {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                std::os::fd::AsRawFd::as_raw_fd(&self.io)
            }
        }
    };
}

pub(crate) use impl_fd;

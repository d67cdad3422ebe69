//! The error of an operation that could not finish because the weft runtime it needed shut down.
//!
//! Operations of every layer return [`io::Error`]s; when the reason is a runtime shutdown (a socket
//! whose reactor is gone, a file operation whose blocking job was dropped unrun, a child whose
//! exit watcher's runtime ended), the error's inner value is a [`ShutdownError`], so a caller can
//! tell it apart from an operating-system error with [`ShutdownError::is`] instead of reading the
//! text. It lives here, beneath every crate that reports it.

use std::error::Error;
use std::fmt;
use std::io;

/// An operation could not finish because the weft runtime it needed shut down (or was shutting
/// down).
///
/// It reaches callers inside an [`io::Error`] of kind [`io::ErrorKind::Other`]; match on it with
/// [`ShutdownError::is`] or get it back with [`ShutdownError::from_io`].
///
/// # Examples
///
/// ```
/// use std::io;
/// use weft_core::ShutdownError;
///
/// let err: io::Error = ShutdownError::new("reading from a socket").into();
/// assert!(ShutdownError::is(&err));
/// assert_eq!(ShutdownError::from_io(&err).unwrap().operation(), "reading from a socket");
/// assert_eq!(
///     err.to_string(),
///     "reading from a socket could not finish: the weft runtime it ran on shut down"
/// );
///
/// // An operating-system error is not one.
/// assert!(!ShutdownError::is(&io::Error::from(io::ErrorKind::ConnectionReset)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShutdownError {
    operation: &'static str,
}

impl ShutdownError {
    /// The error of `operation` (what could not finish, e.g. `"waiting for a socket"`), for
    /// crates that build their own resources on a weft runtime.
    pub const fn new(operation: &'static str) -> Self {
        ShutdownError { operation }
    }

    /// What could not finish.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// Whether `err` reports a runtime shutdown (its inner error is a [`ShutdownError`]).
    pub fn is(err: &io::Error) -> bool {
        Self::from_io(err).is_some()
    }

    /// The [`ShutdownError`] inside `err`, if it reports a runtime shutdown.
    pub fn from_io(err: &io::Error) -> Option<&ShutdownError> {
        err.get_ref()?.downcast_ref::<ShutdownError>()
    }
}

impl fmt::Display for ShutdownError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} could not finish: the weft runtime it ran on shut down",
            self.operation
        )
    }
}

impl Error for ShutdownError {}

impl From<ShutdownError> for io::Error {
    fn from(err: ShutdownError) -> io::Error {
        io::Error::other(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survives_wrapping_and_is_told_apart_from_other_errors() {
        let err = io::Error::from(ShutdownError::new("a read"));
        assert_eq!(err.kind(), io::ErrorKind::Other);
        assert!(ShutdownError::is(&err));
        assert_eq!(
            ShutdownError::from_io(&err),
            Some(&ShutdownError::new("a read"))
        );
        // A free-text error with the same words is not one.
        let text =
            io::Error::other("a read could not finish: the weft runtime it ran on shut down");
        assert!(!ShutdownError::is(&text));
        // Nor is an operating-system error (9: EBADF).
        assert!(!ShutdownError::is(&io::Error::from_raw_os_error(9)));
    }
}

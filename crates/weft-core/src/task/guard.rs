//! The abort guard: turns a panic in a section that must not be left half done into an abort.

/// Aborts the process if dropped while armed, that is, if the section it guards unwinds.
///
/// Used around state transitions and bookkeeping whose half-done state would leave a task cell
/// corrupt: unwinding from there would hand later code a cell whose invariants no longer hold. The
/// string names the section in the message printed before the abort.
#[derive(Debug)]
pub(crate) struct AbortOnPanic(pub(crate) &'static str);

impl AbortOnPanic {
    /// Ends the guarded section normally.
    #[inline]
    pub(crate) fn disarm(self) {
        std::mem::forget(self);
    }
}

impl Drop for AbortOnPanic {
    fn drop(&mut self) {
        eprintln!(
            "weft: panic inside {}, which must not be left half done; aborting",
            self.0
        );
        std::process::abort();
    }
}

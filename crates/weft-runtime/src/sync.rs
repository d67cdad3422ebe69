//! Blocking locks and condition variables for the runtime's own bookkeeping.
//!
//! Outside loom these are parking_lot's (small, fast, no poisoning); under `--cfg loom` they are
//! loom's model-checked `Mutex` and `Condvar` behind the same API, so the idle coordination,
//! injector and parker run unchanged inside the loom models.

#[cfg(not(loom))]
mod imp {
    use std::time::Duration;

    /// A mutex without poisoning.
    #[derive(Debug, Default)]
    pub(crate) struct Mutex<T>(parking_lot::Mutex<T>);

    /// The guard of [`Mutex`].
    pub(crate) type MutexGuard<'a, T> = parking_lot::MutexGuard<'a, T>;

    impl<T> Mutex<T> {
        pub(crate) const fn new(value: T) -> Self {
            Mutex(parking_lot::Mutex::new(value))
        }

        #[inline]
        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0.lock()
        }
    }

    /// A condition variable working with [`Mutex`].
    #[derive(Debug, Default)]
    pub(crate) struct Condvar(parking_lot::Condvar);

    impl Condvar {
        pub(crate) const fn new() -> Self {
            Condvar(parking_lot::Condvar::new())
        }

        pub(crate) fn wait<'a, T>(&self, mut guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
            self.0.wait(&mut guard);
            guard
        }

        /// Waits at most `timeout`; the flag is true if the wait timed out.
        pub(crate) fn wait_timeout<'a, T>(
            &self,
            mut guard: MutexGuard<'a, T>,
            timeout: Duration,
        ) -> (MutexGuard<'a, T>, bool) {
            let timed_out = self.0.wait_for(&mut guard, timeout).timed_out();
            (guard, timed_out)
        }

        pub(crate) fn notify_one(&self) {
            self.0.notify_one();
        }

        pub(crate) fn notify_all(&self) {
            self.0.notify_all();
        }
    }
}

#[cfg(loom)]
mod imp {
    use std::time::Duration;

    /// A mutex without poisoning (loom's, under the model checker).
    #[derive(Debug)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    /// The guard of [`Mutex`].
    pub(crate) type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Mutex(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0.lock().unwrap_or_else(|e| e.into_inner())
        }
    }

    impl<T: Default> Default for Mutex<T> {
        fn default() -> Self {
            Mutex::new(T::default())
        }
    }

    /// A condition variable working with [`Mutex`] (loom's, under the model checker).
    #[derive(Debug, Default)]
    pub(crate) struct Condvar(loom::sync::Condvar);

    impl Condvar {
        pub(crate) fn new() -> Self {
            Condvar(loom::sync::Condvar::new())
        }

        pub(crate) fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
            self.0.wait(guard).unwrap_or_else(|e| e.into_inner())
        }

        /// Loom has no time: a timed wait is a wait that may also return spuriously.
        pub(crate) fn wait_timeout<'a, T>(
            &self,
            guard: MutexGuard<'a, T>,
            timeout: Duration,
        ) -> (MutexGuard<'a, T>, bool) {
            let (guard, res) = self
                .0
                .wait_timeout(guard, timeout)
                .unwrap_or_else(|e| e.into_inner());
            (guard, res.timed_out())
        }

        pub(crate) fn notify_one(&self) {
            self.0.notify_one();
        }

        pub(crate) fn notify_all(&self) {
            self.0.notify_all();
        }
    }
}

#[allow(unused_imports)]
pub(crate) use imp::{Condvar, Mutex, MutexGuard};

impl Condvar {
    /// Waits while `blocked(&mut value)` holds, until `deadline` if there is one (`None`: no
    /// limit). Returns the guard and whether the deadline passed with `blocked` still true.
    ///
    /// The one way the runtime waits for other threads to let go of something (the shutdown
    /// waiting for workers, for the current-thread core, for blocking threads): whoever changes
    /// what `blocked` reads does so under the mutex and then notifies this condvar.
    pub(crate) fn wait_while_until<'a, T>(
        &self,
        mut guard: MutexGuard<'a, T>,
        deadline: Option<std::time::Instant>,
        mut blocked: impl FnMut(&mut T) -> bool,
    ) -> (MutexGuard<'a, T>, bool) {
        while blocked(&mut guard) {
            match deadline {
                None => guard = self.wait(guard),
                Some(deadline) => {
                    let now = std::time::Instant::now();
                    if now >= deadline {
                        return (guard, true);
                    }
                    guard = self.wait_timeout(guard, deadline - now).0;
                }
            }
        }
        (guard, false)
    }
}

//! The blocking locks behind [`super::sync`]: parking_lot's, or loom's under `--cfg loom`, with
//! one API and no poisoning (see the module docs of [`super`]).

use std::fmt;
use std::time::{Duration, Instant};

#[cfg(not(loom))]
mod imp {
    pub(super) type Mutex<T> = parking_lot::Mutex<T>;
    pub(super) type MutexGuard<'a, T> = parking_lot::MutexGuard<'a, T>;
    pub(super) type RwLock<T> = parking_lot::RwLock<T>;
    pub(super) type RwLockReadGuard<'a, T> = parking_lot::RwLockReadGuard<'a, T>;
    pub(super) type RwLockWriteGuard<'a, T> = parking_lot::RwLockWriteGuard<'a, T>;
    pub(super) type Condvar = parking_lot::Condvar;
}

#[cfg(loom)]
mod imp {
    pub(super) type Mutex<T> = loom::sync::Mutex<T>;
    pub(super) type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;
    pub(super) type RwLock<T> = loom::sync::RwLock<T>;
    pub(super) type RwLockReadGuard<'a, T> = loom::sync::RwLockReadGuard<'a, T>;
    pub(super) type RwLockWriteGuard<'a, T> = loom::sync::RwLockWriteGuard<'a, T>;
    pub(super) type Condvar = loom::sync::Condvar;
}

/// The guard of a [`Mutex`]; the lock is released when it drops.
pub type MutexGuard<'a, T> = imp::MutexGuard<'a, T>;
/// The shared guard of a [`RwLock`].
pub type RwLockReadGuard<'a, T> = imp::RwLockReadGuard<'a, T>;
/// The exclusive guard of a [`RwLock`].
pub type RwLockWriteGuard<'a, T> = imp::RwLockWriteGuard<'a, T>;

/// A mutual-exclusion lock that never poisons.
///
/// # Examples
///
/// ```
/// use weft_core::loom::sync::Mutex;
///
/// let m = Mutex::new(1);
/// *m.lock() += 1;
/// assert_eq!(*m.lock(), 2);
/// ```
pub struct Mutex<T>(imp::Mutex<T>);

impl<T> Mutex<T> {
    /// An unlocked mutex holding `value`.
    #[cfg(not(loom))]
    #[inline]
    pub const fn new(value: T) -> Self {
        Mutex(parking_lot::Mutex::new(value))
    }

    /// An unlocked mutex holding `value`.
    #[cfg(loom)]
    pub fn new(value: T) -> Self {
        Mutex(loom::sync::Mutex::new(value))
    }

    /// The value, taking the mutex apart.
    pub fn into_inner(self) -> T {
        #[cfg(not(loom))]
        return self.0.into_inner();
        #[cfg(loom)]
        return self.0.into_inner().unwrap_or_else(|e| e.into_inner());
    }
}

impl<T> Mutex<T> {
    /// Locks, blocking this thread until the lock is free.
    #[inline]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        #[cfg(not(loom))]
        return self.0.lock();
        #[cfg(loom)]
        return self.0.lock().unwrap_or_else(|e| e.into_inner());
    }

    /// Locks if the lock is free right now.
    #[inline]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        #[cfg(not(loom))]
        return self.0.try_lock();
        #[cfg(loom)]
        return match self.0.try_lock() {
            Ok(guard) => Some(guard),
            Err(std::sync::TryLockError::Poisoned(e)) => Some(e.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        };
    }

    /// The value, through a unique reference (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        #[cfg(not(loom))]
        return self.0.get_mut();
        #[cfg(loom)]
        return self.0.get_mut().unwrap_or_else(|e| e.into_inner());
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never locks: a Debug print must not block or deadlock on a held lock.
        f.write_str("Mutex { .. }")
    }
}

/// A reader-writer lock that never poisons.
///
/// # Examples
///
/// ```
/// use weft_core::loom::sync::RwLock;
///
/// let l = RwLock::new(vec![1]);
/// l.write().push(2);
/// assert_eq!(l.read().len(), 2);
/// ```
pub struct RwLock<T>(imp::RwLock<T>);

impl<T> RwLock<T> {
    /// An unlocked lock holding `value`.
    #[cfg(not(loom))]
    #[inline]
    pub const fn new(value: T) -> Self {
        RwLock(parking_lot::RwLock::new(value))
    }

    /// An unlocked lock holding `value`.
    #[cfg(loom)]
    pub fn new(value: T) -> Self {
        RwLock(loom::sync::RwLock::new(value))
    }
}

impl<T> RwLock<T> {
    /// Locks for reading (shared with other readers).
    #[inline]
    pub fn read(&self) -> RwLockReadGuard<'_, T> {
        #[cfg(not(loom))]
        return self.0.read();
        #[cfg(loom)]
        return self.0.read().unwrap_or_else(|e| e.into_inner());
    }

    /// Locks for writing (exclusive).
    #[inline]
    pub fn write(&self) -> RwLockWriteGuard<'_, T> {
        #[cfg(not(loom))]
        return self.0.write();
        #[cfg(loom)]
        return self.0.write().unwrap_or_else(|e| e.into_inner());
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RwLock { .. }")
    }
}

/// A condition variable working with [`Mutex`].
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use weft_core::loom::sync::{Condvar, Mutex};
///
/// let pair = Arc::new((Mutex::new(false), Condvar::new()));
/// let other = pair.clone();
/// std::thread::spawn(move || {
///     *other.0.lock() = true;
///     other.1.notify_all();
/// });
/// let (ready, cv) = &*pair;
/// let (guard, timed_out) = cv.wait_while_until(ready.lock(), None, |ready| !*ready);
/// assert!(*guard && !timed_out);
/// ```
pub struct Condvar(imp::Condvar);

impl Condvar {
    /// A condition variable nobody waits on.
    #[cfg(not(loom))]
    #[inline]
    pub const fn new() -> Self {
        Condvar(parking_lot::Condvar::new())
    }

    /// A condition variable nobody waits on.
    #[cfg(loom)]
    pub fn new() -> Self {
        Condvar(loom::sync::Condvar::new())
    }

    /// Releases the lock, waits for a notification, and locks again. It may return without a
    /// notification (spuriously): re-check the condition.
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        #[cfg(not(loom))]
        {
            let mut guard = guard;
            self.0.wait(&mut guard);
            guard
        }
        #[cfg(loom)]
        return self.0.wait(guard).unwrap_or_else(|e| e.into_inner());
    }

    /// [`wait`](Condvar::wait) for at most `timeout`; the flag is true if the wait timed out.
    /// Under loom (which has no clock) this is a wait that may also return spuriously.
    pub fn wait_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
    ) -> (MutexGuard<'a, T>, bool) {
        #[cfg(not(loom))]
        {
            let mut guard = guard;
            let timed_out = self.0.wait_for(&mut guard, timeout).timed_out();
            (guard, timed_out)
        }
        #[cfg(loom)]
        {
            let (guard, res) = self
                .0
                .wait_timeout(guard, timeout)
                .unwrap_or_else(|e| e.into_inner());
            (guard, res.timed_out())
        }
    }

    /// Waits while `blocked(&mut value)` holds, until `deadline` if there is one (`None`: no
    /// limit). Returns the guard and whether the deadline passed with `blocked` still true.
    ///
    /// The one way weft waits for another thread to let go of something (a shutdown waiting for
    /// workers, for the current-thread core, for blocking threads): whoever changes what `blocked`
    /// reads does so under the mutex and then notifies this condvar.
    pub fn wait_while_until<'a, T>(
        &self,
        mut guard: MutexGuard<'a, T>,
        deadline: Option<Instant>,
        mut blocked: impl FnMut(&mut T) -> bool,
    ) -> (MutexGuard<'a, T>, bool) {
        while blocked(&mut guard) {
            match deadline {
                None => guard = self.wait(guard),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return (guard, true);
                    }
                    guard = self.wait_timeout(guard, deadline - now).0;
                }
            }
        }
        (guard, false)
    }

    /// Wakes one waiter, if any.
    #[inline]
    pub fn notify_one(&self) {
        self.0.notify_one();
    }

    /// Wakes every waiter.
    #[inline]
    pub fn notify_all(&self) {
        self.0.notify_all();
    }
}

impl Default for Condvar {
    fn default() -> Self {
        Condvar::new()
    }
}

impl fmt::Debug for Condvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Condvar { .. }")
    }
}

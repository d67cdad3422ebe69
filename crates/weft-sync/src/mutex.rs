//! [`Mutex`]: a fair async mutual-exclusion lock (asyncio's `Lock`).

use std::cell::UnsafeCell;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use crate::batch_semaphore::{RawSemaphore, TryAcquireError};

/// An async mutex whose guard may be held across `.await`.
///
/// Tasks get the lock in the order they asked for it (first-in, first-out), so no task starves.
/// Locking is a semaphore of one permit: the uncontended lock and unlock are one
/// compare-and-swap each.
///
/// Prefer `std::sync::Mutex` (or `parking_lot`) for data that is never locked across an `.await`:
/// it is cheaper. Use this one when the critical section awaits.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use weft_sync::Mutex;
///
/// # futures_executor::block_on(async {
/// let count = Arc::new(Mutex::new(0));
/// {
///     let mut n = count.lock().await;
///     *n += 1;
///     // The guard may live across awaits.
///     futures_util::future::ready(()).await;
///     *n += 1;
/// }
/// assert_eq!(*count.lock().await, 2);
/// let owned = count.clone().lock_owned().await;
/// assert!(count.try_lock().is_err());
/// drop(owned);
/// # });
/// ```
///
/// # Invariants
///
/// `data` is accessed only through a guard, and a guard exists only while its permit (the
/// semaphore's single permit) is held, so at most one guard exists at a time. (The cell is std's
/// `UnsafeCell`: guards hand out references that outlive any closure, so loom checks the permit
/// protocol, not the data cell.)
pub struct Mutex<T: ?Sized> {
    s: RawSemaphore,
    data: UnsafeCell<T>,
}

// SAFETY: the mutex hands `T` from thread to thread, so it is Send if `T` is.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}
// SAFETY: only one guard at a time gives access to `T` (type invariant): `&Mutex` shares `T` by
// moving access between threads, which needs `T: Send` only (as std's `Mutex`).
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

/// The lock was held (returned by [`Mutex::try_lock`] and the `RwLock::try_*` methods).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TryLockError(pub(crate) ());

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("lock is held by another task")
    }
}

impl std::error::Error for TryLockError {}

impl<T> Mutex<T> {
    /// Creates an unlocked mutex holding `value`.
    pub fn new(value: T) -> Self {
        Mutex {
            s: RawSemaphore::new(1),
            data: UnsafeCell::new(value),
        }
    }

    /// Consumes the mutex, returning the value.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Waits for the lock.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future gives up its place in the queue, and if the lock had
    /// already been handed to it, the lock passes on to the next waiter.
    #[track_caller]
    pub fn lock(&self) -> impl std::future::Future<Output = MutexGuard<'_, T>> + '_ {
        weft_core::task::wait_on(weft_core::task::Resource::Lock, async move {
            // The semaphore of a mutex is never closed.
            let _ = self.s.acquire(1).await;
            MutexGuard { lock: self }
        })
    }

    /// Waits for the lock with a guard that owns an `Arc` to the mutex (`'static`).
    ///
    /// # Cancel safety
    ///
    /// As [`lock`](Self::lock).
    #[track_caller]
    pub fn lock_owned(self: Arc<Self>) -> impl std::future::Future<Output = OwnedMutexGuard<T>> {
        weft_core::task::wait_on(weft_core::task::Resource::Lock, async move {
            let _ = self.s.acquire(1).await;
            OwnedMutexGuard { lock: self }
        })
    }

    /// Takes the lock if it is free and nobody is queued.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if the lock is held.
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        match self.s.try_acquire(1) {
            Ok(()) => Ok(MutexGuard { lock: self }),
            Err(TryAcquireError::NoPermits | TryAcquireError::Closed) => Err(TryLockError(())),
        }
    }

    /// Takes the lock (owned) if it is free.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if the lock is held.
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        match self.s.try_acquire(1) {
            Ok(()) => Ok(OwnedMutexGuard { lock: self }),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// Blocks the current thread until the lock is free (for synchronous code outside any
    /// executor).
    ///
    /// # Panics
    ///
    /// On a thread that runs a weft runtime's tasks (a worker, or inside `block_on`), where
    /// blocking would stall them: `.await` the async method there, or call this from
    /// `spawn_blocking`.
    #[track_caller]
    pub fn blocking_lock(&self) -> MutexGuard<'_, T> {
        crate::util::block_on("Mutex::blocking_lock", self.lock())
    }

    /// A mutable reference to the value; no locking is needed since `&mut self` is exclusive.
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Self {
        Mutex::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Ok(g) => d.field("data", &&*g),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

/// Access to a [`Mutex`]'s value; unlocks when dropped.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct MutexGuard<'a, T: ?Sized> {
    lock: &'a Mutex<T>,
}

// SAFETY: a guard gives `&T` (and `&mut T` through `&mut`); sharing the guard shares `&T`.
unsafe impl<T: ?Sized + Sync> Sync for MutexGuard<'_, T> {}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the mutex's only permit (type invariant of `Mutex`).
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this access exclusive.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.s.release(1);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Access to an `Arc<Mutex<T>>`'s value; unlocks when dropped.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedMutexGuard<T: ?Sized> {
    lock: Arc<Mutex<T>>,
}

// SAFETY: as for `MutexGuard`.
unsafe impl<T: ?Sized + Sync> Sync for OwnedMutexGuard<T> {}

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// The mutex this guard locks.
    pub fn mutex(&self) -> &Arc<Mutex<T>> {
        &self.lock
    }
}

impl<T: ?Sized> Deref for OwnedMutexGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the mutex's only permit (type invariant of `Mutex`).
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> DerefMut for OwnedMutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this access exclusive.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T: ?Sized> Drop for OwnedMutexGuard<T> {
    fn drop(&mut self) {
        self.lock.s.release(1);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

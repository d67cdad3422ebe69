//! [`RwLock`]: a fair, write-preferring async reader-writer lock.

use std::cell::UnsafeCell;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use crate::batch_semaphore::RawSemaphore;
use crate::mutex::TryLockError;

/// How many readers may hold the lock at once: the semaphore's maximum on 32-bit targets
/// (`usize::MAX >> 3` there), so the limit is the same on every platform.
const MAX_READS: usize = (u32::MAX >> 3) as usize;

/// An async reader-writer lock: many readers or one writer, served first-in, first-out.
///
/// It is a semaphore of `MAX_READS` permits: a reader takes one, a writer takes them all. Because
/// the semaphore is fair, a waiting writer holds back every reader that arrives after it, so
/// writers never starve (write-preferring), and readers queued behind it get the lock together
/// once it is released.
///
/// # Examples
///
/// ```
/// use weft_sync::RwLock;
///
/// # futures_executor::block_on(async {
/// let lock = RwLock::new(5);
/// {
///     let a = lock.read().await;
///     let b = lock.read().await;
///     assert_eq!(*a + *b, 10);
///     assert!(lock.try_write().is_err());
/// }
/// *lock.write().await += 1;
/// assert_eq!(*lock.read().await, 6);
/// # });
/// ```
///
/// # Invariants
///
/// Read guards exist only while each holds one permit, the write guard only while it holds all
/// `MAX_READS`: so a write guard never coexists with another guard.
pub struct RwLock<T: ?Sized> {
    s: RawSemaphore,
    data: UnsafeCell<T>,
}

// SAFETY: the lock hands `T` between threads: Send if `T: Send`.
unsafe impl<T: ?Sized + Send> Send for RwLock<T> {}
// SAFETY: readers share `&T` across threads (`T: Sync`), a writer moves access (`T: Send`).
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}

impl<T> RwLock<T> {
    /// Creates an unlocked lock holding `value`.
    pub fn new(value: T) -> Self {
        RwLock {
            s: RawSemaphore::new(MAX_READS),
            data: UnsafeCell::new(value),
        }
    }

    /// Consumes the lock, returning the value.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Waits for shared read access.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future gives up its place in the queue (and passes on anything
    /// it was handed).
    #[track_caller]
    pub fn read(&self) -> impl std::future::Future<Output = RwLockReadGuard<'_, T>> + '_ {
        weft_core::task::wait_on(weft_core::task::Resource::ReadLock, async move {
            let _ = self.s.acquire(1).await;
            RwLockReadGuard { lock: self }
        })
    }

    /// Waits for exclusive write access.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`read`](Self::read): the read permits a cancelled writer had collected go to
    /// the tasks queued behind it.
    #[track_caller]
    pub fn write(&self) -> impl std::future::Future<Output = RwLockWriteGuard<'_, T>> + '_ {
        weft_core::task::wait_on(weft_core::task::Resource::WriteLock, async move {
            let _ = self.s.acquire(MAX_READS).await;
            RwLockWriteGuard { lock: self }
        })
    }

    /// Takes read access if no writer holds or waits for the lock.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if a writer holds or is queued for the lock.
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        self.s
            .try_acquire(1)
            .map(|()| RwLockReadGuard { lock: self })
            .map_err(|_| TryLockError(()))
    }

    /// Takes write access if the lock is free.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if any guard is held or a task is queued.
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        self.s
            .try_acquire(MAX_READS)
            .map(|()| RwLockWriteGuard { lock: self })
            .map_err(|_| TryLockError(()))
    }

    /// Waits for read access with a guard that owns an `Arc` to the lock (`'static`).
    ///
    /// # Cancel safety
    ///
    /// As [`read`](Self::read).
    #[track_caller]
    pub fn read_owned(
        self: Arc<Self>,
    ) -> impl std::future::Future<Output = OwnedRwLockReadGuard<T>> {
        weft_core::task::wait_on(weft_core::task::Resource::ReadLock, async move {
            let _ = self.s.acquire(1).await;
            OwnedRwLockReadGuard { lock: self }
        })
    }

    /// Waits for write access with a guard that owns an `Arc` to the lock (`'static`).
    ///
    /// # Cancel safety
    ///
    /// As [`write`](Self::write).
    #[track_caller]
    pub fn write_owned(
        self: Arc<Self>,
    ) -> impl std::future::Future<Output = OwnedRwLockWriteGuard<T>> {
        weft_core::task::wait_on(weft_core::task::Resource::WriteLock, async move {
            let _ = self.s.acquire(MAX_READS).await;
            OwnedRwLockWriteGuard { lock: self }
        })
    }

    /// Takes owned read access if no writer holds or waits for the lock.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if a writer holds or is queued for the lock.
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        match self.s.try_acquire(1) {
            Ok(()) => Ok(OwnedRwLockReadGuard { lock: self }),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// Takes owned write access if the lock is free.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if any guard is held or a task is queued.
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        match self.s.try_acquire(MAX_READS) {
            Ok(()) => Ok(OwnedRwLockWriteGuard { lock: self }),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// A mutable reference to the value; no locking is needed since `&mut self` is exclusive.
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(g) => d.field("data", &&*g),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

/// Shared access to an [`RwLock`]'s value.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
}

// SAFETY: a read guard gives only `&T`.
unsafe impl<T: ?Sized + Sync> Sync for RwLockReadGuard<'_, T> {}
// SAFETY: moving a read guard moves a `&T` to another thread: `T: Sync`.
unsafe impl<T: ?Sized + Sync> Send for RwLockReadGuard<'_, T> {}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: a read permit is held, so no write guard exists (type invariant).
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.s.release(1);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Exclusive access to an [`RwLock`]'s value.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
}

// SAFETY: sharing a write guard shares `&T`.
unsafe impl<T: ?Sized + Sync> Sync for RwLockWriteGuard<'_, T> {}
// SAFETY: moving a write guard moves exclusive access: `T: Send + Sync` as for the lock itself.
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockWriteGuard<'_, T> {}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: all permits are held, so this is the only guard (type invariant).
        unsafe { &*self.lock.data.get() }
    }
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// Turns write access into read access without letting a writer in between. Other readers
    /// waiting in the queue may then join.
    pub fn downgrade(self) -> RwLockReadGuard<'a, T> {
        let lock = self.lock;
        std::mem::forget(self);
        // Keep one permit (ours as a reader); the rest go to the queue or the pool.
        lock.s.release(MAX_READS - 1);
        RwLockReadGuard { lock }
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this access exclusive.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.s.release(MAX_READS);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Shared access to an `Arc<RwLock<T>>`'s value (`'static`).
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedRwLockReadGuard<T: ?Sized> {
    lock: Arc<RwLock<T>>,
}

// SAFETY: a read guard gives only `&T`.
unsafe impl<T: ?Sized + Send + Sync> Sync for OwnedRwLockReadGuard<T> {}
// SAFETY: moving the guard moves a `&T` and an `Arc` of the lock (which needs `T: Send + Sync`).
unsafe impl<T: ?Sized + Send + Sync> Send for OwnedRwLockReadGuard<T> {}

impl<T: ?Sized> Deref for OwnedRwLockReadGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: a read permit is held, so no write guard exists (type invariant of `RwLock`).
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> Drop for OwnedRwLockReadGuard<T> {
    fn drop(&mut self) {
        self.lock.s.release(1);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedRwLockReadGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Exclusive access to an `Arc<RwLock<T>>`'s value (`'static`).
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedRwLockWriteGuard<T: ?Sized> {
    lock: Arc<RwLock<T>>,
}

// SAFETY: sharing a write guard shares `&T`; the `Arc` inside needs the lock to be Sync.
unsafe impl<T: ?Sized + Send + Sync> Sync for OwnedRwLockWriteGuard<T> {}
// SAFETY: moving a write guard moves exclusive access and an `Arc` of the lock.
unsafe impl<T: ?Sized + Send + Sync> Send for OwnedRwLockWriteGuard<T> {}

impl<T: ?Sized> OwnedRwLockWriteGuard<T> {
    /// Turns write access into read access without letting a writer in between.
    pub fn downgrade(self) -> OwnedRwLockReadGuard<T> {
        let this = std::mem::ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again, so the `Arc` is moved out exactly once.
        let lock = unsafe { std::ptr::read(&this.lock) };
        lock.s.release(MAX_READS - 1);
        OwnedRwLockReadGuard { lock }
    }
}

impl<T: ?Sized> Deref for OwnedRwLockWriteGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: all permits are held, so this is the only guard (type invariant of `RwLock`).
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> DerefMut for OwnedRwLockWriteGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this access exclusive.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T: ?Sized> Drop for OwnedRwLockWriteGuard<T> {
    fn drop(&mut self) {
        self.lock.s.release(MAX_READS);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedRwLockWriteGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

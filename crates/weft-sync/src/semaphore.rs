//! [`Semaphore`]: a fair async counting semaphore (asyncio's `Semaphore`).

use std::fmt;
use std::sync::Arc;

use crate::batch_semaphore::{self as ll, RawSemaphore};

/// A counting semaphore: at most `permits` holders at a time, served first-in, first-out.
///
/// [`acquire`](Self::acquire) waits for a permit and returns a guard that gives it back when
/// dropped. Waiters are served strictly in arrival order, also when they ask for several permits
/// ([`acquire_many`](Self::acquire_many)): a large request at the head of the queue collects
/// permits as they are released, and smaller requests behind it wait their turn.
///
/// The uncontended path is a single compare-and-swap; waiting tasks are kept in a list behind a
/// short lock.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use weft_sync::Semaphore;
///
/// # futures_executor::block_on(async {
/// let sem = Arc::new(Semaphore::new(2));
/// let a = sem.acquire().await.unwrap();
/// let b = sem.clone().acquire_owned().await.unwrap();
/// assert_eq!(sem.available_permits(), 0);
/// assert!(sem.try_acquire().is_err());
/// drop(a);
/// drop(b);
/// assert_eq!(sem.available_permits(), 2);
/// # });
/// ```
pub struct Semaphore {
    ll: RawSemaphore,
}

/// The semaphore was closed ([`Semaphore::close`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcquireError(());

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore closed")
    }
}

impl std::error::Error for AcquireError {}

/// Why a `try_acquire*` call got no permit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore was closed.
    Closed,
    /// Not enough permits are free right now (or other tasks are queued first).
    NoPermits,
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::Closed => f.write_str("semaphore closed"),
            TryAcquireError::NoPermits => f.write_str("no permits available"),
        }
    }
}

impl std::error::Error for TryAcquireError {}

impl From<ll::TryAcquireError> for TryAcquireError {
    fn from(e: ll::TryAcquireError) -> Self {
        match e {
            ll::TryAcquireError::Closed => TryAcquireError::Closed,
            ll::TryAcquireError::NoPermits => TryAcquireError::NoPermits,
        }
    }
}

impl Semaphore {
    /// The largest number of permits a semaphore can hold (`usize::MAX >> 3`: the count shares
    /// one atomic word with the semaphore's flags).
    pub const MAX_PERMITS: usize = ll::MAX_PERMITS;

    /// Creates a semaphore with `permits` permits.
    ///
    /// # Panics
    ///
    /// If `permits` exceeds [`MAX_PERMITS`](Self::MAX_PERMITS).
    #[track_caller]
    pub fn new(permits: usize) -> Self {
        Semaphore {
            ll: RawSemaphore::new(permits),
        }
    }

    /// The number of permits free right now.
    pub fn available_permits(&self) -> usize {
        self.ll.available_permits()
    }

    /// Adds `n` permits, handing them to waiting tasks first.
    ///
    /// # Panics
    ///
    /// If the total would exceed [`MAX_PERMITS`](Self::MAX_PERMITS).
    #[track_caller]
    pub fn add_permits(&self, n: usize) {
        self.ll.add_permits(n);
    }

    /// Removes up to `n` free permits for good and returns how many were removed.
    pub fn forget_permits(&self, n: usize) -> usize {
        self.ll.forget_permits(n)
    }

    /// Waits for one permit.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is or becomes closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, and fair across cancellation: dropping the future gives up its place in the
    /// queue, and any permits it had been handed go to the next waiter.
    #[track_caller]
    pub fn acquire(
        &self,
    ) -> impl std::future::Future<Output = Result<SemaphorePermit<'_>, AcquireError>> + '_ {
        weft_core::task::wait_on(weft_core::task::Resource::Acquire, async move {
            self.acquire_many_untracked(1).await
        })
    }

    /// Waits for `n` permits, taken all together.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is or becomes closed.
    ///
    /// # Cancel safety
    ///
    /// As [`acquire`](Self::acquire).
    #[track_caller]
    pub fn acquire_many(
        &self,
        n: u32,
    ) -> impl std::future::Future<Output = Result<SemaphorePermit<'_>, AcquireError>> + '_ {
        weft_core::task::wait_on(
            weft_core::task::Resource::Acquire,
            self.acquire_many_untracked(n),
        )
    }

    async fn acquire_many_untracked(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        match self.ll.acquire(n as usize).await {
            Ok(()) => Ok(SemaphorePermit {
                sem: self,
                permits: n,
            }),
            Err(ll::AcquireError) => Err(AcquireError(())),
        }
    }

    /// Takes one permit if one is free and nobody is queued.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] or [`TryAcquireError::Closed`].
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are free and nobody is queued.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] or [`TryAcquireError::Closed`].
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.ll.try_acquire(n as usize)?;
        Ok(SemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    /// Waits for one permit that owns a reference to the semaphore (`'static`, can move into a
    /// spawned task).
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is or becomes closed.
    ///
    /// # Cancel safety
    ///
    /// As [`acquire`](Self::acquire).
    #[track_caller]
    pub fn acquire_owned(
        self: Arc<Self>,
    ) -> impl std::future::Future<Output = Result<OwnedSemaphorePermit, AcquireError>> {
        weft_core::task::wait_on(weft_core::task::Resource::Acquire, async move {
            self.acquire_many_owned_untracked(1).await
        })
    }

    /// Waits for `n` permits, owned. See [`acquire_owned`](Self::acquire_owned).
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is or becomes closed.
    ///
    /// # Cancel safety
    ///
    /// As [`acquire`](Self::acquire).
    #[track_caller]
    pub fn acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> impl std::future::Future<Output = Result<OwnedSemaphorePermit, AcquireError>> {
        weft_core::task::wait_on(
            weft_core::task::Resource::Acquire,
            self.acquire_many_owned_untracked(n),
        )
    }

    async fn acquire_many_owned_untracked(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        match self.ll.acquire(n as usize).await {
            Ok(()) => Ok(OwnedSemaphorePermit {
                sem: self,
                permits: n,
            }),
            Err(ll::AcquireError) => Err(AcquireError(())),
        }
    }

    /// Takes one owned permit without waiting.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] or [`TryAcquireError::Closed`].
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_many_owned(1)
    }

    /// Takes `n` owned permits without waiting.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] or [`TryAcquireError::Closed`].
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.ll.try_acquire(n as usize)?;
        Ok(OwnedSemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    /// Closes the semaphore: every waiting and later acquire fails with [`AcquireError`].
    /// Permits already held stay valid and are returned as usual.
    pub fn close(&self) {
        self.ll.close();
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.ll.is_closed()
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.ll.fmt(f)
    }
}

/// Permits borrowed from a [`Semaphore`]; dropping the guard gives them back.
#[must_use = "the permit is released as soon as it is dropped"]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    permits: u32,
}

impl SemaphorePermit<'_> {
    /// Keeps the permits out of the semaphore for good (it shrinks by that many).
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// How many permits this guard holds.
    pub fn num_permits(&self) -> usize {
        self.permits as usize
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.sem.ll.release(self.permits as usize);
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}

/// Permits owned from an `Arc<Semaphore>`; dropping the guard gives them back.
#[must_use = "the permit is released as soon as it is dropped"]
pub struct OwnedSemaphorePermit {
    sem: Arc<Semaphore>,
    permits: u32,
}

impl OwnedSemaphorePermit {
    /// Keeps the permits out of the semaphore for good.
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// How many permits this guard holds.
    pub fn num_permits(&self) -> usize {
        self.permits as usize
    }

    /// The semaphore these permits belong to.
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.sem
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        self.sem.ll.release(self.permits as usize);
    }
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}

//! # weft-io: the reactor, timers and I/O traits
//!
//! This layer gives weft's executor something to wait for. A [`Driver`] owns an OS poller
//! (epoll, kqueue, ... through the `polling` crate) and a timing wheel; it implements
//! weft-runtime's [`Park`](weft_runtime::Park) hook, so a worker with nothing to run blocks in the
//! poller until an I/O event, the next timer or an `unpark`. Resources find their driver with
//! [`Handle::current`].
//!
//! - [`io`]: [`io::Async<T>`] registers any file descriptor with the reactor (edge-triggered where
//!   the OS allows) and offers optimistic non-blocking I/O; the futures-io traits and futures-util's
//!   helpers are re-exported.
//! - [`time`]: `sleep`, `timeout`, `interval`, `Instant`, and virtual (paused) time for tests.
//!
//! ```text
//!   weft-core <- weft-runtime <- weft-io <- weft-net, weft-fs <- weft
//!
//!   Runtime worker --Park::park--> Driver --> Reactor (Poller, registry)  --> wake I/O waiters
//!                                        \--> TimerQueue (clock, wheel)   --> wake sleepers
//! ```
//!
//! There is no process-global reactor: each runtime has its own driver, and two runtimes in one
//! process work side by side.
//!
//! # Examples
//!
//! ```
//! use std::os::unix::net::UnixStream;
//! use std::time::Duration;
//! use weft_io::io::{Async, AsyncReadExt, AsyncWriteExt};
//! use weft_io::time::{sleep, timeout};
//! # let driver = std::sync::Arc::new(weft_io::Driver::new(weft_io::DriverConfig::default())?);
//! # let _guard = driver.handle().enter();
//! # let run = |f| weft_io::__private::block_on_driver(&driver, f);
//!
//! run(async {
//!     let (a, b) = UnixStream::pair()?;
//!     let (mut a, mut b) = (Async::new(a)?, Async::new(b)?);
//!     a.write_all(b"hello").await?;
//!     let mut buf = [0; 5];
//!     b.read_exact(&mut buf).await?;
//!     assert_eq!(&buf, b"hello");
//!     // Nothing more will come: the read times out.
//!     let more = timeout(Duration::from_millis(20), b.read(&mut buf)).await;
//!     assert!(more.is_err());
//!     sleep(Duration::from_millis(1)).await;
//!     std::io::Result::Ok(())
//! })?;
//! # std::io::Result::Ok(())
//! ```
#![deny(unsafe_op_in_unsafe_fn)]
// Under loom only the readiness protocol is built (for `tests/loom_*.rs`).
#![cfg_attr(loom, allow(dead_code, unused_imports))]

#[cfg(not(loom))]
mod driver;
#[cfg(not(loom))]
pub mod io;
mod reactor;
#[cfg(not(loom))]
pub mod time;
/// Under loom only the timer queue is built (for `tests/loom_timer.rs`).
#[cfg(loom)]
mod time {
    mod clock;
    pub(crate) mod entry;
    mod wheel;
}

#[cfg(not(loom))]
pub use driver::{Driver, DriverConfig, EnterGuard, Handle, MakeDriver};
#[cfg(not(loom))]
pub use io::Async;

/// Not public API: the readiness protocol, exposed to the loom models in `tests/loom_*.rs`.
#[cfg(loom)]
#[doc(hidden)]
pub mod __loom {
    pub use crate::reactor::scheduled_io::{Direction, ReadyEvent, ScheduledIo};
    pub use crate::reactor::waiters::WaiterKey;

    /// The timer queue and its entries, as a `Sleep` and the driver use them.
    pub mod timer {
        use std::task::Waker;

        use crate::time::entry::{Inserted, TimerEntry, TimerQueue};

        /// A driver's timer queue (on a paused clock: time is the `now` given to `process`).
        #[derive(Debug)]
        pub struct Queue(TimerQueue);

        /// A timer entry, as embedded in a `Sleep`.
        #[derive(Debug)]
        pub struct Entry(TimerEntry);

        impl Queue {
            /// An empty queue at tick 0.
            #[allow(clippy::new_without_default)]
            pub fn new() -> Self {
                Queue(TimerQueue::new(true))
            }

            /// Arms `entry` for `tick`; `false` if it was already due.
            ///
            /// # Safety
            /// As `TimerQueue::insert`: `entry` stays put and alive until it is done or removed.
            pub unsafe fn insert(&self, entry: &Entry, tick: u64) -> bool {
                // SAFETY: the caller's promise.
                let inserted = unsafe { self.0.insert(&entry.0, tick) };
                matches!(inserted, Inserted::Armed { .. })
            }

            /// Moves `entry` to `tick` (lock-free when later).
            ///
            /// # Safety
            /// As for [`insert`](Self::insert).
            pub unsafe fn reset(&self, entry: &Entry, tick: u64) {
                // SAFETY: the caller's promise.
                unsafe { self.0.reset(&entry.0, tick) };
            }

            /// Takes `entry` out of the wheel (what dropping an armed `Sleep` does).
            pub fn remove(&self, entry: &Entry) {
                self.0.remove(&entry.0);
            }

            /// Fires the timers due at `now` and wakes their tasks; returns how many fired.
            pub fn process(&self, now: u64) -> usize {
                self.0.process(now, &mut Vec::new())
            }

            /// Pending timers.
            pub fn len(&self) -> usize {
                self.0.len()
            }
        }

        impl Entry {
            /// An entry for `tick`, not in a wheel.
            pub fn new(tick: u64) -> Self {
                Entry(TimerEntry::new(tick))
            }

            /// Registers the waiting task's waker.
            pub fn register(&self, waker: &Waker) {
                self.0.waker.register(waker);
            }

            /// Whether it fired (or is firing), as a `Sleep`'s poll asks.
            pub fn is_fired(&self) -> bool {
                self.0.is_fired()
            }

            /// Whether the queue let go of it, as a `Sleep`'s drop asks.
            pub fn is_done(&self) -> bool {
                self.0.is_done()
            }

            /// Marks the entry's memory as freed: loom reports it if the queue's last access is
            /// not ordered before this.
            pub fn free(&self) {
                self.0.memory.with_mut(|_| ());
            }
        }
    }
}

/// Not public API: helpers for doc examples and tests.
#[cfg(not(loom))]
#[doc(hidden)]
pub mod __private {
    use std::future::Future;
    use std::pin::pin;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};

    use weft_runtime::Park;

    use crate::Driver;

    struct Unparker {
        driver: Arc<Driver>,
        woken: AtomicBool,
    }

    impl Wake for Unparker {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }

        fn wake_by_ref(self: &Arc<Self>) {
            self.woken.store(true, Ordering::Release);
            self.driver.unpark();
        }
    }

    /// Runs `future` on a new current-thread runtime with a driver installed (reactor, timers
    /// and the blocking pool: the shape the facade's runtimes have).
    pub fn run<F: Future>(future: F) -> F::Output {
        let driver =
            Arc::new(Driver::new(crate::DriverConfig::default()).expect("create the driver"));
        let rt = weft_runtime::Builder::new_current_thread()
            .park_hook(driver)
            .build()
            .expect("build the runtime");
        rt.block_on(future)
    }

    /// Runs `future` on this thread, parking in `driver` while it is pending: the smallest
    /// executor that drives weft-io without weft-runtime.
    pub fn block_on_driver<F: Future>(driver: &Arc<Driver>, future: F) -> F::Output {
        let _guard = driver.handle().enter();
        let unparker = Arc::new(Unparker {
            driver: driver.clone(),
            woken: AtomicBool::new(true),
        });
        let waker = Waker::from(unparker.clone());
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        loop {
            if unparker.woken.swap(false, Ordering::AcqRel) {
                let polled =
                    weft_core::coop::with_budget(weft_core::coop::Budget::initial(), || {
                        future.as_mut().poll(&mut cx)
                    });
                if let Poll::Ready(output) = polled {
                    return output;
                }
                continue;
            }
            driver.park(None);
        }
    }
}

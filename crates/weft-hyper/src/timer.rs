//! [`HyperTimer`]: hyper's timeouts (header read, keep-alive, HTTP/2 pings) on weft's timer wheel.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use weft_io::time::{self, Sleep};

/// hyper's [`Timer`](hyper::rt::Timer) on weft's timers.
///
/// Sleeps are weft [`Sleep`]s; [`reset`](hyper::rt::Timer::reset) moves one in place (hyper
/// resets its header-read and keep-alive timers on every request, and a later deadline costs no
/// lock), and [`now`](hyper::rt::Timer::now) reads the runtime's clock, so hyper's timeouts follow
/// paused (virtual) time in tests.
///
/// [`new`](HyperTimer::new) uses the runtime current where hyper calls it (from inside the
/// connection's task), looking it up on each call; [`with_handle`](HyperTimer::with_handle) always
/// uses the given driver, with no lookup ([`serve`](crate::serve) does this).
///
/// # Panics
///
/// A timer made with `new` panics when hyper uses it outside a weft runtime.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use weft_hyper::HyperTimer;
///
/// let mut builder = hyper::server::conn::http1::Builder::new();
/// builder.timer(HyperTimer::new()).header_read_timeout(Duration::from_secs(5));
/// ```
#[derive(Clone, Debug, Default)]
pub struct HyperTimer {
    handle: Option<weft_io::Handle>,
}

impl HyperTimer {
    /// A timer on the current runtime's timer wheel.
    pub fn new() -> HyperTimer {
        HyperTimer { handle: None }
    }

    /// A timer on the wheel of `handle`'s driver, wherever it is called from.
    pub fn with_handle(handle: weft_io::Handle) -> HyperTimer {
        HyperTimer {
            handle: Some(handle),
        }
    }

    #[track_caller]
    fn sleep_until_weft(&self, deadline: time::Instant) -> HyperSleep {
        let inner = match &self.handle {
            Some(handle) => handle.sleep_until(deadline),
            None => time::sleep_until(deadline),
        };
        HyperSleep { inner }
    }

    #[track_caller]
    fn clock_now(&self) -> time::Instant {
        match &self.handle {
            Some(handle) => handle.now(),
            None => time::Instant::now(),
        }
    }
}

impl hyper::rt::Timer for HyperTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        let deadline = self.clock_now() + duration;
        Box::pin(self.sleep_until_weft(deadline))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(self.sleep_until_weft(time::Instant::from_std(deadline)))
    }

    fn now(&self) -> Instant {
        self.clock_now().into_std()
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<HyperSleep>() {
            Some(ours) => ours.inner().reset(time::Instant::from_std(new_deadline)),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

/// A weft [`Sleep`] as hyper's `Sleep`.
///
/// # Invariants
/// `inner` is structurally pinned: it is only handed out pinned ([`HyperSleep::inner`]) and never
/// moved out.
struct HyperSleep {
    inner: Sleep,
}

impl HyperSleep {
    fn inner(self: Pin<&mut Self>) -> Pin<&mut Sleep> {
        // SAFETY: `inner` is structurally pinned (type invariant).
        unsafe { self.map_unchecked_mut(|s| &mut s.inner) }
    }
}

impl Future for HyperSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.inner().poll(cx)
    }
}

impl hyper::rt::Sleep for HyperSleep {}

//! Time limits and pacing for streams: [`StreamTimeExt::timeout`] and [`StreamTimeExt::throttle`],
//! and [`Interval`](super::Interval) as a stream of its ticks.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use futures_core::stream::{FusedStream, Stream};

use super::{sleep, Elapsed, Interval, Sleep};

/// Time adapters for every [`Stream`]: a limit on the wait for each item, and a minimum gap
/// between items. They need a weft runtime's timers, like [`sleep`](super::sleep).
///
/// `futures-util`'s `StreamExt` has the rest (`next`, `map`, ...); import both.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use futures_util::StreamExt;
/// use weft_io::time::{sleep, StreamTimeExt};
/// # let driver = std::sync::Arc::new(weft_io::Driver::new(weft_io::DriverConfig::default().start_paused(true))?);
/// # let _guard = driver.handle().enter();
/// # let run = |f| weft_io::__private::block_on_driver(&driver, f);
/// run(async {
///     let slow = futures_util::stream::iter(0..2).then(|i| async move {
///         sleep(Duration::from_millis(50)).await;
///         i
///     });
///     let items: Vec<_> = slow.timeout(Duration::from_millis(30)).collect().await;
///     // Each item was late once: an `Elapsed` first, then the item.
///     assert!(items[0].is_err() && items[1] == Ok(0));
///     assert!(items[2].is_err() && items[3] == Ok(1));
/// });
/// # std::io::Result::Ok(())
/// ```
pub trait StreamTimeExt: Stream {
    /// Limits the wait for each item to `duration`: when the next item has not come `duration`
    /// after the previous one (or after the call, for the first), the stream yields
    /// `Err(Elapsed)` once and goes on waiting; items come as `Ok(item)`. The stream ends when
    /// this one does.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with timers.
    #[track_caller]
    fn timeout(self, duration: Duration) -> StreamTimeout<Self>
    where
        Self: Sized,
    {
        StreamTimeout {
            stream: self,
            deadline: Box::pin(sleep(duration)),
            duration,
            armed: true,
        }
    }

    /// Lets at most one item through per `duration`: after an item, the stream does not ask this
    /// one for the next until `duration` has passed. The first item comes at once.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with timers.
    #[track_caller]
    fn throttle(self, duration: Duration) -> Throttle<Self>
    where
        Self: Sized,
    {
        Throttle {
            stream: self,
            delay: Box::pin(sleep(Duration::ZERO)),
            duration,
            waiting: false,
        }
    }
}

impl<S: Stream + ?Sized> StreamTimeExt for S {}

/// The stream of [`StreamTimeExt::timeout`].
///
/// # Invariants
///
/// `stream` is pinned structurally (never moved out while `self` is pinned; no `Drop` impl);
/// the other fields are `Unpin` and never pinned.
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct StreamTimeout<S> {
    stream: S,
    /// Boxed so that the adapter is `Unpin` when the stream is (one allocation per adapter).
    deadline: Pin<Box<Sleep>>,
    duration: Duration,
    /// Whether `deadline` may still report a gap (it does once per gap).
    armed: bool,
}

impl<S> StreamTimeout<S> {
    /// The wrapped stream.
    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    /// Takes the wrapped stream back.
    pub fn into_inner(self) -> S {
        self.stream
    }

    fn project(self: Pin<&mut Self>) -> (Pin<&mut S>, Pin<&mut Sleep>, Duration, &mut bool) {
        // SAFETY: `stream` is pinned structurally and the rest is not (type invariants): the
        // stream is only handed out pinned, the other fields only by `&mut`, and nothing moves
        // the stream out of a pinned `StreamTimeout`.
        unsafe {
            let this = self.get_unchecked_mut();
            (
                Pin::new_unchecked(&mut this.stream),
                this.deadline.as_mut(),
                this.duration,
                &mut this.armed,
            )
        }
    }
}

impl<S: Stream> Stream for StreamTimeout<S> {
    type Item = Result<S::Item, Elapsed>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let (stream, mut deadline, duration, armed) = self.project();
        if let Poll::Ready(item) = stream.poll_next(cx) {
            if item.is_some() {
                let now = deadline.handle().now();
                deadline.as_mut().reset(now.saturating_add(duration));
                *armed = true;
            }
            return Poll::Ready(item.map(Ok));
        }
        if *armed {
            ready!(deadline.poll(cx));
            *armed = false;
            return Poll::Ready(Some(Err(Elapsed(()))));
        }
        Poll::Pending
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let (low, high) = self.stream.size_hint();
        // Each item may be preceded by one `Elapsed`, and the end by one more.
        (low, high.and_then(|h| h.checked_mul(2)?.checked_add(1)))
    }
}

impl<S: FusedStream> FusedStream for StreamTimeout<S> {
    fn is_terminated(&self) -> bool {
        self.stream.is_terminated()
    }
}

/// The stream of [`StreamTimeExt::throttle`].
///
/// # Invariants
///
/// As [`StreamTimeout`]'s: `stream` is pinned structurally, the other fields are not.
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct Throttle<S> {
    stream: S,
    /// Boxed so that the adapter is `Unpin` when the stream is (one allocation per adapter).
    delay: Pin<Box<Sleep>>,
    duration: Duration,
    /// Whether an item went out and `delay` runs to the earliest time of the next.
    waiting: bool,
}

impl<S> Throttle<S> {
    /// The wrapped stream.
    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    /// Takes the wrapped stream back.
    pub fn into_inner(self) -> S {
        self.stream
    }

    fn project(self: Pin<&mut Self>) -> (Pin<&mut S>, Pin<&mut Sleep>, Duration, &mut bool) {
        // SAFETY: `stream` is pinned structurally and the rest is not (type invariants), as in
        // `StreamTimeout::project`.
        unsafe {
            let this = self.get_unchecked_mut();
            (
                Pin::new_unchecked(&mut this.stream),
                this.delay.as_mut(),
                this.duration,
                &mut this.waiting,
            )
        }
    }
}

impl<S: Stream> Stream for Throttle<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let (stream, mut delay, duration, waiting) = self.project();
        if *waiting {
            ready!(delay.as_mut().poll(cx));
            *waiting = false;
        }
        let item = ready!(stream.poll_next(cx));
        if item.is_some() && !duration.is_zero() {
            let now = delay.handle().now();
            delay.as_mut().reset(now.saturating_add(duration));
            *waiting = true;
        }
        Poll::Ready(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.stream.size_hint()
    }
}

impl<S: FusedStream> FusedStream for Throttle<S> {
    fn is_terminated(&self) -> bool {
        self.stream.is_terminated()
    }
}

/// The ticks of an interval as a stream: `interval.next().await` is `Some(interval.tick().await)`.
/// It never ends.
impl Stream for Interval {
    type Item = super::Instant;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<super::Instant>> {
        self.get_mut().poll_tick(cx).map(Some)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (usize::MAX, None)
    }
}

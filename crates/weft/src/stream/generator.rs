//! The stream that [`stream!`](crate::stream::stream) and [`try_stream!`](crate::stream::try_stream)
//! build: an async block whose `yield`s hand items to whoever polls the stream.
//!
//! How an item travels: [`Generator::poll_next`] puts a pointer to an empty slot on its own stack
//! into a thread-local cell, tagged with the generator's id, and polls the async block. A `yield`
//! (a [`Yield`] future) finds the cell, checks the tag, moves its value into the slot and returns
//! `Pending` once; `poll_next` takes the value out of the slot and returns it. The next
//! `poll_next` polls the block again, the `Yield` future completes, and the body goes on. No
//! allocation per item, no lock, no channel.

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use futures_core::stream::{FusedStream, Stream};

/// Ids of generators; each is used once, so a tag can never match a generator it was not made
/// for (u64 does not wrap in the life of a process).
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The generator being polled on this thread, if any: its id and a pointer to the
    /// `Option<T>` slot on `poll_next`'s stack, `T` being that generator's item type.
    static CURRENT: Cell<(u64, *mut ())> = const { Cell::new((0, ptr::null_mut())) };
}

/// An `impl Stream` written as an async block with `yield`: what [`stream!`] and [`try_stream!`]
/// return.
///
/// It is `Unpin` (the block lives in one heap allocation made when the stream is created), so
/// `while let Some(x) = s.next().await` works on it without `pin!`. Dropping it drops the block
/// and everything the block holds at its current `yield` or `.await`. A panic inside the block
/// unwinds out of `poll_next` into the task that polls it; polled again after that, the stream
/// reports its end.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use weft::stream::{stream, StreamExt};
///
/// #[weft::main]
/// async fn main() {
///     let mut ticks = stream! {
///         for i in 0..3 {
///             weft::time::sleep(Duration::from_millis(1)).await;
///             yield i;
///         }
///     };
///     while let Some(i) = ticks.next().await {
///         println!("tick {i}");
///     }
/// }
/// ```
///
/// [`stream!`]: crate::stream::stream
/// [`try_stream!`]: crate::stream::try_stream
#[must_use = "streams do nothing unless polled"]
pub struct Generator<T, F> {
    id: u64,
    /// `None` once the block returned or panicked.
    body: Option<Pin<Box<F>>>,
    _item: PhantomData<fn() -> T>,
}

/// The handle through which a [`Generator`]'s body yields. The macros create it and name it so
/// that code in the body cannot; it is public only because the macros' expansion calls it.
pub struct Yielder<T> {
    id: u64,
    _item: PhantomData<fn(T)>,
}

/// The future of one `yield`: hands its value to the generator's current `poll_next`, then
/// completes on the next poll.
#[must_use = "a yield does nothing unless awaited"]
pub struct Yield<T> {
    id: u64,
    value: Option<T>,
}

impl<T, F: Future<Output = ()>> Generator<T, F> {
    /// Creates the stream from a function that makes its body from a [`Yielder`]. Used by the
    /// macros; call [`stream!`](crate::stream::stream) instead.
    pub fn new(make_body: impl FnOnce(Yielder<T>) -> F) -> Self {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let body = make_body(Yielder {
            id,
            _item: PhantomData,
        });
        Generator {
            id,
            body: Some(Box::pin(body)),
            _item: PhantomData,
        }
    }
}

impl<T> Yielder<T> {
    /// The future of `yield value`.
    pub fn send(&self, value: T) -> Yield<T> {
        Yield {
            id: self.id,
            value: Some(value),
        }
    }
}

/// Puts the previous generator back in `CURRENT` when a poll ends, by return or by unwind.
struct Restore((u64, *mut ()));

impl Drop for Restore {
    fn drop(&mut self) {
        CURRENT.with(|current| current.set(self.0));
    }
}

/// Clears the body if its poll unwinds, so the stream is over (and a later poll does not resume
/// a block that panicked).
struct EndOnUnwind<'a, F>(&'a mut Option<Pin<Box<F>>>);

impl<F> Drop for EndOnUnwind<'_, F> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            *self.0 = None;
        }
    }
}

impl<T, F: Future<Output = ()>> Stream for Generator<T, F> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        if this.body.is_none() {
            return Poll::Ready(None);
        }
        let mut slot: Option<T> = None;
        let previous = CURRENT
            .with(|current| current.replace((this.id, ptr::addr_of_mut!(slot).cast::<()>())));
        let restore = Restore(previous);
        let guard = EndOnUnwind(&mut this.body);
        let done = guard
            .0
            .as_mut()
            .expect("checked above")
            .as_mut()
            .poll(cx)
            .is_ready();
        drop(guard);
        drop(restore);
        if let Some(item) = slot {
            if done {
                this.body = None;
            }
            return Poll::Ready(Some(item));
        }
        if done {
            this.body = None;
            return Poll::Ready(None);
        }
        Poll::Pending
    }
}

impl<T, F: Future<Output = ()>> FusedStream for Generator<T, F> {
    fn is_terminated(&self) -> bool {
        self.body.is_none()
    }
}

impl<T> Future for Yield<T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let Some(value) = this.value.take() else {
            return Poll::Ready(());
        };
        let (id, slot) = CURRENT.with(Cell::get);
        assert!(
            id == this.id,
            "a `yield` ran outside the poll of its own `stream!`: yield only from the body of the \
             `stream!` or `try_stream!` that contains it, not from a task or thread it started"
        );
        let slot = slot.cast::<Option<T>>();
        // SAFETY: `CURRENT` holds `this.id` only while `Generator::poll_next` of the generator
        // with that id runs on this thread (ids are unique, and `Restore` puts the previous value
        // back when the poll ends, by return or unwind). That generator was made with the same
        // `T` as this `Yield` (its `Yielder<T>` made this future), so `slot` points to a live
        // `Option<T>` on its stack, which nothing else touches while its body is being polled.
        let slot = unsafe { &mut *slot };
        if slot.is_some() {
            // Two yields in one poll (e.g. joined): this one waits for the next poll; the
            // generator returns the first item now and polls again for the next `next()`.
            this.value = Some(value);
            return Poll::Pending;
        }
        *slot = Some(value);
        Poll::Pending
    }
}

// A `Yield` holds its `T` by value and never pins it (nor hands out a pinned reference to it).
impl<T> Unpin for Yield<T> {}

impl<T, F> fmt::Debug for Generator<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Generator")
            .field("id", &self.id)
            .field("finished", &self.body.is_none())
            .finish()
    }
}

impl<T> fmt::Debug for Yielder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Yielder").field("id", &self.id).finish()
    }
}

impl<T> fmt::Debug for Yield<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Yield")
            .field("id", &self.id)
            .field("sent", &self.value.is_none())
            .finish()
    }
}

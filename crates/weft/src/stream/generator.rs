//! The stream that [`stream!`](crate::stream::stream) and [`try_stream!`](crate::stream::try_stream)
//! build: an async block whose `yield`s hand items to whoever polls the stream.
//!
//! How an item travels: [`Generator::poll_next`] puts a pointer to a frame on its own stack (the
//! generator's id and an empty slot) into a thread-local cell, and polls the async block. A `yield`
//! (a [`Yield`] future) finds the frame, checks the id, moves its value into the slot and returns
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
    /// The generator being polled on this thread, if any: a pointer to the [`Frame<T>`] on its
    /// `poll_next`'s stack, `T` being that generator's item type; null when none is.
    static CURRENT: Cell<*mut ()> = const { Cell::new(ptr::null_mut()) };
}

/// What a `yield` finds through `CURRENT`.
///
/// # Invariants
///
/// `repr(C)` with `id` first, so a pointer to any `Frame<T>` can be read as a pointer to its `u64`
/// id without knowing `T`; the id names the generator whose `poll_next` owns the frame.
#[repr(C)]
struct Frame<T> {
    id: u64,
    item: Option<T>,
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
/// that code in the body cannot; it is public because the expansion calls it.
///
/// # Examples
///
/// ```
/// use weft::stream::{Generator, StreamExt};
///
/// #[weft::main]
/// async fn main() {
///     // What `stream! { yield 1; yield 2; }` expands to.
///     let s = Generator::new(|y| async move {
///         y.send(1).await;
///         y.send(2).await;
///     });
///     assert_eq!(s.collect::<Vec<i32>>().await, [1, 2]);
/// }
/// ```
///
/// # Panics
///
/// A `Yield` polled anywhere but inside its own generator's body (the yielder was moved into
/// another task or thread) panics with a message saying so.
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
    /// Creates the stream from a function that makes its body from a [`Yielder`]: what the
    /// macros expand to; [`stream!`](crate::stream::stream) reads better.
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
struct Restore(*mut ());

impl Drop for Restore {
    #[inline]
    fn drop(&mut self) {
        CURRENT.with(|current| current.set(self.0));
    }
}

/// Clears the body if its poll unwinds, so the stream is over (and a later poll does not resume
/// a block that panicked); a poll that returns disarms it with `mem::forget`.
struct EndOnUnwind<'a, F>(&'a mut Option<Pin<Box<F>>>);

impl<F> Drop for EndOnUnwind<'_, F> {
    fn drop(&mut self) {
        *self.0 = None;
    }
}

impl<T, F: Future<Output = ()>> Stream for Generator<T, F> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        if this.body.is_none() {
            return Poll::Ready(None);
        }
        let mut frame = Frame::<T> {
            id: this.id,
            item: None,
        };
        let previous =
            CURRENT.with(|current| current.replace(ptr::addr_of_mut!(frame).cast::<()>()));
        let restore = Restore(previous);
        let guard = EndOnUnwind(&mut this.body);
        let done = guard
            .0
            .as_mut()
            .expect("checked above")
            .as_mut()
            .poll(cx)
            .is_ready();
        std::mem::forget(guard);
        drop(restore);
        if let Some(item) = frame.item {
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
        let frame = CURRENT.with(Cell::get);
        // SAFETY: `CURRENT` is null or points to the `Frame` of a generator whose `poll_next` is
        // running on this thread (further up this very call stack): `Restore` puts the previous
        // value back when that poll ends, by return or by unwind. A `Frame` starts with its `u64`
        // id (`repr(C)`), whatever its `T`.
        let id = (!frame.is_null()).then(|| unsafe { *frame.cast::<u64>() });
        assert!(
            id == Some(this.id),
            "a `yield` ran outside the poll of its own `stream!`: yield only from the body of the \
             `stream!` or `try_stream!` that contains it, not from a task or thread it started"
        );
        // SAFETY: the frame is live (above) and its id is this `Yield`'s. Ids are unique, and the
        // generator with this id was made with the same `T` as this `Yield` (its `Yielder<T>` made
        // this future), so it is a `Frame<T>`; nothing else touches it while the generator's body
        // is being polled, which is now.
        let slot = unsafe { &mut (*frame.cast::<Frame<T>>()).item };
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

//! Helpers shared by every primitive: the waiter list and the wake list. (The blocking locks and
//! the atomic waker cell are weft-core's, `weft_core::loom::sync` and `weft_core::task`.)

pub(crate) mod wait_list;
pub(crate) mod wake_list;

use std::task::Poll;

/// Defines a channel's `SendError<T>(pub T)`: the value that could not be sent, handed back.
///
/// Each channel has its own type (and message); they share this shape: `PartialEq`, `Eq`,
/// `Clone`, `Copy`, a `Debug` that does not require `T: Debug`, `Display` and `Error`.
macro_rules! send_error {
    ($(#[$doc:meta])* $message:literal) => {
        $(#[$doc])*
        #[derive(PartialEq, Eq, Clone, Copy)]
        pub struct SendError<T>(pub T);

        impl<T> std::fmt::Debug for SendError<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("SendError { .. }")
            }
        }

        impl<T> std::fmt::Display for SendError<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($message)
            }
        }

        impl<T> std::error::Error for SendError<T> {}
    };
}
pub(crate) use send_error;

/// Spends one unit of the cooperative budget, yielding to the executor if none is left.
///
/// Used by awaitable operations that are built on [`Notify`](crate::Notify) (`watch::changed`,
/// `Barrier::wait`) so that they take part in the budget like every other receive.
pub(crate) async fn consume_budget() {
    std::future::poll_fn(|cx| match weft_core::coop::poll_consume(cx) {
        Poll::Ready(()) => Poll::Ready(()),
        Poll::Pending => Poll::Pending,
    })
    .await
}

/// Runs `fut` to completion on the current thread, parking between polls: the engine of the
/// `blocking_*` methods, for synchronous code outside any executor. `operation` names the method
/// for the panic on a runtime thread.
///
/// # Panics
/// On a thread that runs a weft runtime's tasks (see `weft_core::blocking`).
#[track_caller]
pub(crate) fn block_on<F: std::future::Future>(operation: &str, fut: F) -> F::Output {
    weft_core::blocking::assert_can_block(operation);
    use std::sync::Arc;
    use std::task::{Context, Wake, Waker};
    use std::thread::{self, Thread};

    struct ThreadWaker(Thread);

    impl Wake for ThreadWaker {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }

    let mut fut = std::pin::pin!(fut);
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        thread::park();
    }
}

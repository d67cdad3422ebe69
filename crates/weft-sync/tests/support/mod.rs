//! Helpers shared by the weft-sync integration tests.
//!
//! Behaviour tests are plain `async` blocks handed to [`run`], so the facade can rerun the same
//! bodies on each weft runtime flavour by swapping `run`. Loom models use [`loom_block_on`]
//! (compiled only under `--cfg loom`).
#![allow(dead_code)]

#[cfg(not(loom))]
pub use self::std_support::*;

#[cfg(not(loom))]
mod std_support {
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};

    /// Runs a behaviour test body to completion on a foreign executor (`futures_executor`).
    pub fn run<F: Future>(fut: F) -> F::Output {
        futures_executor::block_on(fut)
    }

    /// A waker that counts how often it was woken.
    #[derive(Default)]
    pub struct CountingWaker {
        wakes: AtomicUsize,
    }

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.wakes.fetch_add(1, Ordering::SeqCst);
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.wakes.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A counting waker and its `Waker`.
    pub fn counting_waker() -> (Arc<CountingWaker>, Waker) {
        let c = Arc::new(CountingWaker::default());
        (c.clone(), Waker::from(c))
    }

    impl CountingWaker {
        /// How often the waker was woken so far.
        pub fn count(&self) -> usize {
            self.wakes.load(Ordering::SeqCst)
        }
    }

    /// A waker that runs `f` each time it is woken (to check what a primitive holds while waking).
    pub fn fn_waker(f: impl Fn() + Send + Sync + 'static) -> Waker {
        struct FnWake<F>(F);
        impl<F: Fn() + Send + Sync + 'static> Wake for FnWake<F> {
            fn wake(self: Arc<Self>) {
                (self.0)();
            }
            fn wake_by_ref(self: &Arc<Self>) {
                (self.0)();
            }
        }
        Waker::from(Arc::new(FnWake(f)))
    }

    /// Polls `fut` once with `waker`.
    pub fn poll_with<F: Future + Unpin>(fut: &mut F, waker: &Waker) -> Poll<F::Output> {
        Pin::new(fut).poll(&mut Context::from_waker(waker))
    }

    /// Polls `fut` once with a waker that does nothing.
    pub fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
        poll_with(fut, Waker::noop())
    }
}

/// Runs `f` as a loom model with the settings every weft-sync model shares.
#[cfg(loom)]
pub fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = Some(2);
    }
    b.check(f);
}

/// Drives a future to completion on the current loom thread: polls it with a waker that signals
/// a loom `Notify`, and waits on that `Notify` between polls (so loom explores every interleaving
/// of wakeups). A wakeup that no one sends leaves the thread blocked, which loom reports as a
/// deadlock: that is how the models catch lost wakeups.
///
/// (The waker does not `unpark` the thread: a late wake arriving while the thread is blocked in
/// `JoinHandle::join` trips loom bug tokio-rs/loom#249. A `Notify` keeps such a wake as a permit.)
#[cfg(loom)]
pub fn loom_block_on<F: std::future::Future>(f: F) -> F::Output {
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};

    struct Signal(loom::sync::Notify);

    impl Wake for Signal {
        fn wake(self: Arc<Self>) {
            self.0.notify();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.notify();
        }
    }

    let mut f = std::pin::pin!(f);
    let signal = Arc::new(Signal(loom::sync::Notify::new()));
    let waker = Waker::from(signal.clone());
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        signal.0.wait();
    }
}

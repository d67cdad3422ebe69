//! Single-threaded counterparts of [`Weft`], [`Tokio`] and [`Smol`]: the runtime runs its tasks on
//! the thread inside `block_on` and starts no worker. Spawning, join handles, `yield_now` and the
//! oneshot are the multi-thread types' own (they do not depend on the flavour).

use std::future::Future;
use std::sync::Arc;

use crate::{Rt, Smol, Tokio, Weft};

/// weft's current-thread runtime.
pub struct WeftCt(weft::runtime::Runtime);

/// tokio's current-thread runtime.
pub struct TokioCt(tokio::runtime::Runtime);

/// smol's executor driven by the `block_on` thread (`block_on(ex.run(future))`), as smol's own
/// single-threaded programs run it.
pub struct SmolCt(Arc<async_executor::Executor<'static>>);

macro_rules! delegate {
    ($multi:ty) => {
        type Spawner = <$multi as Rt>::Spawner;
        type Handle<T: Send + 'static> = <$multi as Rt>::Handle<T>;

        fn spawn<F>(sp: &Self::Spawner, f: F) -> Self::Handle<F::Output>
        where
            F: Future + Send + 'static,
            F::Output: Send + 'static,
        {
            <$multi>::spawn(sp, f)
        }
        fn detach<T: Send + 'static>(handle: Self::Handle<T>) {
            <$multi>::detach(handle)
        }
        fn yield_now() -> impl Future<Output = ()> + Send {
            <$multi>::yield_now()
        }
        fn oneshot<T: Send + 'static>() -> (
            impl FnOnce(T) + Send + 'static,
            impl Future<Output = T> + Send + 'static,
        ) {
            <$multi>::oneshot()
        }
    };
}

impl Rt for WeftCt {
    const NAME: &'static str = "weft";
    delegate!(Weft);

    fn new(_workers: usize) -> Self {
        WeftCt(
            weft::runtime::Builder::new_current_thread()
                .build()
                .unwrap(),
        )
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }
    fn spawner(&self) -> Self::Spawner {
        self.0.handle().clone()
    }
}

impl Rt for TokioCt {
    const NAME: &'static str = "tokio";
    delegate!(Tokio);

    fn new(_workers: usize) -> Self {
        TokioCt(
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        )
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }
    fn spawner(&self) -> Self::Spawner {
        self.0.handle().clone()
    }
}

impl Rt for SmolCt {
    const NAME: &'static str = "smol";
    delegate!(Smol);

    fn new(_workers: usize) -> Self {
        SmolCt(Arc::new(async_executor::Executor::new()))
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        async_io::block_on(self.0.run(f))
    }
    fn spawner(&self) -> Self::Spawner {
        self.0.clone()
    }
}

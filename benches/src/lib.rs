//! Workloads for comparing weft with tokio and smol, written once over a small [`Rt`] trait so each
//! runtime runs exactly the same program. Each runtime is configured with the same number of
//! worker threads; `block_on` runs on the calling thread, which is not a worker, in all three.

#![allow(missing_docs)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

pub mod alloc_count;
pub mod counted;
pub mod current_thread;
pub mod fs_workloads;
pub mod harness;
pub mod idle_workloads;
pub mod io_workloads;
pub mod net_workloads;
pub mod proc_load;
pub mod process_workloads;
pub mod sync_workloads;
pub mod workloads;

/// A runtime under test.
pub trait Rt: Sized + 'static {
    const NAME: &'static str;
    /// A cheap, cloneable way to spawn from inside tasks.
    type Spawner: Clone + Send + Sync + 'static;
    /// A join handle that yields the output (panics propagate as test failures).
    type Handle<T: Send + 'static>: Future<Output = T> + Send + 'static;

    fn new(workers: usize) -> Self;
    fn block_on<F: Future>(&self, f: F) -> F::Output;
    fn spawner(&self) -> Self::Spawner;
    fn spawn<F>(sp: &Self::Spawner, f: F) -> Self::Handle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
    fn yield_now() -> impl Future<Output = ()> + Send;
    /// Lets a task run on without its handle (dropping a smol `Task` would cancel it).
    fn detach<T: Send + 'static>(handle: Self::Handle<T>) {
        drop(handle);
    }
    /// A oneshot channel of this runtime's ecosystem.
    fn oneshot<T: Send + 'static>() -> (
        impl FnOnce(T) + Send + 'static,
        impl Future<Output = T> + Send + 'static,
    );
}

// ---------------------------------------------------------------- weft

pub struct Weft(weft::runtime::Runtime);

pub struct WeftHandle<T>(weft::task::JoinHandle<T>);

impl<T> Future for WeftHandle<T> {
    type Output = T;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|r| r.expect("weft task failed"))
    }
}

impl Rt for Weft {
    const NAME: &'static str = "weft";
    type Spawner = weft::runtime::Handle;
    type Handle<T: Send + 'static> = WeftHandle<T>;

    fn new(workers: usize) -> Self {
        Weft(
            weft::runtime::Builder::new_multi_thread()
                .worker_threads(workers)
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
    fn spawn<F>(sp: &Self::Spawner, f: F) -> Self::Handle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        WeftHandle(sp.spawn(f))
    }
    fn yield_now() -> impl Future<Output = ()> + Send {
        weft::task::yield_now()
    }
    fn oneshot<T: Send + 'static>() -> (
        impl FnOnce(T) + Send + 'static,
        impl Future<Output = T> + Send + 'static,
    ) {
        let (tx, rx) = weft::sync::oneshot::channel();
        (
            move |v| {
                let _ = tx.send(v);
            },
            async move { rx.await.unwrap() },
        )
    }
}

// ---------------------------------------------------------------- tokio

pub struct Tokio(tokio::runtime::Runtime);

pub struct TokioHandle<T>(tokio::task::JoinHandle<T>);

impl<T> Future for TokioHandle<T> {
    type Output = T;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|r| r.expect("tokio task failed"))
    }
}

impl Rt for Tokio {
    const NAME: &'static str = "tokio";
    type Spawner = tokio::runtime::Handle;
    type Handle<T: Send + 'static> = TokioHandle<T>;

    fn new(workers: usize) -> Self {
        Tokio(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers)
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
    fn spawn<F>(sp: &Self::Spawner, f: F) -> Self::Handle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        TokioHandle(sp.spawn(f))
    }
    fn yield_now() -> impl Future<Output = ()> + Send {
        tokio::task::yield_now()
    }
    fn oneshot<T: Send + 'static>() -> (
        impl FnOnce(T) + Send + 'static,
        impl Future<Output = T> + Send + 'static,
    ) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        (
            move |v| {
                let _ = tx.send(v);
            },
            async move { rx.await.unwrap() },
        )
    }
}

// ---------------------------------------------------------------- smol

/// async-executor on `workers` threads, each running `Executor::run`; the main thread only waits.
pub struct Smol {
    ex: Arc<async_executor::Executor<'static>>,
    stop: Option<async_channel::Sender<()>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Drop for Smol {
    fn drop(&mut self) {
        drop(self.stop.take());
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Rt for Smol {
    const NAME: &'static str = "smol";
    type Spawner = Arc<async_executor::Executor<'static>>;
    type Handle<T: Send + 'static> = async_executor::Task<T>;

    fn new(workers: usize) -> Self {
        let ex = Arc::new(async_executor::Executor::new());
        let (stop, stop_rx) = async_channel::bounded::<()>(1);
        let threads = (0..workers)
            .map(|_| {
                let ex = ex.clone();
                let stop_rx = stop_rx.clone();
                std::thread::spawn(move || {
                    async_io::block_on(ex.run(async {
                        let _ = stop_rx.recv().await;
                    }))
                })
            })
            .collect();
        Smol {
            ex,
            stop: Some(stop),
            threads,
        }
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        async_io::block_on(f)
    }
    fn spawner(&self) -> Self::Spawner {
        self.ex.clone()
    }
    fn spawn<F>(sp: &Self::Spawner, f: F) -> Self::Handle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        sp.spawn(f)
    }
    fn detach<T: Send + 'static>(handle: Self::Handle<T>) {
        handle.detach();
    }
    fn yield_now() -> impl Future<Output = ()> + Send {
        futures_lite::future::yield_now()
    }
    fn oneshot<T: Send + 'static>() -> (
        impl FnOnce(T) + Send + 'static,
        impl Future<Output = T> + Send + 'static,
    ) {
        let (tx, rx) = futures::channel::oneshot::channel();
        (
            move |v| {
                let _ = tx.send(v);
            },
            async move { rx.await.unwrap() },
        )
    }
}

/// A counter shared by workloads.
pub fn counter() -> Arc<AtomicUsize> {
    Arc::new(AtomicUsize::new(0))
}

/// Reads a counter.
pub fn read(c: &AtomicUsize) -> usize {
    c.load(Ordering::Acquire)
}

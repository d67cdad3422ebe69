//! `JoinSet`: a set of spawned tasks, joined in the order they finish.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::stream::FuturesUnordered;
use weft_core::future::poll_fn;
use weft_core::task::{wait_on, AbortHandle, JoinError, JoinHandle, Resource, TaskId};

/// A set of tasks spawned on the current runtime, whose results are collected as they finish.
///
/// This is asyncio's `asyncio.wait(tasks, return_when=FIRST_COMPLETED)` in a loop (or
/// `asyncio.as_completed`): [`spawn`](JoinSet::spawn) tasks into the set, then call
/// [`join_next`](JoinSet::join_next) to get the result of whichever task finishes next. Only the
/// tasks that finished are looked at, so a set of thousands of tasks is cheap to join.
///
/// Dropping the set aborts every task still in it ([`abort_all`](JoinSet::abort_all)); a task
/// that should outlive the set is spawned with [`crate::spawn`] instead. For results in spawn order,
/// with the first failure cancelling the rest, use [`TaskGroup`](crate::task::TaskGroup).
///
/// # Examples
///
/// ```
/// use weft::task::JoinSet;
///
/// weft::block_on(async {
///     let mut set = JoinSet::new();
///     for i in 0..5u32 {
///         set.spawn(async move { i * i });
///     }
///     assert_eq!(set.len(), 5);
///
///     let mut squares = Vec::new();
///     while let Some(joined) = set.join_next().await {
///         squares.push(joined.expect("the task did not panic"));
///     }
///     squares.sort(); // they come back in the order they finished
///     assert_eq!(squares, [0, 1, 4, 9, 16]);
///     assert!(set.is_empty());
/// });
/// ```
pub struct JoinSet<T> {
    /// Each task carries its insertion index, unused here: [`TaskGroup`](crate::task::TaskGroup),
    /// built on a `JoinSet`, returns outputs in spawn order with it.
    tasks: FuturesUnordered<Indexed<T>>,
    /// How many tasks were ever inserted: the next task's index.
    inserted: usize,
}

impl<T> JoinSet<T> {
    /// Creates an empty set.
    pub fn new() -> JoinSet<T> {
        JoinSet {
            tasks: FuturesUnordered::new(),
            inserted: 0,
        }
    }

    /// The number of tasks in the set: spawned and not yet returned by `join_next`.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether the set holds no tasks.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Spawns `future` as a task on the current runtime and adds it to the set.
    ///
    /// Returns an [`AbortHandle`] for the task: it can cancel this one task, and its
    /// [`id`](AbortHandle::id) is the one the task's [`JoinError`] carries if it fails.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime.
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        self.insert(weft_runtime::spawn(future))
    }

    /// Spawns a `!Send` future on the current-thread runtime of this thread and adds it to the set.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime, or on a multi-thread runtime (see [`crate::spawn_local`]).
    #[track_caller]
    pub fn spawn_local<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
        T: 'static,
    {
        self.insert(weft_runtime::spawn_local(future))
    }

    /// Runs the blocking function `f` on the blocking pool and adds it to the set.
    ///
    /// Aborting it has an effect only if it has not started yet.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime.
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.insert(weft_runtime::spawn_blocking(f))
    }

    /// Adds an already spawned task to the set; from now on the set owns (and aborts on drop) it.
    pub fn insert(&mut self, handle: JoinHandle<T>) -> AbortHandle {
        let abort = handle.abort_handle();
        self.tasks.push(Indexed {
            index: self.inserted,
            handle,
        });
        self.inserted += 1;
        abort
    }

    /// Waits for the next task to finish and returns its result, or `None` if the set is empty.
    ///
    /// The task leaves the set. A task that panicked or was aborted gives `Err`.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::task::JoinSet;
    ///
    /// weft::block_on(async {
    ///     let mut set = JoinSet::new();
    ///     set.spawn(async { panic!("boom") });
    ///     let failed = set.join_next().await.unwrap().unwrap_err();
    ///     assert!(failed.is_panic());
    ///     assert!(set.join_next().await.is_none());
    /// });
    /// ```
    ///
    /// # Errors
    ///
    /// The [`JoinError`] of a task that panicked or was cancelled.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a result is removed from the set only in the poll that returns it, so if
    /// `join_next` loses a `select!`, no task's result is lost.
    #[track_caller]
    pub fn join_next(&mut self) -> impl Future<Output = Option<Result<T, JoinError>>> + '_ {
        wait_on(Resource::Join, async move {
            poll_fn(|cx| self.poll_join_next(cx)).await
        })
    }

    /// Polls for the next task to finish (the `poll_*` form of [`join_next`](JoinSet::join_next)).
    ///
    /// `Poll::Ready(None)` means the set is empty. When `Pending`, the waker of `cx` is woken when
    /// a task finishes; only the waker of the latest poll is kept.
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.poll_join_next_indexed(cx)
            .map(|joined| joined.map(|(_index, _id, result)| result))
    }

    /// `poll_join_next` with the task's insertion index (0 for the first task ever inserted) and
    /// id.
    pub(crate) fn poll_join_next_indexed(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Joined<T>>> {
        Pin::new(&mut self.tasks).poll_next(cx)
    }

    /// How many tasks were ever inserted.
    pub(crate) fn inserted(&self) -> usize {
        self.inserted
    }

    /// Waits for every task in the set and returns their outputs, in the order they finished.
    ///
    /// # Panics
    ///
    /// If a task panicked, this resumes its panic (once every task has been joined or aborted:
    /// the set is consumed, so the rest are aborted when it drops). If a task was cancelled
    /// (aborted through an [`AbortHandle`], say), this panics saying which task. Use
    /// [`join_next`](JoinSet::join_next) in a loop to handle failures as values.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::task::JoinSet;
    ///
    /// weft::block_on(async {
    ///     let mut set = JoinSet::new();
    ///     for i in 1..=3u32 {
    ///         set.spawn(async move { i * 2 });
    ///     }
    ///     let mut all = set.join_all().await;
    ///     all.sort();
    ///     assert_eq!(all, [2, 4, 6]);
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: dropping the future drops the set, which aborts the tasks not yet joined,
    /// and the outputs already joined are lost.
    #[track_caller]
    pub fn join_all(mut self) -> impl Future<Output = Vec<T>> {
        wait_on(Resource::Join, async move {
            let mut outputs = Vec::with_capacity(self.len());
            while let Some(joined) = poll_fn(|cx| self.poll_join_next(cx)).await {
                match joined {
                    Ok(output) => outputs.push(output),
                    Err(err) => {
                        match err.try_into_panic() {
                            Ok(payload) => {
                                // Abort the rest before unwinding: the set's drop would too, but only
                                // after the unwinding started.
                                self.abort_all();
                                std::panic::resume_unwind(payload)
                            }
                            Err(err) => {
                                self.abort_all();
                                panic!("JoinSet::join_all: {err}; join_next gives cancellations as values")
                            }
                        }
                    }
                }
            }
            outputs
        })
    }

    /// Returns the result of a task that has already finished, if any, without waiting.
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        let waker = futures_util::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        match self.poll_join_next(&mut cx) {
            Poll::Ready(joined) => joined,
            Poll::Pending => None,
        }
    }

    /// Aborts every task in the set. Takes `&self`, as [`TaskGroup::abort_all`](crate::task::TaskGroup::abort_all)
    /// does: aborting only requests cancellation, the set itself does not change.
    ///
    /// The tasks stay in the set until they are joined: each then gives a cancelled
    /// [`JoinError`] (or its output, if it finished before the abort took effect).
    pub fn abort_all(&self) {
        for task in self.tasks.iter() {
            task.handle.abort();
        }
    }

    /// Aborts every task and waits until all have stopped; the set is then empty.
    ///
    /// # Cancel safety
    ///
    /// If the `shutdown` future is dropped, every task is already aborted and the ones not yet
    /// joined stay in the set.
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }

    /// Removes every task from the set without aborting them: they keep running, detached.
    pub fn detach_all(&mut self) {
        self.tasks.clear();
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> Self {
        JoinSet::new()
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len()).finish()
    }
}

/// The results of the set's tasks in the order they finish: `while let Some(result) =
/// set.next().await` is [`join_next`](JoinSet::join_next) in a loop (asyncio's `as_completed`), and
/// the stream adapters apply (`set.take(3)`, `set.collect()`, ...). The stream ends when the set is
/// empty; tasks spawned into it after that make it yield again.
impl<T> Stream for JoinSet<T> {
    type Item = Result<T, JoinError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_join_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.len(), Some(self.len()))
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        self.abort_all();
    }
}

/// A finished task of the set: its insertion index, id and result.
pub(crate) type Joined<T> = (usize, TaskId, Result<T, JoinError>);

/// A task's handle with its insertion index.
struct Indexed<T> {
    index: usize,
    handle: JoinHandle<T>,
}

impl<T> Future for Indexed<T> {
    type Output = Joined<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let index = self.index;
        let id = self.handle.id();
        Pin::new(&mut self.handle)
            .poll(cx)
            .map(|joined| (index, id, joined))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::rc::Rc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;

    use weft_core::future::{pending, yield_now};

    use super::JoinSet;

    fn current_thread() -> weft_runtime::Runtime {
        weft_runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
    }

    fn multi_thread() -> weft_runtime::Runtime {
        weft_runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .expect("runtime")
    }

    /// One runtime of each flavour (also used by the `TaskGroup` tests).
    pub(crate) fn runtimes() -> [weft_runtime::Runtime; 2] {
        [current_thread(), multi_thread()]
    }

    /// Sets its flag when dropped.
    struct DropFlag(Arc<AtomicBool>);

    impl Drop for DropFlag {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    /// Counts up when dropped.
    pub(crate) struct DropCounter(pub(crate) Arc<AtomicUsize>);

    impl Drop for DropCounter {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Yields until `flag` is set; fails after 60 s. (A count of yields is no bound: on a loaded
    /// machine the thread that sets the flag may not run for many milliseconds.)
    pub(crate) async fn wait_for(flag: &AtomicBool) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !flag.load(Ordering::SeqCst) {
            assert!(
                std::time::Instant::now() < deadline,
                "the flag was not set within 60 s"
            );
            yield_now().await;
        }
    }

    #[test]
    fn join_next_returns_every_result_then_none() {
        for rt in runtimes() {
            rt.block_on(async {
                let mut set = JoinSet::new();
                for i in 0..100u32 {
                    set.spawn(async move { i });
                }
                assert_eq!(set.len(), 100);
                let mut all = Vec::new();
                while let Some(joined) = set.join_next().await {
                    all.push(joined.unwrap());
                }
                all.sort_unstable();
                assert_eq!(all, (0..100).collect::<Vec<_>>());
                assert!(set.is_empty());
                assert!(set.join_next().await.is_none());
            });
        }
    }

    #[test]
    fn results_come_in_completion_order() {
        for rt in runtimes() {
            rt.block_on(async {
                // The first task spawned cannot finish before the set has returned the second
                // one's result: `join_next` hands out whichever task finished, not the oldest.
                // (Letting the first finish as soon as the second *ran* would race: on the
                // multi-thread runtime both can be finished before `join_next` looks, and then
                // either may come first.)
                let second_joined = Arc::new(AtomicBool::new(false));
                let mut set = JoinSet::new();
                let flag = second_joined.clone();
                set.spawn(async move {
                    wait_for(&flag).await;
                    "first spawned"
                });
                set.spawn(async { "second spawned" });
                assert_eq!(set.join_next().await.unwrap().unwrap(), "second spawned");
                second_joined.store(true, Ordering::SeqCst);
                assert_eq!(set.join_next().await.unwrap().unwrap(), "first spawned");
            });
        }
    }

    #[test]
    fn a_panic_is_an_error_for_that_task_only() {
        current_thread().block_on(async {
            let mut set = JoinSet::new();
            let panicking = set.spawn(async { panic!("boom") });
            set.spawn(async { 1 });
            let mut ok = 0;
            let mut panics = 0;
            while let Some(joined) = set.join_next().await {
                match joined {
                    Ok(v) => ok += v,
                    Err(e) => {
                        assert!(e.is_panic());
                        assert_eq!(e.id(), panicking.id());
                        panics += 1;
                    }
                }
            }
            assert_eq!((ok, panics), (1, 1));
        });
    }

    #[test]
    fn abort_all_cancels_every_task() {
        for rt in runtimes() {
            rt.block_on(async {
                let mut set = JoinSet::new();
                for _ in 0..10 {
                    set.spawn(pending::<()>());
                }
                set.abort_all();
                let mut cancelled = 0;
                while let Some(joined) = set.join_next().await {
                    assert!(joined.unwrap_err().is_cancelled());
                    cancelled += 1;
                }
                assert_eq!(cancelled, 10);
            });
        }
    }

    #[test]
    fn dropping_the_set_aborts_its_tasks() {
        for rt in runtimes() {
            rt.block_on(async {
                let dropped = Arc::new(AtomicBool::new(false));
                let mut set = JoinSet::new();
                let guard = DropFlag(dropped.clone());
                set.spawn(async move {
                    let _guard = guard;
                    pending::<()>().await;
                });
                yield_now().await;
                drop(set);
                wait_for(&dropped).await;
            });
        }
    }

    #[test]
    fn shutdown_waits_until_every_task_has_stopped() {
        multi_thread().block_on(async {
            let stopped = Arc::new(AtomicUsize::new(0));
            let mut set = JoinSet::new();
            for _ in 0..8 {
                let guard = DropCounter(stopped.clone());
                set.spawn(async move {
                    let _guard = guard;
                    pending::<()>().await;
                });
            }
            set.shutdown().await;
            assert!(set.is_empty());
            assert_eq!(stopped.load(Ordering::SeqCst), 8);
        });
    }

    #[test]
    fn try_join_next_does_not_wait() {
        current_thread().block_on(async {
            let mut set = JoinSet::new();
            set.spawn(async { 5 });
            // Not run yet: nothing has finished.
            assert!(set.try_join_next().is_none());
            let mut joined = None;
            for _ in 0..1_000 {
                yield_now().await;
                joined = set.try_join_next();
                if joined.is_some() {
                    break;
                }
            }
            assert_eq!(joined.expect("the task finished").unwrap(), 5);
            assert!(set.try_join_next().is_none());
        });
    }

    #[test]
    fn spawn_local_and_spawn_blocking_and_insert() {
        current_thread().block_on(async {
            let mut set = JoinSet::new();
            let shared = Rc::new(3);
            let s = shared.clone();
            set.spawn_local(async move { *s });
            set.spawn_blocking(|| 4);
            set.insert(weft_runtime::spawn(async { 5 }));
            let mut all = Vec::new();
            while let Some(joined) = set.join_next().await {
                all.push(joined.unwrap());
            }
            all.sort_unstable();
            assert_eq!(all, [3, 4, 5]);
        });
    }

    #[test]
    fn detach_all_lets_tasks_run_on() {
        current_thread().block_on(async {
            let done = Arc::new(AtomicBool::new(false));
            let mut set = JoinSet::new();
            let flag = done.clone();
            set.spawn(async move {
                yield_now().await;
                flag.store(true, Ordering::SeqCst);
            });
            set.detach_all();
            assert!(set.is_empty());
            drop(set);
            wait_for(&done).await;
        });
    }

    #[test]
    fn spawn_returns_an_abort_handle_for_that_task() {
        for rt in runtimes() {
            rt.block_on(async {
                let mut set = JoinSet::new();
                let stuck = set.spawn(async {
                    pending::<()>().await;
                    0
                });
                let quick = set.spawn(async { 1 });
                assert_ne!(stuck.id(), quick.id());
                let remote = stuck.clone();
                std::thread::spawn(move || remote.abort()).join().unwrap();
                let mut results = Vec::new();
                while let Some(joined) = set.join_next().await {
                    results.push(joined.map_err(|e| (e.id(), e.is_cancelled())));
                }
                results.sort_by_key(|r| r.is_err());
                assert_eq!(results, [Ok(1), Err((stuck.id(), true))]);
                assert!(stuck.is_finished() && quick.is_finished());
            });
        }
    }

    #[test]
    fn join_all_returns_every_output() {
        for rt in runtimes() {
            let mut all = rt.block_on(async {
                let mut set = JoinSet::new();
                for i in 0..50u32 {
                    set.spawn(async move {
                        yield_now().await;
                        i
                    });
                }
                set.join_all().await
            });
            all.sort_unstable();
            assert_eq!(all, (0..50).collect::<Vec<_>>());
        }
    }

    #[test]
    fn join_all_resumes_a_panic_and_aborts_the_rest() {
        for rt in runtimes() {
            let stopped = Arc::new(AtomicUsize::new(0));
            let s = stopped.clone();
            let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                rt.block_on(async move {
                    let mut set = JoinSet::new();
                    for _ in 0..4 {
                        let guard = DropCounter(s.clone());
                        set.spawn(async move {
                            let _guard = guard;
                            pending::<u32>().await
                        });
                    }
                    set.spawn(async { panic!("join_all boom") });
                    set.join_all().await
                })
            }));
            let payload = caught.expect_err("join_all resumes the panic");
            assert_eq!(payload.downcast_ref::<&str>(), Some(&"join_all boom"));
            drop(rt);
            assert_eq!(stopped.load(Ordering::SeqCst), 4);
        }
    }

    #[test]
    fn join_all_panics_on_a_cancelled_task() {
        current_thread().block_on(async {
            let mut set = JoinSet::new();
            set.spawn(async { 1 });
            let idle = set.spawn(pending::<u32>());
            idle.abort();
            let caught =
                futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(set.join_all()))
                    .await;
            let payload = caught.expect_err("a cancelled task makes join_all panic");
            let msg = payload
                .downcast_ref::<String>()
                .expect("a formatted message");
            assert!(msg.contains("was cancelled"), "{msg}");
        });
    }

    #[test]
    fn tasks_of_a_set_inherit_task_locals() {
        weft_core::task_local! { static REQ: u32; }
        for rt in runtimes() {
            let multi = rt.handle().runtime_flavor() == weft_runtime::RuntimeFlavor::MultiThread;
            rt.block_on(async move {
                let mut set = REQ.sync_scope(4, || {
                    let mut set = JoinSet::new();
                    set.spawn(async { REQ.get() });
                    set.spawn_blocking(|| REQ.get());
                    if !multi {
                        set.spawn_local(async { REQ.get() });
                    }
                    set
                });
                while let Some(joined) = set.join_next().await {
                    assert_eq!(joined.unwrap(), 4);
                }
            });
        }
    }

    #[test]
    fn join_set_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<JoinSet<u32>>();
        assert_eq!(
            format!("{:?}", JoinSet::<u8>::default()),
            "JoinSet { len: 0 }"
        );
    }
}

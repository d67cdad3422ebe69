//! `TaskGroup`: structured concurrency, as asyncio's `TaskGroup`.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;

use weft_core::future::poll_fn;
use weft_core::task::{JoinError, JoinHandle, TaskId};

use crate::join_set::JoinSet;

/// A group of tasks that succeed or fail together, joined in spawn order.
///
/// This is asyncio's `TaskGroup`. [`spawn`](TaskGroup::spawn) tasks into the group, then
/// [`join_all`](TaskGroup::join_all) waits for all of them and returns their outputs in the
/// order they were spawned. The first task to fail (panic, or be cancelled) makes `join_all`
/// abort all the others, wait until they have stopped, and return that failure: when `join_all`
/// returns, none of the group's tasks is running any more. For tasks that return `Result`,
/// [`try_join_all`](TaskGroup::try_join_all) also treats the first `Err` as a failure.
///
/// Dropping the group (or the `join_all` future) aborts every task still in it.
///
/// # Examples
///
/// ```
/// use weft::task::TaskGroup;
///
/// weft::block_on(async {
///     let mut group = TaskGroup::new();
///     for i in 1..=3u32 {
///         group.spawn(async move { i * 10 });
///     }
///     assert_eq!(group.join_all().await.unwrap(), [10, 20, 30]);
///
///     // One task panics: the other is aborted and the panic is reported.
///     let mut group = TaskGroup::new();
///     group.spawn(std::future::pending::<()>());
///     group.spawn(async { panic!("boom") });
///     assert!(group.join_all().await.unwrap_err().is_panic());
/// });
/// ```
pub struct TaskGroup<T> {
    /// Aborts every task still in it when dropped.
    tasks: JoinSet<T>,
}

impl<T> TaskGroup<T> {
    /// Creates an empty group.
    pub fn new() -> TaskGroup<T> {
        TaskGroup {
            tasks: JoinSet::new(),
        }
    }

    /// The number of tasks in the group.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether the group has no tasks.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Spawns `future` as a task of the group on the current runtime.
    ///
    /// Returns the task's id, which its [`JoinError`] carries if it fails.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime.
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F) -> TaskId
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        self.insert(weft_runtime::spawn(future))
    }

    /// Spawns a `!Send` future as a task of the group on this thread's current-thread runtime.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime, or on a multi-thread runtime (see [`crate::spawn_local`]).
    #[track_caller]
    pub fn spawn_local<F>(&mut self, future: F) -> TaskId
    where
        F: Future<Output = T> + 'static,
        T: 'static,
    {
        self.insert(weft_runtime::spawn_local(future))
    }

    /// Adds an already spawned task to the group, after the ones spawned so far.
    pub fn insert(&mut self, handle: JoinHandle<T>) -> TaskId {
        self.tasks.insert(handle).id()
    }

    /// Aborts every task of the group; `join_all` then reports the first one to stop.
    pub fn abort_all(&self) {
        self.tasks.abort_all();
    }

    /// Waits for every task and returns their outputs in spawn order.
    ///
    /// # Errors
    ///
    /// The [`JoinError`] of the first task to panic or be cancelled. Before returning it, every
    /// other task is aborted and awaited, so none of them is still running.
    ///
    /// # Cancel safety
    ///
    /// Dropping the `join_all` future drops the group, which aborts every task not yet finished;
    /// the outputs already collected are dropped.
    pub async fn join_all(self) -> Result<Vec<T>, JoinError> {
        let joined = self.join_in_order(Ok::<T, Infallible>).await?;
        Ok(joined.unwrap_or_else(|never| match never {}))
    }

    /// Waits for every task and returns the outputs, split by `split`, in spawn order; stops at
    /// the first failure: a task's panic or cancellation, or an `Err` from `split`. Before
    /// returning a failure, every other task is aborted and awaited.
    async fn join_in_order<U, E>(
        mut self,
        split: impl Fn(T) -> Result<U, E>,
    ) -> Result<Result<Vec<U>, E>, JoinError> {
        let mut outputs: Vec<Option<U>> = Vec::new();
        outputs.resize_with(self.tasks.inserted(), || None);
        while let Some((index, joined)) = self.next().await {
            let failure = match joined.map(&split) {
                Ok(Ok(output)) => {
                    outputs[index] = Some(output);
                    continue;
                }
                Ok(Err(error)) => Ok(Err(error)),
                Err(error) => Err(error),
            };
            self.cancel_rest().await;
            return failure;
        }
        Ok(Ok(outputs
            .into_iter()
            .map(|output| output.expect("TaskGroup: every task of the group has finished"))
            .collect()))
    }

    /// The next task to finish, with its index.
    async fn next(&mut self) -> Option<(usize, Result<T, JoinError>)> {
        poll_fn(|cx| self.tasks.poll_join_next_indexed(cx)).await
    }

    /// Aborts the remaining tasks and waits until they have all stopped.
    async fn cancel_rest(&mut self) {
        self.abort_all();
        while self.next().await.is_some() {}
    }
}

impl<T, E> TaskGroup<Result<T, E>> {
    /// Waits for every task and returns their `Ok` values in spawn order, stopping at the first
    /// failure: a task's `Err`, panic or cancellation.
    ///
    /// The outer `Result` is about the tasks themselves (a panic or a cancellation); the inner one
    /// is the first `Err` a task returned. In a function whose error type converts from both,
    /// `group.try_join_all().await??` gives the values.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::task::TaskGroup;
    ///
    /// weft::block_on(async {
    ///     let mut group = TaskGroup::new();
    ///     for s in ["1", "2", "x"] {
    ///         group.spawn(async move { s.parse::<u32>() });
    ///     }
    ///     let parsed = group.try_join_all().await.expect("no task panicked");
    ///     assert!(parsed.is_err()); // "x" is not a number; the others were aborted
    /// });
    /// ```
    ///
    /// # Errors
    ///
    /// `Err(JoinError)` if a task panicked or was cancelled first; `Ok(Err(e))` if a task returned
    /// `Err(e)` first. In both cases every other task has been aborted and has stopped.
    ///
    /// # Cancel safety
    ///
    /// As [`join_all`](TaskGroup::join_all).
    pub async fn try_join_all(self) -> Result<Result<Vec<T>, E>, JoinError> {
        self.join_in_order(|output| output).await
    }
}

impl<T> Default for TaskGroup<T> {
    fn default() -> Self {
        TaskGroup::new()
    }
}

impl<T> fmt::Debug for TaskGroup<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup")
            .field("len", &self.len())
            .field("spawned", &self.tasks.inserted())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;

    use weft_core::future::{pending, yield_now};

    use super::TaskGroup;
    use crate::join_set::tests::{runtimes, wait_for, DropCounter};

    /// Spawns `n` tasks into `group` that never finish; each counts into `stopped` when dropped.
    fn spawn_pending<T: Send + 'static>(
        group: &mut TaskGroup<T>,
        n: usize,
        stopped: &Arc<AtomicUsize>,
    ) {
        for _ in 0..n {
            let guard = DropCounter(stopped.clone());
            group.spawn(async move {
                let _guard = guard;
                pending::<T>().await
            });
        }
    }

    #[test]
    fn tasks_of_a_group_inherit_task_locals() {
        weft_core::task_local! { static REQ: u32; }
        for rt in runtimes() {
            let out = rt.block_on(REQ.scope(11, async {
                let mut group = TaskGroup::new();
                for i in 0..4 {
                    group.spawn(async move { REQ.get() + i });
                }
                group.join_all().await
            }));
            assert_eq!(out.unwrap(), [11, 12, 13, 14]);
        }
    }

    #[test]
    fn outputs_come_in_spawn_order_not_completion_order() {
        for rt in runtimes() {
            rt.block_on(async {
                let mut group = TaskGroup::new();
                let last_done = Arc::new(AtomicBool::new(false));
                for i in 0..20u32 {
                    let flag = last_done.clone();
                    group.spawn(async move {
                        if i == 19 {
                            flag.store(true, Ordering::SeqCst);
                        } else {
                            // Every other task finishes after the last one spawned.
                            wait_for(&flag).await;
                        }
                        i
                    });
                }
                assert_eq!(group.len(), 20);
                assert_eq!(group.join_all().await.unwrap(), (0..20).collect::<Vec<_>>());
            });
        }
    }

    #[test]
    fn an_empty_group_joins_to_nothing() {
        for rt in runtimes() {
            rt.block_on(async {
                let group = TaskGroup::<u8>::default();
                assert!(group.is_empty());
                assert!(group.join_all().await.unwrap().is_empty());
            });
        }
    }

    #[test]
    fn a_panic_aborts_the_rest_and_they_have_stopped_when_join_all_returns() {
        for rt in runtimes() {
            rt.block_on(async {
                let stopped = Arc::new(AtomicUsize::new(0));
                let mut group = TaskGroup::<u32>::new();
                spawn_pending(&mut group, 5, &stopped);
                let panicking = group.spawn(async {
                    yield_now().await;
                    panic!("boom")
                });
                let error = group.join_all().await.unwrap_err();
                assert!(error.is_panic());
                assert_eq!(error.id(), panicking);
                assert_eq!(stopped.load(Ordering::SeqCst), 5);
            });
        }
    }

    #[test]
    fn a_task_aborted_from_outside_fails_the_group() {
        weft_runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(async {
                let mut group = TaskGroup::new();
                group.spawn(async { 1 });
                let handle = weft_runtime::spawn(pending::<u32>());
                handle.abort();
                group.insert(handle);
                assert!(group.join_all().await.unwrap_err().is_cancelled());
            });
    }

    #[test]
    fn try_join_all_stops_at_the_first_err() {
        for rt in runtimes() {
            rt.block_on(async {
                let stopped = Arc::new(AtomicUsize::new(0));
                let mut group = TaskGroup::<Result<u32, String>>::new();
                spawn_pending(&mut group, 3, &stopped);
                group.spawn(async { Err("bad input".to_string()) });
                let out = group.try_join_all().await.expect("no panic");
                assert_eq!(out, Err("bad input".to_string()));
                assert_eq!(stopped.load(Ordering::SeqCst), 3);
            });
        }
    }

    #[test]
    fn try_join_all_all_ok_in_order_and_panics_are_join_errors() {
        for rt in runtimes() {
            rt.block_on(async {
                let mut group = TaskGroup::new();
                for i in 0..10u32 {
                    group.spawn(async move {
                        for _ in 0..(10 - i) {
                            yield_now().await;
                        }
                        Ok::<_, ()>(i)
                    });
                }
                let out = group.try_join_all().await.expect("no panic");
                assert_eq!(out, Ok((0..10).collect::<Vec<_>>()));

                let mut group = TaskGroup::<Result<u8, ()>>::new();
                group.spawn(async { panic!("boom") });
                assert!(group.try_join_all().await.unwrap_err().is_panic());
            });
        }
    }

    #[test]
    fn dropping_the_group_aborts_its_tasks() {
        for rt in runtimes() {
            rt.block_on(async {
                let stopped = Arc::new(AtomicUsize::new(0));
                let mut group = TaskGroup::<()>::new();
                spawn_pending(&mut group, 4, &stopped);
                drop(group);
                for _ in 0..100_000 {
                    if stopped.load(Ordering::SeqCst) == 4 {
                        break;
                    }
                    yield_now().await;
                }
                assert_eq!(stopped.load(Ordering::SeqCst), 4);
            });
        }
    }

    #[test]
    fn spawn_local_joins_in_order() {
        weft_runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(async {
                let shared = std::rc::Rc::new(std::cell::Cell::new(0));
                let mut group = TaskGroup::new();
                for i in 0..3 {
                    let s = shared.clone();
                    group.spawn_local(async move {
                        s.set(s.get() + 1);
                        i
                    });
                }
                assert_eq!(group.join_all().await.unwrap(), [0, 1, 2]);
                assert_eq!(shared.get(), 3);
            });
    }

    #[test]
    fn task_group_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<TaskGroup<u32>>();
        let group = TaskGroup::<u8>::new();
        assert_eq!(format!("{group:?}"), "TaskGroup { len: 0, spawned: 0 }");
    }
}

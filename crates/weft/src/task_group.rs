//! `TaskGroup`: structured concurrency, as asyncio's `TaskGroup`.

use std::convert::Infallible;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use weft_core::future::poll_fn;
use weft_core::loom::sync::Mutex;
use weft_core::task::{wait_on, AbortHandle, JoinError, JoinHandle, Resource, TaskId};

use crate::join_set::{JoinSet, Joined};

/// A group of tasks that succeed or fail together, joined in spawn order.
///
/// This is asyncio's `TaskGroup`. [`spawn`](TaskGroup::spawn) tasks into the group (or let its
/// tasks add siblings through a [`Spawner`]), then [`join_all`](TaskGroup::join_all) waits for
/// all of them and returns their outputs in the order they were spawned.
///
/// The first task to panic aborts all the others **at once**, from inside the failing task, even
/// while nobody awaits `join_all` (asyncio cancels the rest as soon as one task fails). `join_all`
/// then waits until they have stopped and returns that failure: when it returns, none of the
/// group's tasks is running any more. A task cancelled from outside fails the group when
/// `join_all` reaches it. For tasks that return `Result`,
/// [`try_join_all`](TaskGroup::try_join_all) also treats the first `Err` as a failure, and a group
/// made with [`fail_fast`](TaskGroup::fail_fast) aborts the rest at once on an `Err` too.
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
    shared: Arc<Shared<T>>,
}

/// What the group, its tasks and its spawners share.
struct Shared<T> {
    state: Mutex<State<T>>,
    /// Whether a task's output is a failure that aborts the rest at once (`fail_fast`).
    is_failure: fn(&T) -> bool,
}

struct State<T> {
    /// An abort handle per task that may still run (finished ones are pruned now and then).
    members: Vec<AbortHandle>,
    /// `members.len()` at which the finished ones are pruned next.
    prune_at: usize,
    /// A task failed: every member was aborted and new ones are aborted as they join.
    failed: bool,
    /// The task whose failure made the group fail, if a task of the group did (not the joiner).
    cause: Option<TaskId>,
    /// The group was dropped or `join_all` returned: spawners' tasks are aborted at once.
    closed: bool,
    /// Tasks spawned through a `Spawner`, not yet moved into the group's `JoinSet`.
    incoming: Vec<JoinHandle<T>>,
    /// The waker of a pending `join_all`, woken when a `Spawner` adds a task.
    waker: Option<Waker>,
}

const PRUNE_MIN: usize = 64;

impl<T> Shared<T> {
    fn new(is_failure: fn(&T) -> bool) -> Shared<T> {
        Shared {
            state: Mutex::new(State {
                members: Vec::new(),
                prune_at: PRUNE_MIN,
                failed: false,
                cause: None,
                closed: false,
                incoming: Vec::new(),
                waker: None,
            }),
            is_failure,
        }
    }

    /// Adds a spawned task to the members (or aborts it, if the group has failed or closed).
    fn register(&self, abort: &AbortHandle) {
        let mut st = self.state.lock();
        if st.failed || st.closed {
            drop(st);
            abort.abort();
            return;
        }
        st.members.push(abort.clone());
        if st.members.len() >= st.prune_at {
            st.members.retain(|m| !m.is_finished());
            st.prune_at = (st.members.len() * 2).max(PRUNE_MIN);
        }
    }

    /// A task failed: aborts every other member at once (the first failure only).
    fn fail(&self) {
        let me = weft_runtime::task::try_id();
        let members = {
            let mut st = self.state.lock();
            if st.failed {
                return;
            }
            st.failed = true;
            st.cause = me;
            std::mem::take(&mut st.members)
        };
        for member in members {
            if Some(member.id()) != me {
                member.abort();
            }
        }
    }

    /// Closes the group and aborts every task it knows of.
    fn close_and_abort(&self) {
        let (members, incoming) = {
            let mut st = self.state.lock();
            st.closed = true;
            (
                std::mem::take(&mut st.members),
                std::mem::take(&mut st.incoming),
            )
        };
        for member in members {
            member.abort();
        }
        for handle in &incoming {
            handle.abort();
        }
        drop(incoming);
    }
}

/// A group task's future: a panic (or, with `fail_fast`, an `Err`) fails the group at once.
struct Member<F: Future> {
    future: F,
    shared: Arc<Shared<F::Output>>,
}

impl<F: Future> Future for Member<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned (never moved out of the Member, which is
        // pinned); `shared` is not pinned and only read.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        match panic::catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => {
                if (this.shared.is_failure)(&output) {
                    this.shared.fail();
                }
                Poll::Ready(output)
            }
            Err(payload) => {
                this.shared.fail();
                // The task still ends with this panic: its JoinError carries it.
                panic::resume_unwind(payload)
            }
        }
    }
}

/// Adds tasks to a [`TaskGroup`] from anywhere, for example from inside one of its tasks:
/// asyncio's `tg.create_task` called by a task of the group. `Clone + Send`.
///
/// A task added after the group failed is aborted at once; one added after the group was
/// dropped or `join_all` returned is aborted at once too (it would have nobody to join it).
///
/// # Examples
///
/// ```
/// use weft::task::TaskGroup;
///
/// weft::block_on(async {
///     let mut group = TaskGroup::new();
///     let spawner = group.spawner();
///     group.spawn(async move {
///         // A task of the group adds a sibling; join_all waits for it too.
///         spawner.spawn(async { 2 });
///         1
///     });
///     assert_eq!(group.join_all().await.unwrap(), [1, 2]);
/// });
/// ```
pub struct Spawner<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Clone for Spawner<T> {
    fn clone(&self) -> Self {
        Spawner {
            shared: self.shared.clone(),
        }
    }
}

impl<T> fmt::Debug for Spawner<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spawner").finish_non_exhaustive()
    }
}

impl<T: Send + 'static> Spawner<T> {
    /// Spawns `future` on the current runtime as a task of the group, after the ones spawned so
    /// far.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        let handle = weft_runtime::spawn(Member {
            future,
            shared: self.shared.clone(),
        });
        let abort = handle.abort_handle();
        let waker = {
            let mut st = self.shared.state.lock();
            if st.closed {
                drop(st);
                abort.abort();
                return abort; // the handle drops: the task is aborted and detached
            }
            st.incoming.push(handle);
            st.waker.take()
        };
        self.shared.register(&abort);
        if let Some(waker) = waker {
            waker.wake();
        }
        abort
    }
}

impl<T> TaskGroup<T> {
    /// Creates an empty group.
    pub fn new() -> TaskGroup<T> {
        TaskGroup::with_failure(|_| false)
    }

    fn with_failure(is_failure: fn(&T) -> bool) -> TaskGroup<T> {
        TaskGroup {
            tasks: JoinSet::new(),
            shared: Arc::new(Shared::new(is_failure)),
        }
    }

    /// The number of tasks in the group (not counting those a [`Spawner`] added since
    /// `join_all` last looked).
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether the group has no tasks (as [`len`](Self::len) counts them).
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// A handle that adds tasks to this group, from inside its tasks or anywhere else.
    pub fn spawner(&self) -> Spawner<T> {
        Spawner {
            shared: self.shared.clone(),
        }
    }

    /// Spawns `future` as a task of the group on the current runtime.
    ///
    /// Returns its [`AbortHandle`], whose [`id`](AbortHandle::id) its [`JoinError`] carries if it
    /// fails. A task spawned into a group that already failed is aborted at once.
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
        let shared = self.shared.clone();
        self.insert(weft_runtime::spawn(Member { future, shared }))
    }

    /// Spawns a `!Send` future as a task of the group on this thread's current-thread runtime.
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
        let shared = self.shared.clone();
        self.insert(weft_runtime::spawn_local(Member { future, shared }))
    }

    /// Adds an already spawned task to the group, after the ones spawned so far. Its panic fails
    /// the group when `join_all` reaches it (it was not spawned by the group, so it cannot abort
    /// the others itself); a failure of another task aborts it.
    pub fn insert(&mut self, handle: JoinHandle<T>) -> AbortHandle {
        let abort = self.tasks.insert(handle);
        self.shared.register(&abort);
        abort
    }

    /// Aborts every task of the group; `join_all` then reports the first one to stop (unless a
    /// task of the group failed on its own first: that failure is the one reported).
    pub fn abort_all(&self) {
        self.tasks.abort_all();
        let incoming = self.shared.state.lock();
        for handle in &incoming.incoming {
            handle.abort();
        }
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
    #[track_caller]
    pub fn join_all(self) -> impl Future<Output = Result<Vec<T>, JoinError>> {
        wait_on(Resource::Join, async move {
            let joined = self.join_in_order(Ok::<T, Infallible>).await?;
            Ok(joined.unwrap_or_else(|never| match never {}))
        })
    }

    /// Waits for every task and returns the outputs, split by `split`, in spawn order; stops at
    /// the first failure: a task's panic or cancellation, or an `Err` from `split`. Before
    /// returning a failure, every other task is aborted and awaited.
    async fn join_in_order<U, E>(
        mut self,
        split: impl Fn(T) -> Result<U, E>,
    ) -> Result<Result<Vec<U>, E>, JoinError> {
        let mut outputs: Vec<Option<U>> = Vec::new();
        while let Some((index, id, joined)) = self.next().await {
            if outputs.len() < self.tasks.inserted() {
                outputs.resize_with(self.tasks.inserted(), || None);
            }
            let failure = match joined.map(&split) {
                Ok(Ok(output)) => {
                    outputs[index] = Some(output);
                    continue;
                }
                Ok(Err(error)) => Ok(Err(error)),
                Err(error) => Err(error),
            };
            // A task that failed on its own aborted the others at once, so their cancellations
            // may come first: they are its consequence, and its own failure is the one to report.
            let cause = self.shared.state.lock().cause;
            let consequence = matches!(&failure, Err(e) if e.is_cancelled())
                && cause.is_some_and(|cause| cause != id);
            self.abort_all();
            self.shared.fail();
            let mut reported = None;
            while let Some((_, id, joined)) = self.next().await {
                if consequence && Some(id) == cause {
                    match joined.map(&split) {
                        Ok(Ok(_)) => {}
                        Ok(Err(error)) => reported = Some(Ok(Err(error))),
                        Err(error) => reported = Some(Err(error)),
                    }
                }
            }
            return reported.unwrap_or(failure);
        }
        Ok(Ok(outputs
            .into_iter()
            .map(|output| output.expect("TaskGroup: every task of the group has finished"))
            .collect()))
    }

    /// Moves the tasks spawners added into the `JoinSet` and keeps `cx`'s waker for the next.
    fn take_incoming(&mut self, cx: &mut Context<'_>) {
        let incoming = {
            let mut st = self.shared.state.lock();
            match &st.waker {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => st.waker = Some(cx.waker().clone()),
            }
            std::mem::take(&mut st.incoming)
        };
        for handle in incoming {
            self.tasks.insert(handle);
        }
    }

    /// The next task to finish, with its index; `None` (and the group closed to spawners) once
    /// every task has finished.
    async fn next(&mut self) -> Option<Joined<T>> {
        poll_fn(|cx| loop {
            self.take_incoming(cx);
            match self.tasks.poll_join_next_indexed(cx) {
                Poll::Ready(None) => {
                    let mut st = self.shared.state.lock();
                    if st.incoming.is_empty() {
                        st.closed = true;
                        return Poll::Ready(None);
                    }
                }
                other => return other,
            }
        })
        .await
    }
}

impl<U, E> TaskGroup<Result<U, E>> {
    /// A group whose first task to return `Err` aborts the others at once, as a panic does
    /// (asyncio's behaviour for a task that raises). With [`new`](TaskGroup::new), an `Err` is
    /// a failure only when [`try_join_all`](TaskGroup::try_join_all) reaches it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::task::TaskGroup;
    ///
    /// weft::block_on(async {
    ///     let mut group = TaskGroup::fail_fast();
    ///     let slow = group.spawn(async {
    ///         weft::time::sleep(Duration::from_secs(3600)).await;
    ///         Ok(1)
    ///     });
    ///     group.spawn(async { Err("bad input") });
    ///     // Nobody is joining yet, and the slow task is aborted already.
    ///     while !slow.is_finished() {
    ///         weft::task::yield_now().await;
    ///     }
    ///     assert!(matches!(group.try_join_all().await, Err(weft::task::GroupError::Task("bad input"))));
    /// });
    /// ```
    pub fn fail_fast() -> TaskGroup<Result<U, E>> {
        TaskGroup::with_failure(Result::is_err)
    }

    /// Waits for every task and returns their `Ok` values in spawn order, stopping at the first
    /// failure: a task's `Err`, panic or cancellation.
    ///
    /// The error is one type, [`GroupError`], so a caller can `?` it: into a
    /// `GroupError<E>`, or into `Box<dyn Error>` (or any error type with `From<GroupError<E>>`)
    /// when `E` is an error.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::task::{GroupError, TaskGroup};
    ///
    /// async fn parse_all(inputs: &[&'static str]) -> Result<Vec<u32>, GroupError<std::num::ParseIntError>> {
    ///     let mut group = TaskGroup::new();
    ///     for s in inputs.iter().copied() {
    ///         group.spawn(async move { s.parse::<u32>() });
    ///     }
    ///     let parsed = group.try_join_all().await?;
    ///     Ok(parsed)
    /// }
    ///
    /// weft::block_on(async {
    ///     assert_eq!(parse_all(&["1", "2"]).await.unwrap(), [1, 2]);
    ///     let err = parse_all(&["1", "x"]).await.unwrap_err();
    ///     assert!(matches!(err, GroupError::Task(_))); // "x"; the others were aborted
    /// });
    /// ```
    ///
    /// # Errors
    ///
    /// [`GroupError::Task`] if a task returned `Err` first; [`GroupError::Join`] if a task
    /// panicked or was cancelled first. In both cases every other task has been aborted and has
    /// stopped.
    ///
    /// # Cancel safety
    ///
    /// As [`join_all`](TaskGroup::join_all).
    #[track_caller]
    pub fn try_join_all(self) -> impl Future<Output = Result<Vec<U>, GroupError<E>>> {
        wait_on(Resource::Join, async move {
            match self.join_in_order(|output| output).await {
                Ok(Ok(values)) => Ok(values),
                Ok(Err(error)) => Err(GroupError::Task(error)),
                Err(join) => Err(GroupError::Join(join)),
            }
        })
    }
}

/// Why [`TaskGroup::try_join_all`] has no values: the first failure of the group.
///
/// One type for both ways a task fails, so that `try_join_all(..).await?` works in a function
/// returning `Result<_, GroupError<E>>`, `Box<dyn Error>` (when `E: Error`) or any error type
/// with a `From<GroupError<E>>`; the task's own error stays reachable as a value
/// ([`GroupError::Task`]) and as the [`source`](Error::source).
///
/// # Examples
///
/// ```
/// use weft::task::{GroupError, TaskGroup};
///
/// weft::block_on(async {
///     let mut group = TaskGroup::<Result<u8, String>>::new();
///     group.spawn(async { panic!("boom") });
///     match group.try_join_all().await {
///         Err(GroupError::Join(e)) => assert!(e.is_panic()),
///         other => panic!("unexpected: {other:?}"),
///     }
/// });
/// ```
#[derive(Debug)]
pub enum GroupError<E> {
    /// A task returned this `Err`.
    Task(E),
    /// A task panicked or was cancelled.
    Join(JoinError),
}

impl<E> GroupError<E> {
    /// The error a task returned, if that is what failed the group.
    pub fn into_task_error(self) -> Option<E> {
        match self {
            GroupError::Task(e) => Some(e),
            GroupError::Join(_) => None,
        }
    }
}

impl<E: fmt::Display> fmt::Display for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupError::Task(e) => write!(f, "a task of the group failed: {e}"),
            GroupError::Join(e) => write!(f, "a task of the group failed: {e}"),
        }
    }
}

impl<E: Error + 'static> Error for GroupError<E> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            GroupError::Task(e) => Some(e),
            GroupError::Join(e) => Some(e),
        }
    }
}

impl<E> From<JoinError> for GroupError<E> {
    fn from(e: JoinError) -> Self {
        GroupError::Join(e)
    }
}

impl<T> Default for TaskGroup<T> {
    fn default() -> Self {
        TaskGroup::new()
    }
}

impl<T> Drop for TaskGroup<T> {
    fn drop(&mut self) {
        // The JoinSet aborts its own tasks when it drops; these are the spawners' not yet moved
        // into it, and the group is closed to new ones.
        self.shared.close_and_abort();
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

    use super::{GroupError, TaskGroup};
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
                assert_eq!(error.id(), panicking.id());
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
                let out = group.try_join_all().await;
                assert!(
                    matches!(&out, Err(GroupError::Task(e)) if e == "bad input"),
                    "{out:?}"
                );
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
                let out = group.try_join_all().await.expect("all Ok");
                assert_eq!(out, (0..10).collect::<Vec<_>>());

                let mut group = TaskGroup::<Result<u8, ()>>::new();
                group.spawn(async { panic!("boom") });
                let out = group.try_join_all().await;
                assert!(
                    matches!(&out, Err(GroupError::Join(e)) if e.is_panic()),
                    "{out:?}"
                );
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

    /// Waits (yielding) until `count` reaches `n`; fails after 60 s.
    async fn wait_for_count(count: &AtomicUsize, n: usize) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while count.load(Ordering::SeqCst) < n {
            assert!(
                std::time::Instant::now() < deadline,
                "count stuck below {n}"
            );
            yield_now().await;
        }
    }

    #[test]
    fn a_panic_aborts_the_siblings_at_once_while_nobody_joins() {
        for rt in runtimes() {
            rt.block_on(async {
                let stopped = Arc::new(AtomicUsize::new(0));
                let mut group = TaskGroup::<u32>::new();
                spawn_pending(&mut group, 5, &stopped);
                group.spawn(async {
                    yield_now().await;
                    panic!("eager boom")
                });
                // No join_all yet: the failing task itself aborted the others.
                wait_for_count(&stopped, 5).await;
                // A task spawned into the failed group is aborted at once.
                let late = group.spawn(pending::<u32>());
                while !late.is_finished() {
                    yield_now().await;
                }
                let error = group.join_all().await.unwrap_err();
                assert!(error.is_panic(), "{error}");
            });
        }
    }

    #[test]
    fn fail_fast_aborts_the_siblings_at_the_first_err() {
        for rt in runtimes() {
            rt.block_on(async {
                let stopped = Arc::new(AtomicUsize::new(0));
                let mut group = TaskGroup::<Result<u32, &str>>::fail_fast();
                spawn_pending(&mut group, 3, &stopped);
                group.spawn(async { Ok(1) });
                group.spawn(async { Err("bad") });
                wait_for_count(&stopped, 3).await;
                let out = group.try_join_all().await;
                assert!(matches!(out, Err(GroupError::Task("bad"))), "{out:?}");

                // Without fail_fast, an Err waits for try_join_all.
                let stopped = Arc::new(AtomicUsize::new(0));
                let mut group = TaskGroup::<Result<u32, &str>>::new();
                spawn_pending(&mut group, 1, &stopped);
                let err = group.spawn(async { Err("later") });
                while !err.is_finished() {
                    yield_now().await;
                }
                for _ in 0..100 {
                    yield_now().await;
                }
                assert_eq!(stopped.load(Ordering::SeqCst), 0);
                let out = group.try_join_all().await;
                assert!(matches!(out, Err(GroupError::Task("later"))), "{out:?}");
                assert_eq!(stopped.load(Ordering::SeqCst), 1);
            });
        }
    }

    /// A tree of tasks: each adds two children through the spawner until `depth` is 0.
    fn fan_out(
        spawner: super::Spawner<u32>,
        depth: u32,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = u32> + Send>> {
        Box::pin(async move {
            if depth > 0 {
                for _ in 0..2 {
                    spawner.spawn(fan_out(spawner.clone(), depth - 1));
                }
            }
            yield_now().await;
            depth
        })
    }

    #[test]
    fn tasks_add_siblings_through_a_spawner() {
        for rt in runtimes() {
            rt.block_on(async {
                let mut group = TaskGroup::new();
                group.spawn(fan_out(group.spawner(), 4));
                let out = group.join_all().await.unwrap();
                assert_eq!(out.len(), 31);
                assert_eq!(out[0], 4);
                let mut depths = out.clone();
                depths.sort_unstable();
                let expected: Vec<u32> = (0..=4u32)
                    .rev()
                    .flat_map(|d| std::iter::repeat_n(d, 1 << (4 - d)))
                    .rev()
                    .collect();
                assert_eq!(depths, expected);
            });
        }
    }

    #[test]
    fn a_spawned_sibling_that_panics_fails_the_group_and_late_spawns_are_aborted() {
        for rt in runtimes() {
            rt.block_on(async {
                let stopped = Arc::new(AtomicUsize::new(0));
                let mut group = TaskGroup::<u32>::new();
                spawn_pending(&mut group, 2, &stopped);
                let spawner = group.spawner();
                let from_outside = weft_runtime::spawn({
                    let spawner = spawner.clone();
                    async move {
                        spawner.spawn(async { panic!("sibling boom") });
                    }
                });
                from_outside.await.unwrap();
                let error = group.join_all().await.unwrap_err();
                assert!(error.is_panic());
                assert_eq!(stopped.load(Ordering::SeqCst), 2);
                // The group is gone: a spawn through a spawner left over is aborted at once.
                let late = spawner.spawn(pending::<u32>());
                while !late.is_finished() {
                    yield_now().await;
                }
            });
        }
    }

    #[test]
    fn group_error_converts_with_the_question_mark() {
        fn boxed(e: GroupError<std::num::ParseIntError>) -> Result<(), Box<dyn std::error::Error>> {
            Err(e)?
        }
        let parse_err = "x".parse::<u32>().unwrap_err();
        let err = boxed(GroupError::Task(parse_err.clone())).unwrap_err();
        assert!(err.to_string().starts_with("a task of the group failed: "));
        assert_eq!(err.source().unwrap().to_string(), parse_err.to_string());
        assert_eq!(
            GroupError::Task(parse_err.clone()).into_task_error(),
            Some(parse_err)
        );
    }

    #[test]
    fn task_group_is_send_and_sync() {
        fn assert_send<T: Send + Clone>() {}
        assert_send::<super::Spawner<u32>>();
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<TaskGroup<u32>>();
        let group = TaskGroup::<u8>::new();
        assert_eq!(format!("{group:?}"), "TaskGroup { len: 0, spawned: 0 }");
    }
}

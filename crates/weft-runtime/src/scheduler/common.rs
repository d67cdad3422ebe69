//! What both scheduler flavours share: the [`Common`] state every runtime has, the scheduling hook
//! of every task ([`TaskHook`]), spawning, and the end of a shutdown.

use std::any::Any;
use std::future::Future;
use std::time::{Duration, Instant};

use weft_core::coop::{self, Budget};
use weft_core::loom::sync::{Arc, Condvar, MutexGuard};
use weft_core::task::{self, JoinHandle, Runnable, Schedule, ScheduleInfo, SpawnOptions, TaskRef};

use super::cancel::cancel_runnable;
use crate::attached::AttachedSets;
use crate::blocking_pool::{BlockingPool, PoolConfig};
use crate::config::{Config, ThreadSettings};
use crate::dump::{CoarseClock, TaskInfo, TaskState};
use crate::panic_policy::PanicSlot;
use crate::panic_policy::UnhandledPanic;
use crate::park::Park;
use crate::park_hook_slot::ParkHookSlot;
use crate::registry::Registry;
use crate::slow_poll::SlowPollWatch;
use crate::worker_metrics;

/// How long a shutdown with no time limit (a dropped runtime) waits for a task stuck in a poll
/// before it says on stderr which tasks it waits for; it then goes on waiting (neither a silent
/// hang nor a silent leak). Long enough that a slow but finite poll (a big computation, a slow
/// disk) ends quietly first.
pub(crate) const SHUTDOWN_REPORT_AFTER: Duration = Duration::from_secs(10);

/// The state every runtime has, whatever its flavour.
pub(crate) struct Common {
    /// Every live task spawned on the runtime (blocking jobs excluded).
    pub(crate) registry: Registry,
    pub(crate) blocking: BlockingPool,
    pub(crate) park_hook: Arc<ParkHookSlot>,
    pub(crate) config: Config,
    /// The first unhandled panic, with `UnhandledPanic::ShutdownRuntime`.
    pub(crate) panic_slot: PanicSlot,
    /// Each worker's counters (one for the current-thread flavour).
    pub(crate) workers: worker_metrics::Workers,
    /// Spawn stamps for task ages (set by the workers when they read the clock anyway). In its
    /// own cache line: its writes must not evict the config that workers read at every tick.
    pub(crate) clock: crossbeam_utils::CachePadded<CoarseClock>,
    /// The slow-poll detector, if a threshold is set.
    pub(crate) slow_poll: Option<std::sync::Arc<SlowPollWatch>>,
    /// The `LocalSet`s driven in this runtime (their tasks are listed, counted and reported,
    /// not cancelled: a set cancels its own, on its own thread).
    pub(crate) local_sets: AttachedSets,
}

impl Common {
    /// The common state of a new runtime: an empty registry of `registry_shards` shards, a
    /// blocking pool with no thread yet, and the park hook (if any).
    pub(crate) fn new(
        config: Config,
        threads: &ThreadSettings,
        hook: Option<std::sync::Arc<dyn Park>>,
        registry_shards: usize,
        num_workers: usize,
    ) -> Common {
        let blocking = BlockingPool::new(PoolConfig {
            thread_name: threads.thread_name.clone(),
            stack_size: threads.stack_size,
            thread_cap: threads.max_blocking_threads,
            keep_alive: threads.keep_alive,
            on_start: config.on_thread_start.clone(),
            on_stop: config.on_thread_stop.clone(),
        });
        let slow_poll = config
            .slow_poll
            .as_ref()
            .map(|s| SlowPollWatch::new(s, num_workers));
        Common {
            clock: crossbeam_utils::CachePadded::new(CoarseClock::new()),
            slow_poll,
            registry: Registry::new(registry_shards),
            blocking,
            park_hook: Arc::new(ParkHookSlot::new(hook)),
            config,
            panic_slot: PanicSlot::default(),
            workers: worker_metrics::Workers::new(num_workers),
            local_sets: AttachedSets::default(),
        }
    }

    /// Prints `intro`, then one line per task left in the registry (and `local`), as a dump
    /// shows it; `running_only`: only the tasks in a poll. The tasks of attached `LocalSet`s
    /// are listed only while in a poll (an idle one is not held up by the shutdown: its set
    /// cancels it when dropped). Returns how many tasks were listed.
    pub(crate) fn report_tasks(
        &self,
        local: Option<&Registry>,
        running_only: bool,
        intro: impl FnOnce(usize) -> String,
    ) -> usize {
        let mut entries = Vec::new();
        self.registry.entries(&mut entries);
        if let Some(local) = local {
            local.entries(&mut entries);
        }
        let now = Instant::now();
        let mut infos: Vec<TaskInfo> = entries
            .iter()
            .map(|(t, stamp)| TaskInfo::new(t, *stamp, &self.clock, now))
            .filter(|t| !running_only || t.state == TaskState::Running)
            .collect();
        drop(entries);
        let mut in_sets = Vec::new();
        self.local_sets.infos(&self.clock, now, &mut in_sets);
        infos.extend(
            in_sets
                .into_iter()
                .filter(|t| t.state == TaskState::Running),
        );
        if infos.is_empty() {
            return 0;
        }
        infos.sort_by_key(|t| t.id);
        let mut out = format!("weft: {}\n", intro(infos.len()));
        for t in &infos {
            out.push_str(&format!("weft:   {t}\n"));
        }
        eprint!("{out}");
        infos.len()
    }

    /// Waits on `cv` while `cond` holds, until `deadline`. Without a deadline (a dropped
    /// runtime), if the wait lasts [`SHUTDOWN_REPORT_AFTER`], says on stderr which tasks are
    /// stuck in a poll (`local`: a second registry to look in), then goes on waiting.
    pub(crate) fn shutdown_wait<'a, T>(
        &self,
        cv: &Condvar,
        guard: MutexGuard<'a, T>,
        deadline: Option<Instant>,
        local: Option<&Registry>,
        mut cond: impl FnMut(&mut T) -> bool,
    ) -> MutexGuard<'a, T> {
        if deadline.is_some() {
            return cv.wait_while_until(guard, deadline, cond).0;
        }
        let grace = Instant::now() + SHUTDOWN_REPORT_AFTER;
        let (mut guard, _) = cv.wait_while_until(guard, Some(grace), &mut cond);
        if cond(&mut guard) {
            let listed = self.report_tasks(local, true, |n| {
                format!(
                    "dropping the runtime: still waiting after {SHUTDOWN_REPORT_AFTER:?} for \
                     {n} task(s) stuck in a poll (a blocking call or an endless loop; \
                     Runtime::shutdown_timeout bounds this wait):"
                )
            });
            if listed == 0 {
                eprintln!(
                    "weft: dropping the runtime: still waiting after {SHUTDOWN_REPORT_AFTER:?} \
                     for a runtime thread to stop (no task is in a poll: a thread-stop callback \
                     or the park hook blocks)"
                );
            }
            guard = cv.wait_while_until(guard, None, cond).0;
        }
        guard
    }

    /// After a shutdown with `timeout`: says on stderr which tasks outlived it (still in a
    /// poll, so not cancelled yet). Quiet for `shutdown_background` (a zero timeout).
    pub(crate) fn report_outliving(&self, timeout: Option<Duration>, local: Option<&Registry>) {
        let Some(timeout) = timeout.filter(|t| !t.is_zero()) else {
            return;
        };
        self.report_tasks(local, false, |n| {
            format!(
                "shutdown_timeout({timeout:?}): {n} task(s) outlived the timeout (in a poll, or \
                 queued on a worker stuck in one; each is cancelled when that poll returns):"
            )
        });
    }

    /// Reports a panic nobody will see, unless the builder turned reports off; with
    /// `UnhandledPanic::ShutdownRuntime`, also ends every `block_on` of the runtime with it.
    /// Polls `task` on worker `worker` inside a fresh budget, timing it if `WATCHED` (the
    /// worker loops are compiled twice, so that without a slow-poll threshold the poll path does
    /// not even test for one: that test cost 4 to 6 instructions per poll). The caller counts the
    /// poll.
    #[inline(always)]
    pub(crate) fn run_task<const WATCHED: bool>(&self, worker: usize, task: Runnable) {
        if WATCHED {
            if let Some(watch) = &self.slow_poll {
                return watch.run(worker, task);
            }
        }
        coop::with_budget(Budget::initial(), || task.run());
    }

    /// Starts the slow-poll watchdog, if a threshold is set.
    pub(crate) fn start_watchdog(&self, thread_name: &str) -> std::io::Result<()> {
        match &self.slow_poll {
            Some(watch) => watch.start_watchdog(thread_name),
            None => Ok(()),
        }
    }

    /// Reports a panic nobody will see, unless the builder turned reports off.
    pub(crate) fn unhandled_panic(&self, task: &TaskRef, payload: &(dyn Any + Send)) {
        if self.config.report_unhandled_panics {
            task::report_unhandled_panic(task, payload);
        }
        if self.config.unhandled_panic == UnhandledPanic::ShutdownRuntime {
            self.panic_slot.record(task, payload);
        }
    }

    /// The end of every shutdown, once no thread runs the runtime's tasks any more (or the
    /// deadline passed): the park hook wakes every task waiting on it, `cancel` drops every
    /// queued task and aborts the others, then the blocking pool stops (waiting for running jobs
    /// until `deadline`).
    pub(crate) fn finish_shutdown(&self, deadline: Option<Instant>, cancel: impl FnOnce()) {
        if let Some(watch) = &self.slow_poll {
            watch.stop();
        }
        if let Some(hook) = self.park_hook.hook() {
            hook.shutdown();
        }
        cancel();
        let rest = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        self.blocking.shutdown(rest);
    }
}

/// Where the tasks of one kind go when they are woken, and which registry lists them: the part of
/// a task's scheduling hook that differs between kinds of tasks (a flavour's `Send` tasks, the
/// current-thread flavour's local tasks, blocking tasks).
pub(crate) trait TaskQueue: Clone + Send + Sync + 'static {
    /// Queues a woken (or new) task.
    fn schedule(&self, task: Runnable, info: ScheduleInfo);

    /// The runtime the tasks belong to.
    fn common(&self) -> &Common;

    /// The registry listing these tasks (`None`: they are not listed).
    fn registry(&self) -> Option<&Registry> {
        Some(&self.common().registry)
    }
}

/// The scheduling hook stored in every task cell of a runtime: a [`TaskQueue`] (one `Arc`).
pub(crate) struct TaskHook<Q>(Q);

impl<Q: TaskQueue> TaskHook<Q> {
    /// Spawns `future` as a task of `queue`: one cell, listed in the queue's registry, scheduled
    /// at once. After shutdown (the registry is closed) the task is cancelled at once and its
    /// handle resolves to a cancellation error.
    pub(crate) fn spawn<F>(queue: &Q, future: F, opts: SpawnOptions) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (runnable, join) = task::spawn(future, TaskHook(queue.clone()), opts);
        Self::start(queue, runnable);
        join
    }

    /// [`spawn`](Self::spawn) for a future that need not be `Send`.
    ///
    /// # Safety
    /// As `weft_core::task::spawn_unchecked`: the task's `Runnable`, wakers and `JoinHandle` are
    /// used (and the `Runnable` dropped) only where the future may be.
    pub(crate) unsafe fn spawn_unchecked<F>(
        queue: &Q,
        future: F,
        opts: SpawnOptions,
    ) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        // SAFETY: passed on to the caller (this function's own safety condition).
        let (runnable, join) =
            unsafe { task::spawn_unchecked(future, TaskHook(queue.clone()), opts) };
        Self::start(queue, runnable);
        join
    }

    fn start(queue: &Q, runnable: Runnable) {
        let registered = match queue.registry() {
            Some(registry) => registry
                .insert(runnable.task(), queue.common().clock.stamp())
                .map_err(drop),
            None => Ok(()),
        };
        match registered {
            Ok(()) => queue.schedule(runnable, ScheduleInfo::default()),
            // Shut down: dropping the Runnable cancels the task.
            Err(()) => cancel_runnable(runnable),
        }
    }
}

impl<Q: TaskQueue> Schedule for TaskHook<Q> {
    #[inline]
    fn schedule(&self, task: Runnable, info: ScheduleInfo) {
        self.0.schedule(task, info);
    }

    fn release(&self, task: &TaskRef) {
        drop(self.release_ref(task));
    }

    /// The registry's reference goes back to the cell, which drops it with the runner's.
    #[inline]
    fn release_ref(&self, task: &TaskRef) -> Option<TaskRef> {
        self.0.registry()?.remove(task)
    }

    fn unhandled_panic(&self, task: &TaskRef, payload: &(dyn Any + Send)) {
        self.0.common().unhandled_panic(task, payload);
    }
}

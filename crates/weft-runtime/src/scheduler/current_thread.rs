//! The current-thread scheduler: tasks run on whichever thread is inside `block_on`.
//!
//! The run queue (the *core*) is held by one thread inside `block_on` at a time, the *core
//! holder*. Wakes on that thread push straight into it; wakes and spawns from other threads go
//! through an injector and unpark the holder. A second thread calling `block_on` while another
//! holds the core polls only its own future and takes the core over when it is released.
//!
//! # Local tasks
//! `spawn_local` accepts `!Send` futures. The first thread to call it becomes the runtime's
//! *owner* thread; local tasks are only ever run and dropped there (the safety condition of
//! `weft_core::task::spawn_unchecked`):
//! - their `Runnable`s live in the core queue only while the owner holds the core, and otherwise
//!   in a separate injector that only the owner pops (when the core is released, local
//!   `Runnable`s move there);
//! - a shutdown on another thread does not cancel the local tasks there: it hands them (queued
//!   `Runnable`s and registry references) to the owner thread's inbox
//!   ([`local_inbox`](super::local_inbox)), and so does a wake that reaches a local task off the
//!   owner thread after the shutdown; the owner cancels them at its next `block_on` poll (the
//!   hand-over wakes it) or when it exits. Only if the owner thread has already exited are they
//!   leaked, with a message on stderr.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::ptr;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use weft_core::coop::{self, Budget};
use weft_core::loom::sync::atomic::{AtomicBool, Ordering::*};
use weft_core::loom::sync::{Condvar, Mutex};
use weft_core::task::{JoinHandle, Runnable, ScheduleInfo, SpawnOptions, TaskRef};

use super::cancel::{cancel_all, cancel_runnable};
use super::common::{Common, TaskHook, TaskQueue};
use super::local_inbox::{self, Inbox, OwnerGone};
use crate::config::{Config, ThreadSettings};
use crate::inject::Inject;
use crate::park::Park;
use crate::park_thread;
use crate::parker::{Parker, Unparker};
use crate::registry::Registry;
use crate::scoped::Scoped;

/// State shared by the core holder and every handle.
pub(crate) struct Shared {
    pub(crate) common: Common,
    /// `Send` tasks scheduled from outside the core holder.
    inject: Inject<Runnable>,
    /// Local tasks scheduled while their owner thread did not hold the core; only the owner pops
    /// it.
    local_inject: Inject<Runnable>,
    /// Live local tasks.
    pub(crate) local_registry: Registry,
    /// The thread that owns the local tasks (the first to call `spawn_local`), and its inbox
    /// (`None`: it called `spawn_local` while exiting).
    local_owner: OnceLock<(ThreadId, Option<Arc<Inbox>>)>,
    /// The run queue, while no thread holds it.
    core: Mutex<Option<Box<Core>>>,
    /// Notified when the core is put back (a shutdown waits on it).
    core_released: Condvar,
    /// `block_on` callers waiting for the core.
    core_waiters: Mutex<Vec<Waker>>,
    /// Parked on by the core holder only.
    parker: Parker,
    unparker: Unparker,
    shutdown: AtomicBool,
}

struct Core {
    /// `(runnable, is_local)`.
    tasks: VecDeque<(Runnable, bool)>,
    /// Calls of `next_task` until the next one that looks at the injectors first (counting down
    /// from `global_queue_interval`).
    until_global: u32,
}

/// The context of the thread holding the core (inside `block_on`).
struct CoreHolder {
    shared: Arc<Shared>,
    core: RefCell<Option<Box<Core>>>,
    thread: ThreadId,
}

thread_local! {
    static CORE_HOLDER: Scoped<CoreHolder> = const { Scoped::new() };
}

/// Where local (`!Send`) tasks go when woken: the core if the owner thread holds it, else the
/// local injector that only the owner pops.
#[derive(Clone)]
pub(crate) struct LocalTasks(Arc<Shared>);

/// The waker of the future passed to `block_on` while this thread holds the core.
struct BlockOnWake {
    woken: AtomicBool,
    unparker: Unparker,
    /// The runtime's address, to recognise a wake on the core holder itself.
    shared: *const Shared,
}

// SAFETY: `shared` is only compared as an address, never dereferenced.
unsafe impl Send for BlockOnWake {}
// SAFETY: as above.
unsafe impl Sync for BlockOnWake {}

impl Wake for BlockOnWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Release);
        // On the core holder (inside a task or the hook's dispatch) the loop checks `woken`
        // before it parks: no unpark needed (it would make the hook notify itself).
        let on_holder = CORE_HOLDER
            .try_with(|h| h.with(|cx| cx.is_some_and(|cx| ptr::eq(&*cx.shared, self.shared))))
            .unwrap_or(false);
        if !on_holder {
            self.unparker.unpark();
        }
    }
}

/// How many shards the registry of `Send` tasks has: spawns come mostly from the one thread that
/// holds the core, so a few shards only spread spawns and wakes from other threads.
const REGISTRY_SHARDS: usize = 4;

/// Creates a current-thread runtime (no thread is started).
pub(crate) fn build(
    config: Config,
    settings: &ThreadSettings,
    hook: Option<Arc<dyn Park>>,
) -> Arc<Shared> {
    let global_queue_interval = config.global_queue_interval;
    let common = Common::new(config, settings, hook, REGISTRY_SHARDS, 1);
    let parker = Parker::new(common.park_hook.clone());
    let unparker = parker.unparker();
    Arc::new(Shared {
        common,
        inject: Inject::new(),
        local_inject: Inject::new(),
        local_registry: Registry::new(1),
        local_owner: OnceLock::new(),
        core: Mutex::new(Some(Box::new(Core {
            tasks: VecDeque::with_capacity(64),
            until_global: global_queue_interval,
        }))),
        core_released: Condvar::new(),
        core_waiters: Mutex::new(Vec::new()),
        parker,
        unparker,
        shutdown: AtomicBool::new(false),
    })
}

thread_local! {
    static THREAD_ID: ThreadId = thread::current().id();
}

fn this_thread() -> Option<ThreadId> {
    THREAD_ID.try_with(|id| *id).ok()
}

impl Shared {
    #[inline]
    fn is_shutdown(&self) -> bool {
        self.shutdown.load(SeqCst)
    }

    fn on_owner_thread(&self) -> bool {
        match (self.local_owner.get(), this_thread()) {
            (Some((owner, _)), Some(me)) => *owner == me,
            _ => false,
        }
    }

    /// Spawns a `!Send` future, owned by the calling thread.
    ///
    /// # Panics
    /// If another thread already owns this runtime's local tasks.
    #[track_caller]
    pub(crate) fn spawn_local<F>(
        this: &Arc<Shared>,
        future: F,
        opts: SpawnOptions,
    ) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let me = thread::current().id();
        let (owner, _) = this
            .local_owner
            .get_or_init(|| (me, local_inbox::this_thread()));
        if *owner != me {
            panic!(
                "spawn_local: this current-thread runtime's local tasks belong to another thread \
                 (the first one that called spawn_local on it); call spawn_local from that thread, \
                 or use spawn for Send futures"
            );
        }
        // SAFETY: this thread is the owner, and local `Runnable`s are run and dropped only on it:
        // only the owner pops local queues (`CoreHolder::next_task`) and drains its inbox, where
        // `LocalTasks::schedule` and shutdown put them off the owner (or leak them if it exited);
        // a spawn after shutdown cancels the task right here, on the owner.
        unsafe { TaskHook::spawn_unchecked(&LocalTasks(this.clone()), future, opts) }
    }

    /// Tasks waiting in the injectors (`Send` and local).
    pub(crate) fn global_queue_depth(&self) -> usize {
        self.inject.len() + self.local_inject.len()
    }

    fn schedule_remote(&self, task: Runnable) {
        match self.inject.push(task) {
            Ok(()) => self.unparker.unpark(),
            Err(task) => cancel_runnable(task),
        }
    }

    fn take_core(&self) -> Option<Box<Core>> {
        self.core.lock().take()
    }

    fn release_core(&self, mut core: Box<Core>) {
        // Local tasks may only run on the owner thread; the next core holder may be another.
        if core.tasks.iter().any(|(_, local)| *local) {
            let tasks = std::mem::take(&mut core.tasks);
            let mut kept = VecDeque::with_capacity(tasks.len());
            for (task, local) in tasks {
                if local {
                    if let Err(task) = self.local_inject.push(task) {
                        // Shut down meanwhile; we are on the owner thread (only it put local
                        // tasks in the core).
                        cancel_runnable(task);
                    }
                } else {
                    kept.push_back((task, false));
                }
            }
            core.tasks = kept;
        }
        *self.core.lock() = Some(core);
        self.core_released.notify_all();
        let waiters = std::mem::take(&mut *self.core_waiters.lock());
        for w in waiters {
            w.wake();
        }
    }

    /// Runs `future` to completion on this thread, running the runtime's tasks while it holds the
    /// core.
    pub(crate) fn block_on<F: Future>(this: &Arc<Shared>, future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let wake = Arc::new(BlockOnWake {
            woken: AtomicBool::new(true),
            unparker: this.unparker.clone(),
            shared: Arc::as_ptr(this),
        });
        let waker = Waker::from(wake.clone());
        loop {
            if !this.is_shutdown() {
                if let Some(core) = this.take_core() {
                    // Poll once with the core holder's waker: an earlier poll registered another.
                    wake.woken.store(true, Release);
                    let out = if this.common.slow_poll.is_some() {
                        this.run_core::<F, true>(core, future.as_mut(), &wake, &waker)
                    } else {
                        this.run_core::<F, false>(core, future.as_mut(), &wake, &waker)
                    };
                    if let Some(out) = out {
                        return out;
                    }
                    // Shut down while holding the core: only our own future is left to poll.
                    continue;
                }
            }
            // Another thread holds the core (or the runtime is shut down): poll our future on
            // our own parker, and come back when the core is free.
            let thread_waker = park_thread::waker();
            if !this.is_shutdown() {
                let mut waiters = this.core_waiters.lock();
                if !waiters.iter().any(|w| w.will_wake(&thread_waker)) {
                    waiters.push(thread_waker.clone());
                }
                drop(waiters);
                if this.core.lock().is_some() {
                    continue;
                }
            }
            let mut cx = Context::from_waker(&thread_waker);
            if let Poll::Ready(out) =
                coop::with_budget(Budget::initial(), || future.as_mut().poll(&mut cx))
            {
                return out;
            }
            park_thread::park();
        }
    }

    /// The loop of the core holder. Returns `None` if the runtime shut down before the future
    /// completed.
    fn run_core<F: Future, const WATCHED: bool>(
        self: &Arc<Self>,
        core: Box<Core>,
        mut future: Pin<&mut F>,
        wake: &BlockOnWake,
        waker: &Waker,
    ) -> Option<F::Output> {
        struct ReturnCore<'a>(&'a CoreHolder);
        impl Drop for ReturnCore<'_> {
            fn drop(&mut self) {
                let core = self.0.core.borrow_mut().take();
                if let Some(core) = core {
                    self.0.shared.release_core(core);
                }
            }
        }

        let cx = CoreHolder {
            shared: self.clone(),
            core: RefCell::new(Some(core)),
            thread: thread::current().id(),
        };
        let _return = ReturnCore(&cx);
        let config = &self.common.config;
        let metrics = self.common.workers.get(0);
        let mut busy_since = Instant::now();
        CORE_HOLDER.with(|h| {
            h.set(&cx, || 'outer: loop {
                if wake.woken.swap(false, AcqRel) {
                    let mut task_cx = Context::from_waker(waker);
                    if let Poll::Ready(out) =
                        coop::with_budget(Budget::initial(), || future.as_mut().poll(&mut task_cx))
                    {
                        return Some(out);
                    }
                }
                // Polls are counted once per run of this loop rather than one by one.
                for polls in 0..config.event_interval {
                    if self.is_shutdown() {
                        metrics.polled(u64::from(polls));
                        return None;
                    }
                    match cx.next_task() {
                        Some(task) => {
                            self.common.run_task::<WATCHED>(0, task);
                        }
                        None => {
                            metrics.polled(u64::from(polls));
                            if !wake.woken.load(Acquire) {
                                metrics.set_local_queue_depth(0);
                                metrics.parked();
                                let now = metrics.busy_until_now(busy_since);
                                self.common.clock.set(now);
                                self.parker.park();
                                busy_since = Instant::now();
                                self.common.clock.set(busy_since);
                            }
                            continue 'outer;
                        }
                    }
                }
                // A long run of ready tasks: let the hook dispatch I/O and timers.
                metrics.polled(u64::from(config.event_interval));
                busy_since = metrics.busy_until_now(busy_since);
                self.common.clock.set(busy_since);
                if let Some(core) = &*cx.core.borrow() {
                    metrics.set_local_queue_depth(core.tasks.len());
                }
                self.common.park_hook.turn_without_blocking();
            })
        })
    }

    /// Stops the runtime and cancels every task; see [`Runtime`](crate::Runtime).
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) {
        if self.shutdown.swap(true, SeqCst) {
            return;
        }
        self.inject.close();
        self.local_inject.close();
        self.common.registry.close();
        self.local_registry.close();
        // The core holder sees the flag at its next task or as soon as it wakes.
        self.unparker.unpark();
        for w in std::mem::take(&mut *self.core_waiters.lock()) {
            w.wake();
        }

        // Take the core: from our own context if this thread holds it (shutdown from inside a
        // task), else once the holder notices and releases it.
        let mut core = CORE_HOLDER
            .try_with(|h| {
                h.with(|cx| match cx {
                    Some(cx) if ptr::eq(&*cx.shared, self) => cx.core.borrow_mut().take(),
                    _ => None,
                })
            })
            .ok()
            .flatten();
        // Shut down from inside one of our own tasks: that task is mid-poll and only leaves the
        // registry after this returns, so cancel in one pass instead of waiting for it.
        let inside_own_task = core.is_some();
        let deadline = timeout.map(|t| Instant::now() + t);
        if core.is_none() {
            let slot = self.core.lock();
            let mut slot = self.common.shutdown_wait(
                &self.core_released,
                slot,
                deadline,
                Some(&self.local_registry),
                |core| core.is_none(),
            );
            core = slot.take();
        }

        self.common.finish_shutdown(deadline, || {
            let on_owner = self.on_owner_thread();
            let have_core = core.is_some();
            // Local Runnables found off the owner thread: handed to it below.
            let mut for_owner = Vec::new();
            if let Some(mut core) = core {
                let tasks = std::mem::take(&mut core.tasks);
                for (task, local) in tasks {
                    if local && !on_owner {
                        // Never drop a local task off its thread.
                        for_owner.push(task);
                    } else {
                        cancel_runnable(task);
                    }
                }
            }
            let until_empty = have_core && !inside_own_task;
            cancel_all(&self.common.registry, &[&self.inject], until_empty);
            if self.local_owner.get().is_none() || on_owner {
                cancel_all(
                    &self.local_registry,
                    &[&self.local_inject],
                    !inside_own_task,
                );
            } else {
                // Off the owner thread: the local futures may not be dropped here. Hand the
                // tasks (and their registry references, so no cell is freed here) to the owner.
                for_owner.extend(self.local_inject.take_all());
                self.hand_to_owner(for_owner, self.local_registry.take_all());
            }
        });
        self.common
            .report_outliving(timeout, Some(&self.local_registry));
    }
}

impl Shared {
    /// Off the owner thread, after shutdown: hands local `runnables` (to drop) and `tasks` (to
    /// abort) to the owner thread's inbox; if the owner exited, leaks them and says so.
    fn hand_to_owner(&self, runnables: Vec<Runnable>, tasks: Vec<TaskRef>) {
        let Some((owner, inbox)) = self.local_owner.get() else {
            debug_assert!(runnables.is_empty() && tasks.is_empty());
            return;
        };
        let refused = match inbox {
            Some(inbox) => inbox.hand_over(runnables, tasks),
            None => Err(OwnerGone { runnables, tasks }),
        };
        if let Err(gone) = refused {
            let leaked = gone.tasks.len().max(gone.runnables.len());
            std::mem::forget(gone);
            eprintln!(
                "{}",
                local_leak_message(leaked, owner, thread::current().id())
            );
        }
    }
}

impl CoreHolder {
    /// The next task to run: the core's own queue first, except at every
    /// `global_queue_interval`-th call, which looks at the injectors first (so that tasks woken
    /// from other threads are not starved by a busy core).
    #[inline]
    fn next_task(&self) -> Option<Runnable> {
        let mut slot = self.core.borrow_mut();
        let core = slot.as_mut()?;
        core.until_global -= 1;
        let global_tick = core.until_global == 0;
        if global_tick {
            core.until_global = self.shared.common.config.global_queue_interval;
        } else if let Some((task, _)) = core.tasks.pop_front() {
            return Some(task);
        }
        self.next_task_elsewhere(core, global_tick)
    }

    /// [`next_task`](Self::next_task) at the global-queue tick (injectors, then the core), or
    /// when the core is empty (injectors).
    #[inline(never)]
    fn next_task_elsewhere(&self, core: &mut Core, global_tick: bool) -> Option<Runnable> {
        let shared = &*self.shared;
        if let Some(task) = shared.inject.pop() {
            return Some(task);
        }
        // Whether this thread owns the local tasks is asked only here, not at every task.
        if shared.local_owner.get().map(|(t, _)| t) == Some(&self.thread) {
            if let Some(task) = shared.local_inject.pop() {
                return Some(task);
            }
        }
        if global_tick {
            core.tasks.pop_front().map(|(t, _)| t)
        } else {
            None
        }
    }

    /// Pushes into the core if this thread holds `shared`'s core right now; else hands `task`
    /// back.
    #[inline]
    fn try_push(shared: &Shared, task: Runnable, local: bool) -> Option<Runnable> {
        let mut slot = Some(task);
        let _ = CORE_HOLDER.try_with(|h| {
            h.with(|cx| {
                let Some(cx) = cx else { return };
                if !ptr::eq(&*cx.shared, shared) {
                    return;
                }
                if let Ok(mut core) = cx.core.try_borrow_mut() {
                    if let Some(core) = core.as_mut() {
                        core.tasks.push_back((slot.take().expect("task"), local));
                    }
                }
            })
        });
        slot
    }
}

impl TaskQueue for Arc<Shared> {
    #[inline]
    fn schedule(&self, task: Runnable, _info: ScheduleInfo) {
        if let Some(task) = CoreHolder::try_push(self, task, false) {
            self.schedule_remote(task);
        }
    }

    fn common(&self) -> &Common {
        &self.common
    }
}

impl TaskQueue for LocalTasks {
    fn schedule(&self, task: Runnable, _info: ScheduleInfo) {
        let shared = &*self.0;
        // Straight into the core only on the owner thread (the holder may be another thread).
        let task = if shared.on_owner_thread() {
            match CoreHolder::try_push(shared, task, true) {
                None => return,
                Some(task) => task,
            }
        } else {
            task
        };
        match shared.local_inject.push(task) {
            Ok(()) => shared.unparker.unpark(),
            Err(task) => {
                if shared.on_owner_thread() {
                    cancel_runnable(task);
                } else {
                    // A local task may not be dropped off its thread: its owner drops it.
                    shared.hand_to_owner(vec![task], Vec::new());
                }
            }
        }
    }

    fn common(&self) -> &Common {
        &self.0.common
    }

    fn registry(&self) -> Option<&Registry> {
        Some(&self.0.local_registry)
    }
}

/// What a shutdown off the owner thread prints about the local tasks it has to leak (their
/// owner thread exited, so no thread may drop them).
fn local_leak_message(leaked: usize, owner: &ThreadId, here: ThreadId) -> String {
    format!(
        "weft: a current-thread runtime was shut down on thread {here:?}, but {leaked} of its \
         spawn_local (!Send) tasks belong to thread {owner:?}, which has exited: their futures \
         may be dropped on no other thread, so they are leaked; shut the runtime down (drop it) \
         before the thread that spawned them exits, or run them in a LocalSet, which always \
         drops its tasks on its own thread"
    )
}

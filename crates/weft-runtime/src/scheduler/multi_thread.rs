//! The multi-thread, work-stealing scheduler.
//!
//! ```text
//!   spawn/wake from outside ──> [ injector ] <── overflow (half a full local queue)
//!                                     │ every 61 ticks, or when the local queue is empty
//!   worker i:  [ LIFO slot ] [ local ring (256) ] <── steal half ── idle worker j
//!                 ▲ task woken by the running task      (at most one searching at a time)
//! ```
//!
//! Each worker loops: pick the next task (LIFO slot, then its own queue, pulling a batch from the
//! injector when empty, and the injector first every `global_queue_interval` ticks), else steal,
//! else park. Every `event_interval` ticks a busy worker turns the park hook once without blocking
//! (if no other worker holds it) so I/O and timers keep moving; after a turn that handed it work
//! the next comes sooner, after [`HOT_EVENT_INTERVAL`] ticks, so a stream of I/O wakes is picked
//! up while the workers are still busy instead of in one batch when they run dry. Idle
//! bookkeeping ([`Idle`]) makes sure one wake unparks at most one worker and only when nobody is
//! already searching. A worker that parks while another waits in the park hook may spin for up to
//! [`PARK_SPIN`] before it sleeps: the worker in the hook often hands it work within
//! microseconds; the spin adapts to how soon recent parks were notified (see [`crate::parker`]).

use std::cell::{Cell, RefCell};
use std::io;
use std::ptr;
use std::sync::Arc;
use std::thread::{self, JoinHandle as ThreadHandle};
use std::time::{Duration, Instant};

use weft_core::loom::sync::atomic::{AtomicBool, Ordering::SeqCst};
use weft_core::loom::sync::{Condvar, Mutex};
use weft_core::task::{Runnable, ScheduleInfo};

use super::cancel::{cancel_all, cancel_runnable};
use super::common::{Common, TaskQueue};
use crate::config::{Config, ThreadSettings};
use crate::idle::Idle;
use crate::inject::Inject;
use crate::park::Park;
use crate::parker::{Parker, Unparker};
use crate::queue::{self, Local, Steal};
use crate::scoped::Scoped;
use crate::worker_metrics::WorkerMetrics;

/// How many times in a row the LIFO slot may be polled before its task goes to the back of the
/// queue (two tasks waking each other forever must not starve the rest).
const MAX_LIFO_POLLS: u8 = 3;

/// Ticks until the next turn of the park hook after a turn that queued tasks on this worker
/// (capped by `event_interval`). A turn that found events is usually followed by more (a stream of
/// I/O readiness), and turning again soon picks them up while the workers are busy instead of in
/// one batch when they run dry; too soon and each turn finds fewer events for its syscall. A turn
/// that found nothing keeps the full `event_interval`, so CPU-bound workers pay nothing extra.
/// docs/architecture.md ("Measurements behind the constants") has the runs that chose 16.
const HOT_EVENT_INTERVAL: u32 = 16;

/// The most a worker that cannot take the park hook's token spins, waiting for a notification,
/// before it sleeps on its condvar: long enough to catch the usual hand-off from the worker in the
/// hook (which wakes a parked worker to steal half of a batch of wakes). The spin adapts below
/// this cap to how soon the worker's recent parks were notified ([`crate::parker`]), so a worker
/// that is really idle soon stops spinning. Not used when there are more workers than CPUs,
/// where a spinner would hold a CPU that a busy worker waits for. docs/architecture.md
/// ("Measurements behind the constants") has the timings that chose 30 µs and the adaptation.
const PARK_SPIN: Duration = Duration::from_micros(30);

/// State shared by the workers and every handle.
pub(crate) struct Shared {
    pub(crate) common: Common,
    remotes: Box<[Remote]>,
    inject: Inject<Runnable>,
    idle: Idle,
    shutdown: AtomicBool,
    workers: Mutex<Workers>,
    workers_cv: Condvar,
    /// Queues of stopped workers, cancelled by the shutdown once every worker stopped (so no
    /// task is polled while others are being cancelled).
    stopped_cores: Mutex<StoppedCores>,
}

struct StoppedCores {
    cores: Vec<Core>,
    /// The shutdown already cancelled everything: a worker stopping later cancels its own.
    drained: bool,
}

/// What other threads may touch of a worker.
struct Remote {
    steal: Steal<Runnable>,
    unparker: Unparker,
}

struct Workers {
    threads: Vec<ThreadHandle<()>>,
    /// Worker threads that have not finished their exit yet.
    alive: usize,
}

/// A worker's own scheduling state; only its thread touches it.
struct Core {
    tick: u32,
    /// Ticks left until the next turn of the park hook.
    until_turn: u32,
    lifo: Option<Runnable>,
    lifo_polls: u8,
    /// Calls of `next_task` until the next one that looks at the injector first (counting down
    /// from `global_queue_interval`).
    until_global: u32,
    run_queue: Local<Runnable>,
    is_searching: bool,
    rand: FastRand,
}

/// The context of the worker running on this thread.
struct WorkerCx {
    shared: Arc<Shared>,
    index: usize,
    core: RefCell<Core>,
    parker: Parker,
    /// True while the worker waits or turns the hook: wakes then land in its queue and it
    /// notifies others itself afterwards.
    parked: Cell<bool>,
    /// When the worker last started being busy (or last counted its busy time).
    busy_since: Cell<Instant>,
    /// Turns of the park hook while busy (`maintenance`).
    turns: Cell<u32>,
    /// The last tick whose poll (or park) was counted in the metrics.
    counted_tick: Cell<u32>,
}

thread_local! {
    static WORKER: Scoped<WorkerCx> = const { Scoped::new() };
}

/// How many registry shards per worker: enough that workers spawning at once rarely take the
/// same shard's lock.
const REGISTRY_SHARDS_PER_WORKER: usize = 4;

/// Starts a multi-thread runtime with `workers` worker threads. Each worker thread first calls
/// `enter` and keeps what it returns (the thread's runtime context) until it stops.
pub(crate) fn build<G: 'static>(
    workers: usize,
    config: Config,
    settings: &ThreadSettings,
    hook: Option<Arc<dyn Park>>,
    enter: fn(&Arc<Shared>) -> G,
) -> io::Result<Arc<Shared>> {
    let event_interval = config.event_interval;
    let global_queue_interval = config.global_queue_interval;
    // More workers than CPUs: a spinning worker would hold a CPU that a busy one waits for.
    let cpus = thread::available_parallelism().map_or(1, |n| n.get());
    let spin = if workers <= cpus {
        PARK_SPIN
    } else {
        Duration::ZERO
    };
    let common = Common::new(
        config,
        settings,
        hook,
        workers * REGISTRY_SHARDS_PER_WORKER,
        workers,
    );
    let mut remotes = Vec::with_capacity(workers);
    let mut locals = Vec::with_capacity(workers);
    for _ in 0..workers {
        let (steal, local) = queue::local();
        let parker = Parker::with_spin(common.park_hook.clone(), spin);
        remotes.push(Remote {
            steal,
            unparker: parker.unparker(),
        });
        locals.push((local, parker));
    }
    let shared = Arc::new(Shared {
        common,
        remotes: remotes.into_boxed_slice(),
        inject: Inject::new(),
        idle: Idle::new(workers),
        shutdown: AtomicBool::new(false),
        workers: Mutex::new(Workers {
            threads: Vec::with_capacity(workers),
            alive: 0,
        }),
        workers_cv: Condvar::new(),
        stopped_cores: Mutex::new(StoppedCores {
            cores: Vec::new(),
            drained: false,
        }),
    });
    for (index, (run_queue, parker)) in locals.into_iter().enumerate() {
        let core = Core {
            tick: 0,
            until_turn: event_interval,
            lifo: None,
            lifo_polls: 0,
            until_global: global_queue_interval,
            run_queue,
            is_searching: false,
            rand: FastRand::new((index as u32 + 1).wrapping_mul(0x9E37_79B9)),
        };
        let mut b = thread::Builder::new().name(settings.thread_name.clone());
        if let Some(size) = settings.stack_size {
            b = b.stack_size(size);
        }
        shared.workers.lock().alive += 1;
        let worker_shared = shared.clone();
        match b.spawn(move || run_worker(worker_shared, index, core, parker, enter)) {
            Ok(th) => shared.workers.lock().threads.push(th),
            Err(e) => {
                shared.workers.lock().alive -= 1;
                shared.shutdown(None);
                return Err(e);
            }
        }
    }
    Ok(shared)
}

fn run_worker<G: 'static>(
    shared: Arc<Shared>,
    index: usize,
    core: Core,
    parker: Parker,
    enter: fn(&Arc<Shared>) -> G,
) {
    {
        let _enter = enter(&shared);
        if let Some(f) = &shared.common.config.on_thread_start {
            f();
        }
        let cx = WorkerCx {
            shared: shared.clone(),
            index,
            core: RefCell::new(core),
            parker,
            parked: Cell::new(false),
            busy_since: Cell::new(Instant::now()),
            turns: Cell::new(0),
            counted_tick: Cell::new(0),
        };
        WORKER.with(|w| w.set(&cx, || cx.run()));
        let WorkerCx { core, .. } = cx;
        let core = core.into_inner();
        let mut stopped = shared.stopped_cores.lock();
        if stopped.drained {
            drop(stopped);
            core.cancel_all();
        } else {
            stopped.cores.push(core);
            drop(stopped);
        }
        if let Some(f) = &shared.common.config.on_thread_stop {
            f();
        }
    }
    let mut workers = shared.workers.lock();
    workers.alive -= 1;
    shared.workers_cv.notify_all();
}

impl WorkerCx {
    fn run(&self) {
        if self.shared.common.slow_poll.is_some() {
            self.run_loop::<true>();
        } else {
            self.run_loop::<false>();
        }
    }

    fn run_loop<const WATCHED: bool>(&self) {
        let shared = &*self.shared;
        let event_interval = shared.common.config.event_interval;
        let mut tick = self.core.borrow().tick;
        while !shared.is_shutdown() {
            // One borrow of the core per task on the usual path (no turn due, a task queued here).
            let mut core = self.core.borrow_mut();
            core.tick = core.tick.wrapping_add(1);
            tick = core.tick;
            core.until_turn -= 1;
            if core.until_turn == 0 {
                drop(core);
                // Every tick before this one ran a task (a tick that parks is counted there).
                self.count_polls(tick.wrapping_sub(1), tick.wrapping_sub(1));
                let fed = self.maintenance();
                core = self.core.borrow_mut();
                core.until_turn = if fed {
                    HOT_EVENT_INTERVAL.min(event_interval)
                } else {
                    event_interval
                };
            }
            let task = core.next_task(shared);
            drop(core);
            let task = match task {
                Some(task) => Some(task),
                None => self.steal_work(),
            };
            match task {
                Some(task) => self.run_task::<WATCHED>(task),
                None => {
                    // This tick ran no task; the ones before it did.
                    self.count_polls(tick.wrapping_sub(1), tick);
                    self.park();
                }
            }
        }
        self.count_polls(tick, tick);
    }

    /// Publishes the polls of the ticks after the last one counted up to `ran_through` (each ran
    /// one task), then marks every tick up to `counted_through` as counted. Polls are counted
    /// from the tick counter this way, at turns of the park hook and parks, rather than with a
    /// store per poll.
    fn count_polls(&self, ran_through: u32, counted_through: u32) {
        let polls = ran_through.wrapping_sub(self.counted_tick.get());
        self.metrics().polled(u64::from(polls));
        self.counted_tick.set(counted_through);
    }

    #[inline(always)]
    fn run_task<const WATCHED: bool>(&self, task: Runnable) {
        let notify = {
            let mut core = self.core.borrow_mut();
            if core.is_searching {
                core.is_searching = false;
                self.shared.idle.transition_worker_from_searching()
            } else {
                false
            }
        };
        if notify {
            // The last searcher found work: there may be more, let another worker look.
            self.shared.notify_parked();
        }
        self.shared.common.run_task::<WATCHED>(self.index, task);
    }

    #[inline(always)]
    fn metrics(&self) -> &WorkerMetrics {
        self.shared.common.workers.get(self.index)
    }

    /// Adds the time since `busy_since` to the busy duration.
    fn count_busy_time(&self) {
        let now = self.metrics().busy_until_now(self.busy_since.get());
        self.busy_since.set(now);
        self.shared.common.clock.set(now);
    }

    /// Turns the park hook once without blocking (if nobody holds it). Returns whether the turn
    /// queued tasks on this worker.
    fn maintenance(&self) -> bool {
        // The clock is read at every fourth turn only: at one read per 61 polls it cost ~1% of
        // a yield's instructions.
        let turns = self.turns.get().wrapping_add(1);
        self.turns.set(turns);
        if turns % 4 == 0 {
            self.count_busy_time();
        }
        let park_hook = &self.shared.common.park_hook;
        if park_hook.hook().is_none() || park_hook.is_held() {
            return false;
        }
        let before = self.core.borrow().len();
        self.parked.set(true);
        park_hook.turn_without_blocking();
        self.parked.set(false);
        let core = self.core.borrow();
        if core.should_notify_others() {
            self.shared.notify_parked();
        }
        core.len() > before
    }

    fn steal_work(&self) -> Option<Runnable> {
        let shared = &*self.shared;
        let mut core = self.core.borrow_mut();
        if !core.is_searching {
            if !shared.idle.transition_worker_to_searching() {
                return None;
            }
            core.is_searching = true;
        }
        let n = shared.remotes.len();
        let start = core.rand.below(n);
        for i in 0..n {
            let victim = (start + i) % n;
            if victim == self.index {
                continue;
            }
            let before = core.run_queue.len();
            if let Some(task) = shared.remotes[victim].steal.steal_into(&mut core.run_queue) {
                self.metrics().stole(core.run_queue.len() - before + 1);
                return Some(task);
            }
        }
        shared.inject.pop()
    }

    fn park(&self) {
        let shared = &*self.shared;
        {
            let mut core = self.core.borrow_mut();
            if core.has_tasks() {
                return;
            }
            let was_searching = std::mem::take(&mut core.is_searching);
            drop(core);
            if shared
                .idle
                .transition_worker_to_parked(self.index, was_searching)
            {
                // The last searcher gives up: re-check so no work is stranded (idle.rs rule 4).
                shared.notify_if_work_pending();
            }
        }
        self.parked.set(true);
        self.metrics().parked();
        self.count_busy_time();
        loop {
            if shared.is_shutdown() {
                break;
            }
            self.parker.park();
            let mut core = self.core.borrow_mut();
            if core.has_tasks() {
                // Woken by the hook with work of our own. If somebody also notified us we count
                // as a searcher (the notifier made us one).
                core.is_searching = !shared.idle.unpark_worker_by_id(self.index);
                break;
            }
            if shared.idle.is_parked(self.index) {
                // Spurious: nobody picked us.
                continue;
            }
            core.is_searching = true;
            break;
        }
        self.parked.set(false);
        let now = Instant::now();
        self.busy_since.set(now);
        shared.common.clock.set(now);
        if self.core.borrow().should_notify_others() {
            shared.notify_parked();
        }
    }

    #[inline]
    fn schedule_local(&self, task: Runnable, info: ScheduleInfo) {
        let shared = &*self.shared;
        let should_notify = {
            let Ok(mut core) = self.core.try_borrow_mut() else {
                // The worker is busy with its own queue (e.g. dropping tasks): go through the
                // injector.
                return shared.schedule_remote(task);
            };
            // The LIFO slot is for a task woken by the task running now (a message passed on).
            // A self-wake (yield) goes to the back, and so do wakes from the park hook (I/O
            // readiness, expired timers): those arrive in event order, and the slot would run
            // the last of them first.
            if info.woken_while_running || self.parked.get() {
                core.run_queue
                    .push_back_or_overflow(task, &InjectOverflow(&shared.inject));
                true
            } else {
                match core.lifo.replace(task) {
                    Some(prev) => {
                        core.run_queue
                            .push_back_or_overflow(prev, &InjectOverflow(&shared.inject));
                        true
                    }
                    None => false,
                }
            }
        };
        if should_notify && !self.parked.get() && shared.idle.may_notify() {
            shared.notify_parked();
        }
    }
}

impl Core {
    /// Drops (cancels) every task still queued here.
    fn cancel_all(mut self) {
        let lifo = self.lifo.take();
        let mut rest = Vec::with_capacity(self.run_queue.len());
        while let Some(t) = self.run_queue.pop() {
            rest.push(t);
        }
        // A cancelled future's destructor may wake other tasks: they find the queues closed.
        lifo.into_iter().chain(rest).for_each(cancel_runnable);
    }

    fn has_tasks(&self) -> bool {
        self.lifo.is_some() || !self.run_queue.is_empty()
    }

    /// Tasks queued here (LIFO slot and run queue).
    fn len(&self) -> usize {
        usize::from(self.lifo.is_some()) + self.run_queue.len()
    }

    fn should_notify_others(&self) -> bool {
        if self.is_searching {
            return false;
        }
        self.len() > 1
    }

    #[inline(always)]
    fn next_task(&mut self, shared: &Shared) -> Option<Runnable> {
        self.until_global -= 1;
        if self.until_global == 0 {
            self.until_global = shared.common.config.global_queue_interval;
            if let Some(task) = shared.inject.pop() {
                return Some(task);
            }
            return self.next_local_task(shared);
        }
        if let Some(task) = self.next_local_task(shared) {
            return Some(task);
        }
        if shared.inject.is_empty() {
            return None;
        }
        // Pull a fair share of the injector into the local queue.
        let cap = self.run_queue.remaining_slots().min(queue::CAPACITY / 2);
        let n = (shared.inject.len() / shared.remotes.len() + 1).min(cap + 1);
        let mut first = None;
        let run_queue = &mut self.run_queue;
        shared.inject.pop_n(n, |mut batch| {
            first = batch.next();
            run_queue.push_back_batch(batch);
        });
        first
    }

    fn next_local_task(&mut self, shared: &Shared) -> Option<Runnable> {
        if let Some(task) = self.lifo.take() {
            if self.lifo_polls < MAX_LIFO_POLLS {
                self.lifo_polls += 1;
                return Some(task);
            }
            self.run_queue
                .push_back_or_overflow(task, &InjectOverflow(&shared.inject));
        }
        self.lifo_polls = 0;
        self.run_queue.pop()
    }
}

impl Shared {
    fn is_shutdown(&self) -> bool {
        self.shutdown.load(SeqCst)
    }

    /// The number of tasks in worker `i`'s run queue (its LIFO slot not counted).
    pub(crate) fn local_queue_depth(&self, i: usize) -> usize {
        self.remotes[i].steal.len()
    }

    pub(crate) fn global_queue_depth(&self) -> usize {
        self.inject.len()
    }

    fn schedule_remote(&self, task: Runnable) {
        match self.inject.push(task) {
            Ok(()) => self.notify_parked(),
            // Closed at shutdown: cancel.
            Err(task) => cancel_runnable(task),
        }
    }

    fn notify_parked(&self) {
        if let Some(index) = self.idle.worker_to_notify() {
            self.remotes[index].unparker.unpark();
        }
    }

    fn notify_if_work_pending(&self) {
        if self.remotes.iter().any(|r| !r.steal.is_empty()) || !self.inject.is_empty() {
            self.notify_parked();
        }
    }

    /// Stops the workers, then cancels every task; see [`Runtime`](crate::Runtime).
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) {
        if self.shutdown.swap(true, SeqCst) {
            return;
        }
        self.inject.close();
        self.common.registry.close();
        for remote in self.remotes.iter() {
            remote.unparker.unpark();
        }

        let deadline = timeout.map(|t| Instant::now() + t);
        let me = thread::current().id();
        let workers = self.workers.lock();
        // A worker shutting down its own runtime (from inside a task) does not wait for itself.
        let own = usize::from(workers.threads.iter().any(|t| t.thread().id() == me));
        let mut workers =
            self.common
                .shutdown_wait(&self.workers_cv, workers, deadline, None, |w| w.alive > own);
        let all_stopped = workers.alive == 0;
        let threads = if workers.alive <= own {
            std::mem::take(&mut workers.threads)
        } else {
            Vec::new()
        };
        drop(workers);
        for th in threads {
            if th.thread().id() != me {
                let _ = th.join();
            }
        }

        self.common.finish_shutdown(deadline, || {
            let cores = std::mem::take(&mut self.stopped_cores.lock().cores);
            for core in cores {
                core.cancel_all();
            }
            cancel_all(&self.common.registry, &[&self.inject], all_stopped);
            let late = {
                let mut stopped = self.stopped_cores.lock();
                stopped.drained = true;
                std::mem::take(&mut stopped.cores)
            };
            for core in late {
                core.cancel_all();
            }
        });
        self.common.report_outliving(timeout, None);
    }
}

/// A full local queue overflows into the injector; after shutdown the tasks are cancelled.
struct InjectOverflow<'a>(&'a Inject<Runnable>);

impl queue::Overflow<Runnable> for InjectOverflow<'_> {
    fn push(&self, item: Runnable) {
        if let Err(task) = self.0.push(item) {
            cancel_runnable(task);
        }
    }

    fn push_batch<I: Iterator<Item = Runnable>>(&self, iter: I) {
        if let Err(tasks) = self.0.push_all(iter) {
            tasks.into_iter().for_each(cancel_runnable);
        }
    }
}

impl TaskQueue for Arc<Shared> {
    #[inline]
    fn schedule(&self, task: Runnable, info: ScheduleInfo) {
        let mut slot = Some(task);
        let _ = WORKER.try_with(|w| {
            w.with(|cx| {
                if let Some(cx) = cx {
                    if ptr::eq(&*cx.shared, &**self) {
                        cx.schedule_local(slot.take().expect("task"), info);
                    }
                }
            })
        });
        if let Some(task) = slot {
            self.schedule_remote(task);
        }
    }

    fn common(&self) -> &Common {
        &self.common
    }
}

/// A small xorshift generator for picking steal victims.
#[derive(Debug)]
struct FastRand(u32);

impl FastRand {
    fn new(seed: u32) -> Self {
        FastRand(seed.max(1))
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        ((u64::from(x) * n as u64) >> 32) as usize
    }
}

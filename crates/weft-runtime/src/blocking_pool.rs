//! The blocking pool behind `spawn_blocking`: threads for work that blocks (file I/O, CPU-heavy
//! computation, blocking libraries), so the workers keep running tasks.
//!
//! - Up to `max_blocking_threads` threads (default 512) are started on demand; a job that finds
//!   every thread busy at the cap waits in a FIFO queue.
//! - An idle thread waits `thread_keep_alive` (default 10 s) for a job, then exits.
//! - Shutdown stops accepting jobs, drops (cancels) queued ones, and waits (with an optional time
//!   limit) for running ones to finish.
//!
//! The pool is generic over its job type ([`Job`]) so it is tested without the task cell; the
//! runtime's job is a task's `Runnable` ([`BlockingPool`]), queued by `spawn_blocking`.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use weft_core::loom::sync::{Condvar, Mutex};
use weft_core::task::Runnable;

use crate::config::ThreadCallback;

/// Work for the pool. Dropping a job without running it cancels it.
pub(crate) trait Job: Send + 'static {
    /// Runs the job on a pool thread.
    fn run(self);
}

/// A blocking task: its future runs the closure on its first poll.
impl Job for Runnable {
    fn run(self) {
        Runnable::run(self);
    }
}

/// The runtime's blocking pool.
pub(crate) type BlockingPool = Pool<Runnable>;

/// What a new pool thread runs its loop inside (the runtime's context, so `spawn` works there).
/// Made on the spawning thread, only when a thread starts.
pub(crate) type ThreadBody = Box<dyn FnOnce(&mut dyn FnMut()) + Send>;

/// How pool threads are made.
pub(crate) struct PoolConfig {
    /// Name of every pool thread.
    pub(crate) thread_name: String,
    /// Stack size, or the std default.
    pub(crate) stack_size: Option<usize>,
    /// At most this many threads.
    pub(crate) thread_cap: usize,
    /// Idle threads exit after this long.
    pub(crate) keep_alive: Duration,
    /// Run first on each new thread.
    pub(crate) on_start: Option<ThreadCallback>,
    /// Run last on each thread.
    pub(crate) on_stop: Option<ThreadCallback>,
}

/// The pool (cheap to clone; all clones are the same pool).
pub(crate) struct Pool<J> {
    inner: Arc<Inner<J>>,
}

struct Inner<J> {
    state: Mutex<State<J>>,
    /// Idle threads wait here for jobs.
    condvar: Condvar,
    /// Shutdown waits here for the last thread.
    shutdown_cv: Condvar,
    config: PoolConfig,
}

struct State<J> {
    queue: VecDeque<J>,
    shutdown: bool,
    num_th: usize,
    num_idle: usize,
    /// Idle threads told to take a job (a notify can be spurious on a condvar; this counts real ones).
    num_notify: usize,
    threads: HashMap<usize, JoinHandle<()>>,
    next_id: usize,
    /// The last thread that exited for idleness; joined by the next one to exit, or at shutdown.
    last_exiting: Option<JoinHandle<()>>,
}

impl<J: Job> Pool<J> {
    /// An empty pool; threads start with the first jobs.
    pub(crate) fn new(config: PoolConfig) -> Self {
        assert!(
            config.thread_cap > 0,
            "max_blocking_threads must be at least 1"
        );
        Pool {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    queue: VecDeque::new(),
                    shutdown: false,
                    num_th: 0,
                    num_idle: 0,
                    num_notify: 0,
                    threads: HashMap::new(),
                    next_id: 0,
                    last_exiting: None,
                }),
                condvar: Condvar::new(),
                shutdown_cv: Condvar::new(),
                config,
            }),
        }
    }

    /// Queues `job`, starting a thread for it if none is idle and the cap allows (the thread
    /// runs its loop inside `body()`, which the pool calls only then). The job is handed back
    /// (the caller drops it, which cancels it: its `JoinHandle` resolves to an error) after
    /// shutdown, and when the OS refuses to start a thread while the pool has none (`EAGAIN`
    /// under a lowered `RLIMIT_NPROC`, say), which is also reported on stderr: nobody would run
    /// it. If the pool has a thread, a refused one costs nothing but time: the job waits in the
    /// queue for a running thread, which takes queued jobs before it goes idle.
    pub(crate) fn spawn(&self, job: J, body: &dyn Fn() -> ThreadBody) -> Result<(), J> {
        let mut st = self.inner.state.lock();
        if st.shutdown {
            return Err(job);
        }
        st.queue.push_back(job);
        if st.num_idle > 0 {
            st.num_idle -= 1;
            st.num_notify += 1;
            self.inner.condvar.notify_one();
        } else if st.num_th < self.inner.config.thread_cap {
            let id = st.next_id;
            st.next_id += 1;
            match self.start_thread(id, body()) {
                Ok(th) => {
                    st.num_th += 1;
                    st.threads.insert(id, th);
                }
                Err(e) if st.num_th == 0 => {
                    let job = st.queue.pop_back().expect("the job just queued");
                    drop(st);
                    eprintln!(
                        "weft: spawn_blocking: the OS could not start a blocking thread ({e}) and \
                         the pool has none; the job is cancelled"
                    );
                    return Err(job);
                }
                // Some thread exists and will get to the job.
                Err(_) => {}
            }
        }
        Ok(())
    }

    fn start_thread(&self, id: usize, body: ThreadBody) -> std::io::Result<JoinHandle<()>> {
        let mut b = thread::Builder::new().name(self.inner.config.thread_name.clone());
        if let Some(size) = self.inner.config.stack_size {
            b = b.stack_size(size);
        }
        let inner = self.inner.clone();
        b.spawn(move || body(&mut || inner.run(id)))
    }

    /// Stops the pool: queued jobs are dropped (cancelled), idle threads exit, and this waits for
    /// running jobs to finish, for at most `timeout` if given. Returns whether every thread ended.
    /// Idempotent.
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) -> bool {
        let me = thread::current().id();
        let mut st = self.inner.state.lock();
        st.shutdown = true;
        self.inner.condvar.notify_all();
        let queued = std::mem::take(&mut st.queue);
        let last = st.last_exiting.take();
        let threads: Vec<JoinHandle<()>> = st.threads.drain().map(|(_, h)| h).chain(last).collect();
        // A pool thread shutting down its own pool does not wait for itself.
        let own = usize::from(threads.iter().any(|h| h.thread().id() == me));
        drop(st);
        drop(queued);

        let deadline = timeout.map(|t| Instant::now() + t);
        let st = self.inner.state.lock();
        let (st, timed_out) = self
            .inner
            .shutdown_cv
            .wait_while_until(st, deadline, |st| st.num_th > own);
        drop(st);
        let all_done = !timed_out;
        if all_done {
            for th in threads {
                if th.thread().id() != me {
                    let _ = th.join();
                }
            }
        }
        all_done
    }

    /// Threads currently alive.
    #[cfg(all(test, not(loom)))]
    fn num_threads(&self) -> usize {
        self.inner.state.lock().num_th
    }
}

impl<J: Job> Inner<J> {
    fn run(&self, id: usize) {
        if let Some(f) = &self.config.on_start {
            f();
        }
        let mut st = self.state.lock();
        'main: loop {
            while let Some(job) = st.queue.pop_front() {
                drop(st);
                job.run();
                st = self.state.lock();
            }
            st.num_idle += 1;
            while !st.shutdown {
                let (guard, timed_out) = self.condvar.wait_timeout(st, self.config.keep_alive);
                st = guard;
                if st.num_notify != 0 {
                    // The spawner already took us off the idle count.
                    st.num_notify -= 1;
                    continue 'main;
                }
                if !st.shutdown && timed_out {
                    st.num_idle -= 1;
                    let me = st.threads.remove(&id);
                    let previous = std::mem::replace(&mut st.last_exiting, me);
                    st.num_th -= 1;
                    drop(st);
                    if let Some(previous) = previous {
                        let _ = previous.join();
                    }
                    self.stopped();
                    return;
                }
            }
            // Shutdown: drop (cancel) whatever is still queued.
            while let Some(job) = st.queue.pop_front() {
                drop(st);
                drop(job);
                st = self.state.lock();
            }
            break;
        }
        st.num_th -= 1;
        // Every exit notifies: a shutdown run from a pool thread waits for `num_th == 1`.
        self.shutdown_cv.notify_all();
        drop(st);
        self.stopped();
    }

    fn stopped(&self) {
        if let Some(f) = &self.config.on_stop {
            f();
        }
    }
}

impl fmt::Debug for PoolConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolConfig")
            .field("thread_name", &self.thread_name)
            .field("stack_size", &self.stack_size)
            .field("thread_cap", &self.thread_cap)
            .field("keep_alive", &self.keep_alive)
            .finish_non_exhaustive()
    }
}

/// How many threads and jobs a pool has right now.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PoolCounts {
    pub(crate) threads: usize,
    pub(crate) idle: usize,
    pub(crate) queued: usize,
}

impl<J> Pool<J> {
    /// The pool's threads (all and idle) and queued jobs.
    pub(crate) fn counts(&self) -> PoolCounts {
        let st = self.inner.state.lock();
        PoolCounts {
            threads: st.num_th,
            idle: st.num_idle,
            queued: st.queue.len(),
        }
    }
}

impl<J> Clone for Pool<J> {
    fn clone(&self) -> Self {
        Pool {
            inner: self.inner.clone(),
        }
    }
}

impl<J> fmt::Debug for Pool<J> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.inner.state.lock();
        f.debug_struct("BlockingPool")
            .field("threads", &st.num_th)
            .field("idle", &st.num_idle)
            .field("queued", &st.queue.len())
            .field("cap", &self.inner.config.thread_cap)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Barrier;

    struct F(Box<dyn FnOnce() + Send>);
    impl Job for F {
        fn run(self) {
            (self.0)()
        }
    }

    fn pool(cap: usize, keep_alive: Duration) -> Pool<F> {
        Pool::new(PoolConfig {
            thread_name: "test-blocking".into(),
            stack_size: None,
            thread_cap: cap,
            keep_alive,
            on_start: None,
            on_stop: None,
        })
    }

    /// Pool threads run their loop as is (no runtime context).
    fn plain() -> ThreadBody {
        Box::new(|run| run())
    }

    #[test]
    fn jobs_run_concurrently() {
        let p = pool(4, Duration::from_secs(10));
        let barrier = Arc::new(Barrier::new(3));
        for _ in 0..2 {
            let b = barrier.clone();
            assert!(p
                .spawn(
                    F(Box::new(move || {
                        b.wait();
                    })),
                    &plain
                )
                .is_ok());
        }
        // Both jobs must be inside the barrier at once for this to return.
        barrier.wait();
        assert!(p.shutdown(None));
    }

    #[test]
    fn cap_queues_extra_jobs() {
        let p = pool(1, Duration::from_secs(10));
        let running = Arc::new(AtomicUsize::new(0));
        let max = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicUsize::new(0));
        for _ in 0..5 {
            let (r, m, d) = (running.clone(), max.clone(), done.clone());
            let job = F(Box::new(move || {
                let now = r.fetch_add(1, SeqCst) + 1;
                m.fetch_max(now, SeqCst);
                thread::sleep(Duration::from_millis(5));
                r.fetch_sub(1, SeqCst);
                d.fetch_add(1, SeqCst);
            }));
            assert!(p.spawn(job, &plain).is_ok());
        }
        assert_eq!(p.num_threads(), 1);
        while done.load(SeqCst) < 5 {
            thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(max.load(SeqCst), 1);
        assert!(p.shutdown(None));
    }

    #[test]
    fn idle_threads_exit() {
        let p = pool(4, Duration::from_millis(30));
        let (tx, rx) = std::sync::mpsc::channel();
        assert!(p
            .spawn(F(Box::new(move || tx.send(()).unwrap())), &plain)
            .is_ok());
        rx.recv().unwrap();
        let start = Instant::now();
        while p.num_threads() > 0 {
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "idle thread never exited"
            );
            thread::sleep(Duration::from_millis(5));
        }
        assert!(p.shutdown(None));
    }

    #[test]
    fn after_shutdown_jobs_come_back() {
        let p = pool(2, Duration::from_secs(10));
        assert!(p.shutdown(Some(Duration::from_secs(1))));
        assert!(p.spawn(F(Box::new(|| {})), &plain).is_err());
    }

    #[test]
    fn shutdown_timeout_does_not_wait_for_stuck_job() {
        let p = pool(2, Duration::from_secs(10));
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        assert!(p
            .spawn(
                F(Box::new(move || {
                    started_tx.send(()).unwrap();
                    let _ = rx.recv();
                })),
                &plain
            )
            .is_ok());
        started_rx.recv().unwrap();
        assert!(!p.shutdown(Some(Duration::from_millis(20))));
        drop(tx);
    }
}

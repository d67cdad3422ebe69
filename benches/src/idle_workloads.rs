//! The idle-cost workloads: what a runtime costs while it has (almost) nothing to do. Each one
//! starts on a fresh runtime, so no other runtime's threads run meanwhile, and returns a
//! [`Running`] that stops it: (a) nothing at all, (b) one task ticking a 10 ms interval, (c) 100
//! TCP connections on loopback, each receiving one small message per second from a load thread
//! outside the runtime (blocking std sockets, the same thread for every runtime).

use std::future::Future;
use std::io::Write;
use std::net::{SocketAddr, TcpListener as StdListener, TcpStream as StdStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use futures::io::AsyncReadExt as _;

use crate::{Rt, Smol, Tokio, Weft};

/// The interval of workload (b).
pub const TICK: Duration = Duration::from_millis(10);
/// Connections of workload (c).
pub const CONNS: usize = 100;
/// The bytes of one message of workload (c).
pub const MSG: usize = 32;

/// A started workload: its counter (interval ticks, or bytes received) and what stops it.
pub struct Running {
    /// Ticks seen (b) or bytes received (c).
    pub count: Arc<AtomicUsize>,
    /// The load thread of (c).
    load: Option<LoadThread>,
    /// Dropped before the runtime: smol's tasks would outlive its executor threads otherwise.
    tasks: Vec<Box<dyn Send>>,
}

impl Running {
    fn idle() -> Self {
        Running {
            count: Arc::new(AtomicUsize::new(0)),
            load: None,
            tasks: Vec::new(),
        }
    }

    /// CPU time used so far by the load thread (zero without one).
    pub fn load_cpu(&self) -> Duration {
        self.load.as_ref().map_or(Duration::ZERO, LoadThread::cpu)
    }

    /// Stops the load thread and cancels the tasks (the caller drops the runtime next).
    pub fn stop(mut self) {
        if let Some(load) = self.load.take() {
            load.stop();
        }
        self.tasks.clear();
    }
}

/// A runtime that can run the idle workloads.
pub trait IdleRt: Rt {
    /// Spawns a task that ticks a [`TICK`] interval forever, counting ticks.
    fn spawn_interval(&self, count: Arc<AtomicUsize>) -> Box<dyn Send>;
    /// Binds a listener and spawns an accept loop; each connection's task reads until the end of
    /// the stream, adding the bytes to `count`.
    fn spawn_sink_server(&self, count: Arc<AtomicUsize>) -> (SocketAddr, Box<dyn Send>);
}

/// (a): nothing to do.
pub fn start_nothing<R: IdleRt>(_rt: &R) -> Running {
    Running::idle()
}

/// (b): one task ticking a 10 ms interval.
pub fn start_interval<R: IdleRt>(rt: &R) -> Running {
    let mut run = Running::idle();
    run.tasks.push(rt.spawn_interval(run.count.clone()));
    run
}

/// (c): [`CONNS`] connections, each receiving one [`MSG`]-byte message per second.
pub fn start_connections<R: IdleRt>(rt: &R) -> Running {
    let mut run = Running::idle();
    let (addr, server) = rt.spawn_sink_server(run.count.clone());
    run.tasks.push(server);
    run.load = Some(LoadThread::start(addr));
    run
}

fn block_on_spawned<R: Rt, F>(rt: &R, f: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    rt.block_on(R::spawn(&rt.spawner(), f))
}

impl IdleRt for Weft {
    fn spawn_interval(&self, count: Arc<AtomicUsize>) -> Box<dyn Send> {
        let h = self.spawner().spawn(async move {
            let mut iv = weft::time::interval(TICK);
            loop {
                iv.tick().await;
                count.fetch_add(1, Ordering::Relaxed);
            }
        });
        Box::new(h)
    }

    fn spawn_sink_server(&self, count: Arc<AtomicUsize>) -> (SocketAddr, Box<dyn Send>) {
        let sp = self.spawner();
        let l = block_on_spawned(self, async {
            weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap()
        });
        let addr = l.local_addr().unwrap();
        let h = sp.clone().spawn(async move {
            loop {
                let (s, _) = l.accept().await.unwrap();
                let count = count.clone();
                sp.spawn(async move {
                    let mut b = vec![0u8; 1024];
                    while let Ok(n @ 1..) = s.read(&mut b).await {
                        count.fetch_add(n, Ordering::Relaxed);
                    }
                });
            }
        });
        (addr, Box::new(h))
    }
}

impl IdleRt for Tokio {
    fn spawn_interval(&self, count: Arc<AtomicUsize>) -> Box<dyn Send> {
        let h = self.spawner().spawn(async move {
            let mut iv = tokio::time::interval(TICK);
            loop {
                iv.tick().await;
                count.fetch_add(1, Ordering::Relaxed);
            }
        });
        Box::new(h)
    }

    fn spawn_sink_server(&self, count: Arc<AtomicUsize>) -> (SocketAddr, Box<dyn Send>) {
        use tokio::io::AsyncReadExt;
        let sp = self.spawner();
        let l = block_on_spawned(self, async {
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()
        });
        let addr = l.local_addr().unwrap();
        let h = sp.clone().spawn(async move {
            loop {
                let (mut s, _) = l.accept().await.unwrap();
                let count = count.clone();
                sp.spawn(async move {
                    let mut b = vec![0u8; 1024];
                    while let Ok(n @ 1..) = s.read(&mut b).await {
                        count.fetch_add(n, Ordering::Relaxed);
                    }
                });
            }
        });
        (addr, Box::new(h))
    }
}

impl IdleRt for Smol {
    fn spawn_interval(&self, count: Arc<AtomicUsize>) -> Box<dyn Send> {
        use futures::StreamExt;
        let t = self.spawner().spawn(async move {
            let mut iv = async_io::Timer::interval(TICK);
            loop {
                iv.next().await;
                count.fetch_add(1, Ordering::Relaxed);
            }
        });
        Box::new(t)
    }

    fn spawn_sink_server(&self, count: Arc<AtomicUsize>) -> (SocketAddr, Box<dyn Send>) {
        let sp = self.spawner();
        let l = async_io::Async::<StdListener>::bind(([127, 0, 0, 1], 0)).unwrap();
        let addr = l.get_ref().local_addr().unwrap();
        // The connection tasks are kept by the accept loop's task, so dropping it cancels them.
        let t = sp.clone().spawn(async move {
            let mut conns = Vec::new();
            loop {
                let (mut s, _) = l.accept().await.unwrap();
                let count = count.clone();
                conns.push(sp.spawn(async move {
                    let mut b = vec![0u8; 1024];
                    while let Ok(n @ 1..) = s.read(&mut b).await {
                        count.fetch_add(n, Ordering::Relaxed);
                    }
                }));
            }
        });
        (addr, Box::new(t))
    }
}

/// The sending side of (c): one thread with [`CONNS`] blocking sockets, writing one message every
/// `1 s / CONNS` to the next connection in turn (so each receives one per second), on an absolute
/// schedule.
struct LoadThread {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl LoadThread {
    fn start(addr: SocketAddr) -> Self {
        let conns: Vec<StdStream> = (0..CONNS)
            .map(|_| {
                let s = StdStream::connect(addr).unwrap();
                s.set_nodelay(true).unwrap();
                s
            })
            .collect();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut conns = conns;
            let gap = Duration::from_secs(1) / CONNS as u32;
            let mut next = Instant::now();
            let msg = [7u8; MSG];
            let mut i = 0;
            while !stop2.load(Ordering::Relaxed) {
                conns[i % CONNS].write_all(&msg).unwrap();
                i += 1;
                next += gap;
                if let Some(d) = next.checked_duration_since(Instant::now()) {
                    std::thread::sleep(d);
                }
            }
        });
        LoadThread { stop, thread }
    }

    /// The thread's CPU time so far (its own CPU clock).
    fn cpu(&self) -> Duration {
        use std::os::unix::thread::JoinHandleExt;
        let mut clock: libc::clockid_t = 0;
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: the thread has not been joined (we hold its handle), so its pthread id is valid;
        // both calls only write through the pointers given.
        unsafe {
            assert_eq!(
                libc::pthread_getcpuclockid(self.thread.as_pthread_t(), &mut clock),
                0
            );
            assert_eq!(libc::clock_gettime(clock, &mut ts), 0);
        }
        Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
    }

    fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap();
    }
}

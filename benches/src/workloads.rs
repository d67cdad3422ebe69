//! The executor benchmark programs (spawning, yielding, ping-pong, chained spawns), generic over
//! the runtime.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::Rt;

pub const SPAWN_MANY: usize = 10_000;
pub const YIELD_TASKS: usize = 200;
pub const YIELDS: usize = 1_000;
pub const PING_PONG_ROUNDS: usize = 1_000;
pub const CHAIN_DEPTH: usize = 1_000;

/// 10,000 spawns from inside a task, then await them all.
pub fn spawn_many_local<R: Rt>(rt: &R) {
    let sp = rt.spawner();
    let total = rt.block_on(R::spawn(&sp.clone(), async move {
        let mut handles = Vec::with_capacity(SPAWN_MANY);
        for i in 0..SPAWN_MANY {
            handles.push(R::spawn(&sp, async move { i }));
        }
        let mut total = 0;
        for h in handles {
            total += h.await;
        }
        total
    }));
    assert_eq!(total, SPAWN_MANY * (SPAWN_MANY - 1) / 2);
}

/// 10,000 spawns from outside the runtime (the block_on thread), then await them all.
pub fn spawn_many_remote<R: Rt>(rt: &R) {
    let sp = rt.spawner();
    let handles: Vec<_> = (0..SPAWN_MANY)
        .map(|i| R::spawn(&sp, async move { i }))
        .collect();
    let total = rt.block_on(async move {
        let mut total = 0;
        for h in handles {
            total += h.await;
        }
        total
    });
    assert_eq!(total, SPAWN_MANY * (SPAWN_MANY - 1) / 2);
}

/// 200 tasks x 1,000 yields each.
pub fn yield_many<R: Rt>(rt: &R) {
    let sp = rt.spawner();
    let done = rt.block_on(async move {
        let handles: Vec<_> = (0..YIELD_TASKS)
            .map(|_| {
                R::spawn(&sp, async {
                    for _ in 0..YIELDS {
                        R::yield_now().await;
                    }
                })
            })
            .collect();
        let mut n = 0;
        for h in handles {
            h.await;
            n += 1;
        }
        n
    });
    assert_eq!(done, YIELD_TASKS);
}

/// 1,000 rounds: a task spawns a task that answers through a oneshot, which the first awaits.
pub fn ping_pong<R: Rt>(rt: &R) {
    let sp = rt.spawner();
    let rounds = rt.block_on(R::spawn(&sp.clone(), async move {
        let mut rounds = 0;
        for i in 0..PING_PONG_ROUNDS {
            let (send_ping, ping) = R::oneshot::<usize>();
            let (send_pong, pong) = R::oneshot::<usize>();
            let _answerer = R::spawn(&sp, async move {
                let n = ping.await;
                send_pong(n + 1);
            });
            send_ping(i);
            assert_eq!(pong.await, i + 1);
            rounds += 1;
        }
        rounds
    }));
    assert_eq!(rounds, PING_PONG_ROUNDS);
}

/// A chain of 1,000 tasks, each spawning the next; the last one signals the outside.
pub fn chained_spawn<R: Rt>(rt: &R) {
    fn link<R: Rt>(sp: R::Spawner, depth: usize, done: Box<dyn FnOnce(usize) + Send>) {
        if depth == 0 {
            done(CHAIN_DEPTH);
            return;
        }
        let next = sp.clone();
        R::detach(R::spawn(
            &sp,
            async move { link::<R>(next, depth - 1, done) },
        ));
    }
    let sp = rt.spawner();
    let n = rt.block_on(async move {
        let (send, recv) = R::oneshot::<usize>();
        link::<R>(sp, CHAIN_DEPTH, Box::new(send));
        recv.await
    });
    assert_eq!(n, CHAIN_DEPTH);
}

/// Spawns `n` tasks that stay pending and returns the heap bytes they cost, per task: as
/// requested, and as the allocator holds them (see `alloc_count`). Each task's future captures an
/// `Arc` (8 bytes), the counter that says when every task was polled.
pub fn bytes_per_pending_task<R: Rt>(rt: &R, n: usize) -> (f64, f64) {
    let started = Arc::new(AtomicUsize::new(0));
    let polled = started.clone();
    pending_task_bytes(
        rt,
        n,
        move || {
            let started = started.clone();
            async move {
                started.fetch_add(1, Ordering::Relaxed);
                std::future::pending::<()>().await
            }
        },
        move || polled.load(Ordering::Relaxed),
    )
}

/// [`bytes_per_pending_task`] for the smallest task: a future that captures nothing (the size of
/// `async {}`; it counts itself in a static).
pub fn bytes_per_pending_empty_task<R: Rt>(rt: &R, n: usize) -> (f64, f64) {
    static STARTED: AtomicUsize = AtomicUsize::new(0);
    let base = STARTED.load(Ordering::Relaxed);
    pending_task_bytes(
        rt,
        n,
        || async {
            STARTED.fetch_add(1, Ordering::Relaxed);
            std::future::pending::<()>().await
        },
        move || STARTED.load(Ordering::Relaxed) - base,
    )
}

fn pending_task_bytes<R: Rt, F>(
    rt: &R,
    n: usize,
    task: impl Fn() -> F,
    polled: impl Fn() -> usize,
) -> (f64, f64)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let sp = rt.spawner();
    // Warm the runtime's own structures (queues, registries) before measuring.
    let warm: Vec<_> = (0..1024)
        .map(|_| R::spawn(&sp, std::future::pending::<()>()))
        .collect();
    rt.block_on(async {
        for _ in 0..10 {
            R::yield_now().await;
        }
    });
    let before = crate::alloc_count::live_bytes();
    let before_footprint = crate::alloc_count::live_footprint();
    let handles: Vec<_> = (0..n).map(|_| R::spawn(&sp, task())).collect();
    // Wait until every task was polled once, so each sits pending in its cell.
    while polled() < n {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let after = crate::alloc_count::live_bytes();
    let after_footprint = crate::alloc_count::live_footprint();
    // The handles Vec itself is not task memory (one large block: its footprint is its size plus
    // the chunk header, nothing worth subtracting separately).
    let handles_vec = (handles.capacity() * std::mem::size_of::<R::Handle<()>>()) as f64;
    let per_task = (
        (after as f64 - before as f64 - handles_vec) / n as f64,
        (after_footprint as f64 - before_footprint as f64 - handles_vec) / n as f64,
    );
    std::mem::forget(handles); // dropping smol's Task cancels; keep the three equal and cheap
    std::mem::forget(warm);
    per_task
}

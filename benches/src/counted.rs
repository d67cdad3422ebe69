//! The executor workloads of `compare` with the number of operations as a parameter, for counting
//! instructions per operation (`instr`): a run of `n` operations and one of `3n` differ only in
//! the operations, so the difference of their counts divided by `2n` leaves out everything else
//! (start-up, the runtime's threads, exit).

use crate::Rt;

/// Tasks spawned back to back before they are joined in `spawn`.
pub const SPAWN_BATCH: usize = 100;
/// Tasks yielding at once in `yield_now`.
pub const YIELD_TASKS: usize = 10;
/// Capacity of the channel in `mpsc`.
pub const MPSC_CAPACITY: usize = 1024;

/// `n` spawn + run + join of a task that returns at once, from the future passed to `block_on`:
/// `SPAWN_BATCH` spawns, then the awaits of their handles.
pub fn spawn<R: Rt>(rt: &R, n: usize) {
    let sp = rt.spawner();
    let total = rt.block_on(async move {
        let mut handles = Vec::with_capacity(SPAWN_BATCH);
        let mut total = 0;
        let mut i = 0;
        while i < n {
            let end = n.min(i + SPAWN_BATCH);
            handles.extend((i..end).map(|i| R::spawn(&sp, async move { i })));
            for h in handles.drain(..) {
                total += h.await;
            }
            i = end;
        }
        total
    });
    assert_eq!(total, n * n.saturating_sub(1) / 2);
}

/// `n` yields in all: `YIELD_TASKS` tasks, each yielding `n / YIELD_TASKS` times (so both run
/// lengths spawn the same tasks). A yield is one `Pending` and the task's rescheduling.
pub fn yield_now<R: Rt>(rt: &R, n: usize) {
    let sp = rt.spawner();
    let per_task = n / YIELD_TASKS;
    rt.block_on(async move {
        let handles: Vec<_> = (0..YIELD_TASKS)
            .map(|_| {
                R::spawn(&sp, async move {
                    for _ in 0..per_task {
                        R::yield_now().await;
                    }
                })
            })
            .collect();
        for h in handles {
            h.await;
        }
    });
}

/// `n` rounds, as `compare`'s `ping_pong`: a task spawns a task that answers through a oneshot,
/// which the first awaits.
pub fn ping_pong<R: Rt>(rt: &R, n: usize) {
    let sp = rt.spawner();
    let rounds = rt.block_on(R::spawn(&sp.clone(), async move {
        let mut rounds = 0;
        for i in 0..n {
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
    assert_eq!(rounds, n);
}

/// A chain of `n` tasks, each spawning the next (and dropping its handle), as `compare`'s
/// `chained_spawn`; the last one answers the `block_on` future through a oneshot.
pub fn chained_spawn<R: Rt>(rt: &R, n: usize) {
    fn link<R: Rt>(sp: R::Spawner, depth: usize, done: Box<dyn FnOnce(usize) + Send>) {
        if depth == 0 {
            done(0);
            return;
        }
        let next = sp.clone();
        R::detach(R::spawn(
            &sp,
            async move { link::<R>(next, depth - 1, done) },
        ));
    }
    let sp = rt.spawner();
    let out = rt.block_on(async move {
        let (send, recv) = R::oneshot::<usize>();
        link::<R>(sp, n, Box::new(send));
        recv.await
    });
    assert_eq!(out, 0);
}

/// One producer task sends `n` numbers through a bounded channel (`MPSC_CAPACITY`) of the
/// runtime's own ecosystem to one consumer task: `$channel(capacity)`, `$send(&tx, v)` (a future)
/// and `$recv(&mut rx)` (a future of `Option<u64>`).
macro_rules! mpsc_workload {
    ($name:ident, $doc:literal, $channel:expr, |$tx:ident, $v:ident| $send:expr, |$rx:ident| $recv:expr) => {
        #[doc = $doc]
        pub fn $name<R: Rt>(rt: &R, n: usize) {
            let sp = rt.spawner();
            let sum = rt.block_on(R::spawn(&sp.clone(), async move {
                let (tx, mut rx) = $channel(MPSC_CAPACITY);
                R::detach(R::spawn(&sp, async move {
                    let $tx = &tx;
                    for $v in 0..n as u64 {
                        $send;
                    }
                }));
                let mut sum = 0;
                loop {
                    let $rx = &mut rx;
                    match $recv {
                        Some(v) => sum += v,
                        None => break,
                    }
                }
                sum
            }));
            let n = n as u64;
            assert_eq!(
                sum,
                n * n.saturating_sub(1) / 2,
                "lost or duplicated messages"
            );
        }
    };
}

mpsc_workload!(
    mpsc_weft,
    "`n` messages through `weft::sync::mpsc::channel`.",
    weft::sync::mpsc::channel::<u64>,
    |tx, v| tx.send(v).await.unwrap(),
    |rx| rx.recv().await
);

mpsc_workload!(
    mpsc_tokio,
    "`n` messages through `tokio::sync::mpsc::channel`.",
    tokio::sync::mpsc::channel::<u64>,
    |tx, v| tx.send(v).await.unwrap(),
    |rx| rx.recv().await
);

mpsc_workload!(
    mpsc_smol,
    "`n` messages through `async_channel::bounded` (smol's).",
    async_channel::bounded::<u64>,
    |tx, v| tx.send(v).await.unwrap(),
    |rx| rx.recv().await.ok()
);

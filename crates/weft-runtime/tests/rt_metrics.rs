//! `Handle::metrics()`: the counters move as known workloads say they must, on both flavours.
#![allow(missing_docs)]

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use weft_runtime::{Builder, Runtime};

fn current() -> Runtime {
    Builder::new_current_thread().build().unwrap()
}

fn multi() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

fn wait_until(cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "condition not met within 10 s");
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn sum(n: usize, f: impl Fn(usize) -> u64) -> u64 {
    (0..n).map(f).sum()
}

fn spawns_count_and_polls(rt: Runtime) {
    let m = rt.handle().metrics();
    assert_eq!(m.spawned_tasks_count(), 0);
    let polls_before = sum(m.num_workers(), |i| m.worker_poll_count(i));
    rt.block_on(async {
        let tasks: Vec<_> = (0..100u32)
            .map(|i| weft_runtime::spawn(async move { i }))
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert_eq!(m.spawned_tasks_count(), 100);
    // Every task ended; the registry forgets a task just after its JoinHandle is woken, so wait
    // for the last one.
    wait_until(|| m.num_alive_tasks() == 0);
    // Workers publish their poll counts in batches, when they park or turn the park hook.
    wait_until(|| sum(m.num_workers(), |i| m.worker_poll_count(i)) - polls_before >= 100);
}

#[test]
fn spawns_count_and_polls_current_thread() {
    spawns_count_and_polls(current());
}

#[test]
fn spawns_count_and_polls_multi_thread() {
    spawns_count_and_polls(multi());
}

#[test]
fn local_spawns_count_too() {
    let rt = current();
    rt.block_on(async {
        for _ in 0..5 {
            weft_runtime::spawn_local(async {}).await.unwrap();
        }
    });
    assert_eq!(rt.handle().metrics().spawned_tasks_count(), 5);
}

#[test]
fn alive_tasks_and_global_queue_depth_before_anything_runs() {
    // A current-thread runtime runs nothing until some thread enters block_on: tasks spawned
    // from outside wait in the global queue.
    let rt = current();
    let tasks: Vec<_> = (0..7).map(|_| rt.spawn(async {})).collect();
    let m = rt.handle().metrics();
    assert_eq!(m.num_alive_tasks(), 7);
    assert_eq!(m.global_queue_depth(), 7);
    assert_eq!(m.worker_local_queue_depth(0), 0);
    rt.block_on(async {
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert_eq!(m.global_queue_depth(), 0);
    wait_until(|| m.num_alive_tasks() == 0);
}

#[test]
fn parks_when_idle_and_counts_busy_time() {
    for rt in [current(), multi()] {
        let m = rt.handle().metrics();
        rt.block_on(async {
            // Busy for a while on a worker, then idle while a blocking job sleeps.
            weft_runtime::spawn(async {
                let start = Instant::now();
                while start.elapsed() < Duration::from_millis(5) {
                    std::hint::spin_loop();
                }
            })
            .await
            .unwrap();
            weft_runtime::spawn_blocking(|| std::thread::sleep(Duration::from_millis(30)))
                .await
                .unwrap();
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        while sum(m.num_workers(), |i| m.worker_park_count(i)) == 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        let parks = sum(m.num_workers(), |i| m.worker_park_count(i));
        assert!(parks > 0, "{m:?}: no worker ever parked");
        let busy: Duration = (0..m.num_workers())
            .map(|i| m.worker_busy_duration(i))
            .sum();
        assert!(busy >= Duration::from_millis(5), "busy {busy:?}");
    }
}

#[test]
fn a_worker_with_a_long_queue_gets_robbed() {
    let rt = multi();
    let m = rt.handle().metrics();
    let deadline = Instant::now() + Duration::from_secs(20);
    // One task spawns many slow tasks onto its own worker's queue; the other worker, woken to
    // share the work, steals half of it.
    while sum(2, |i| m.worker_steal_count(i)) == 0 {
        assert!(
            Instant::now() < deadline,
            "no steal after 20 s of trying: {m:?}"
        );
        rt.block_on(async {
            weft_runtime::spawn(async {
                let tasks: Vec<_> = (0..64)
                    .map(|_| {
                        weft_runtime::spawn(async {
                            let start = Instant::now();
                            while start.elapsed() < Duration::from_micros(200) {
                                std::hint::spin_loop();
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
            })
            .await
            .unwrap();
        });
    }
    // Workers publish their poll counts when they park or turn the park hook.
    wait_until(|| sum(2, |i| m.worker_poll_count(i)) >= 65);
}

#[test]
fn blocking_pool_counts() {
    for rt in [current(), multi()] {
        let m = rt.handle().metrics();
        assert_eq!(m.num_blocking_threads(), 0);
        let start = Arc::new(Barrier::new(2));
        let finish = Arc::new(Barrier::new(2));
        let (s, f) = (start.clone(), finish.clone());
        let job = rt.spawn_blocking(move || {
            s.wait();
            f.wait();
        });
        start.wait();
        assert_eq!(m.num_blocking_threads(), 1);
        assert_eq!(m.num_idle_blocking_threads(), 0);
        assert_eq!(m.blocking_queue_depth(), 0);
        finish.wait();
        rt.block_on(job).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while m.num_idle_blocking_threads() != 1 {
            assert!(Instant::now() < deadline, "{m:?}");
            std::thread::sleep(Duration::from_millis(1));
        }
        // The executor alone has no reactor or timers.
        assert_eq!(m.io_driver_ready_count(), 0);
        assert_eq!(m.timers_fired_count(), 0);
    }
}

#[test]
#[should_panic(expected = "worker index 2 out of range: this runtime has 2 worker(s)")]
fn a_worker_index_out_of_range_panics_with_the_count() {
    multi().handle().metrics().worker_poll_count(2);
}

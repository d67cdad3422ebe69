//! The task cell under real threads: two workers run tasks while another thread wakes them and
//! a third aborts some. Every task ends exactly once, with the right result, and nothing leaks.
//! (The interleavings are explored exhaustively, on smaller cases, by `loom_task.rs`.)

mod task_support;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Poll, Waker};
use std::thread;

use task_support::*;
use weft_core::task::{self, Runnable, Schedule, ScheduleInfo, SpawnOptions};

/// A tiny thread pool: a locked queue and a condition variable.
#[derive(Default)]
struct Pool {
    queue: Mutex<VecDeque<Runnable>>,
    ready: Condvar,
    shutdown: AtomicBool,
    scheduled: AtomicUsize,
}

impl Schedule for Pool {
    fn schedule(&self, task: Runnable, _info: ScheduleInfo) {
        self.scheduled.fetch_add(1, SeqCst);
        self.queue.lock().unwrap().push_back(task);
        self.ready.notify_one();
    }
}

impl Pool {
    fn work(&self) {
        loop {
            let next = {
                let mut q = self.queue.lock().unwrap();
                loop {
                    if let Some(r) = q.pop_front() {
                        break Some(r);
                    }
                    if self.shutdown.load(SeqCst) {
                        break None;
                    }
                    q = self.ready.wait(q).unwrap();
                }
            };
            match next {
                Some(r) => {
                    r.run();
                }
                None => return,
            }
        }
    }
}

#[test]
fn many_tasks_woken_and_aborted_from_other_threads() {
    let _g = serial();
    for _ in 0..10 {
        round();
    }
}

fn round() {
    const TASKS: usize = 200;
    const POLLS: usize = 40;
    let base = task::live_task_count();
    let pool = Arc::new(Pool::default());
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let pool = pool.clone();
            thread::spawn(move || pool.work())
        })
        .collect();

    // Wakers parked by pending tasks; a waker thread drains and wakes them.
    let parked: Arc<Mutex<Vec<Waker>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let waker_thread = {
        let parked = parked.clone();
        let stop = stop.clone();
        thread::spawn(move || {
            while !stop.load(SeqCst) {
                let batch: Vec<Waker> = std::mem::take(&mut *parked.lock().unwrap());
                for (i, w) in batch.into_iter().enumerate() {
                    if i % 2 == 0 {
                        w.wake_by_ref();
                        w.wake();
                    } else {
                        let extra = w.clone();
                        drop(w);
                        extra.wake();
                    }
                }
                thread::yield_now();
            }
        })
    };

    let mut handles = Vec::new();
    let mut all_counts = Vec::new();
    for i in 0..TASKS {
        let counts = Counts::new();
        let parked = parked.clone();
        let mut n = 0;
        let fut = Probe::new(&counts, move |cx| {
            n += 1;
            if n == POLLS {
                return Poll::Ready(());
            }
            if n % 3 == 0 {
                cx.waker().wake_by_ref(); // a yield
            } else {
                parked.lock().unwrap().push(cx.waker().clone());
            }
            Poll::Pending
        });
        let opts = SpawnOptions::new().name(format!("t{i}"));
        let (r, h) = task::spawn(fut, pool.clone(), opts);
        r.schedule();
        handles.push(h);
        all_counts.push(counts);
    }

    // Abort every fifth task from another thread while they run (JoinHandle is Sync).
    thread::scope(|s| {
        s.spawn(|| {
            for h in handles.iter().step_by(5) {
                h.abort();
                thread::yield_now();
            }
        });
    });

    let mut cancelled = 0;
    for (i, h) in handles.into_iter().enumerate() {
        let res = futures_executor::block_on(h);
        match res {
            Ok(out) => {
                assert_eq!(all_counts[i].polls(), POLLS);
                drop(out);
            }
            Err(e) => {
                assert!(e.is_cancelled(), "{e}");
                assert_eq!(i % 5, 0, "only aborted tasks may be cancelled");
                assert!(all_counts[i].polls() < POLLS);
                cancelled += 1;
            }
        }
    }
    assert!(cancelled <= TASKS / 5);
    stop.store(true, SeqCst);
    waker_thread.join().unwrap();
    parked.lock().unwrap().clear();
    pool.shutdown.store(true, SeqCst);
    pool.ready.notify_all();
    for w in workers {
        w.join().unwrap();
    }
    for c in &all_counts {
        assert_eq!(c.future_drops(), 1);
        assert!(c.output_drops() <= 1);
    }
    assert!(pool.queue.lock().unwrap().is_empty());
    assert_eq!(task::live_task_count(), base);
}

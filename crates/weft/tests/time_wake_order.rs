//! Regression: timers that expire in the same reactor turn must run their tasks in deadline order.
//! On the multi-thread runtime the worker's LIFO slot (meant for a task woken by the running task)
//! once caught wakes from the park hook too, so the last timer of a turn ran first.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use weft::runtime::{Builder, Runtime};

/// Spawns sleepers of 30, 10 and 20 ms, stalls the runtime's only thread past every deadline (so
/// all three expire in one turn), and returns the order in which the sleepers woke.
fn wake_order(rt: Runtime, stall_in_a_task: bool) -> Vec<u64> {
    let order = Arc::new(Mutex::new(Vec::new()));
    rt.block_on(async {
        let sleepers: Vec<_> = [30u64, 10, 20]
            .into_iter()
            .map(|ms| {
                let order = order.clone();
                weft::spawn(async move {
                    weft::time::sleep(Duration::from_millis(ms)).await;
                    order.lock().unwrap().push(ms);
                })
            })
            .collect();
        let stall = || std::thread::sleep(Duration::from_millis(80));
        if stall_in_a_task {
            // Multi-thread: hold the only worker.
            weft::spawn(async move { stall() }).await.unwrap();
        } else {
            // Current-thread: let each sleeper register its timer, then hold the thread.
            weft::task::yield_now().await;
            stall();
        }
        for s in sleepers {
            s.await.unwrap();
        }
    });
    let order = order.lock().unwrap().clone();
    order
}

#[test]
fn timers_expiring_together_run_in_deadline_order_multi_thread() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    assert_eq!(wake_order(rt, true), [10, 20, 30]);
}

#[test]
fn timers_expiring_together_run_in_deadline_order_current_thread() {
    let rt = Builder::new_current_thread().build().unwrap();
    assert_eq!(wake_order(rt, false), [10, 20, 30]);
}

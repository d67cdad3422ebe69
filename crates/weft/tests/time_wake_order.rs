//! Regression: timers that expire in the same reactor turn must run their tasks in deadline order
//! on the multi-thread runtime. The worker's LIFO slot (meant for a task woken by the running task)
//! once caught wakes from the park hook too, so the last timer of a turn ran first.

use std::sync::{Arc, Mutex};
use std::time::Duration;

#[test]
fn timers_expiring_together_run_in_deadline_order_multi_thread() {
    let rt = weft::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
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
        // Hold the only worker past every deadline, so all three expire in one turn.
        weft::spawn(async { std::thread::sleep(Duration::from_millis(80)) })
            .await
            .unwrap();
        for s in sleepers {
            s.await.unwrap();
        }
    });
    assert_eq!(*order.lock().unwrap(), [10, 20, 30]);
}

#[test]
fn timers_expiring_together_run_in_deadline_order_current_thread() {
    let rt = weft::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
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
        weft::task::yield_now().await; // let each sleeper register its timer
        std::thread::sleep(Duration::from_millis(80));
        for s in sleepers {
            s.await.unwrap();
        }
    });
    assert_eq!(*order.lock().unwrap(), [10, 20, 30]);
}

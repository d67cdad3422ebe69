//! Wakers that outlive their runtime, woken from a thread that never saw a runtime: the wakers of
//! tasks waiting on a socket, a timer, a channel and nothing at all, and the waker of
//! `block_on`'s own future. Waking, cloning and dropping them after the runtime is gone does
//! nothing harmful: no crash, no task run, and (checked when the suite runs under
//! AddressSanitizer) no leak and no use after free. Both flavours.

use std::future::poll_fn;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

type Kept = Arc<Mutex<Vec<Waker>>>;

/// A future that keeps a clone of every waker it is polled with in `kept`, then waits for `inner`.
async fn keep_waker<F: std::future::Future>(kept: Kept, inner: F) -> F::Output {
    let mut inner = std::pin::pin!(inner);
    poll_fn(move |cx| {
        kept.lock().unwrap().push(cx.waker().clone());
        inner.as_mut().poll(cx)
    })
    .await
}

fn run_and_keep_wakers(rt: weft::runtime::Runtime) -> Vec<Waker> {
    let kept: Kept = Arc::default();
    let k = kept.clone();
    rt.block_on(async move {
        let listener = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (_tx, mut rx) = weft::sync::mpsc::channel::<u8>(1);
        let waiting = [
            weft::spawn(keep_waker(k.clone(), async move {
                let _ = listener.accept().await;
            })),
            weft::spawn(keep_waker(
                k.clone(),
                weft::time::sleep(Duration::from_secs(3600)),
            )),
            weft::spawn(keep_waker(k.clone(), async move {
                let _ = rx.recv().await;
                drop(_tx);
            })),
            weft::spawn(keep_waker(k.clone(), std::future::pending::<()>())),
        ];
        // Let every task reach its wait (each keeps its waker on its first poll).
        while k.lock().unwrap().len() < waiting.len() {
            weft::time::sleep(Duration::from_millis(1)).await;
        }
        // And `block_on`'s own waker.
        let mut once = false;
        poll_fn(|cx| {
            k.lock().unwrap().push(cx.waker().clone());
            if once {
                Poll::Ready(())
            } else {
                once = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        })
        .await;
        // The tasks stay pending: dropping the runtime cancels them.
        drop(waiting);
    });
    drop(rt);
    let wakers = std::mem::take(&mut *kept.lock().unwrap());
    assert!(wakers.len() >= 5, "kept {} wakers", wakers.len());
    wakers
}

fn wake_from_a_thread_that_never_saw_a_runtime(wakers: Vec<Waker>) {
    std::thread::spawn(move || {
        assert!(weft::runtime::Handle::try_current().is_err());
        for w in &wakers {
            w.wake_by_ref();
            let c = w.clone();
            c.wake_by_ref();
            c.wake();
        }
        // A second round after the first wakes already ran on the dead tasks.
        for w in &wakers {
            w.wake_by_ref();
        }
        for w in wakers {
            w.wake();
        }
    })
    .join()
    .expect("waking after the runtime is gone must not panic");
}

#[test]
fn current_thread_wakers_woken_after_the_runtime_is_gone() {
    let rt = weft::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    wake_from_a_thread_that_never_saw_a_runtime(run_and_keep_wakers(rt));
}

#[test]
fn multi_thread_wakers_woken_after_the_runtime_is_gone() {
    let rt = weft::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    wake_from_a_thread_that_never_saw_a_runtime(run_and_keep_wakers(rt));
}

#[test]
fn wakers_dropped_on_a_foreign_thread_without_waking() {
    // The last reference to a cancelled task's cell may be a waker dropped far away.
    let rt = weft::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let wakers = run_and_keep_wakers(rt);
    std::thread::spawn(move || drop(wakers)).join().unwrap();
}

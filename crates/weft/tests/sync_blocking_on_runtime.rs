//! weft-sync's `blocking_*` methods on real runtime threads: inside a task (both flavours) and
//! inside `block_on` they panic with a clear message instead of blocking the thread; on the
//! blocking pool they work.
#![allow(missing_docs)]

use std::time::Duration;

use weft::sync::{mpsc, oneshot, Mutex};

fn runtimes() -> [(&'static str, weft::runtime::Runtime); 2] {
    [
        (
            "current_thread",
            weft::runtime::Builder::new_current_thread()
                .build()
                .unwrap(),
        ),
        (
            "multi_thread",
            weft::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .build()
                .unwrap(),
        ),
    ]
}

fn panic_text(err: weft::task::JoinError) -> String {
    let payload = err.into_panic();
    payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn blocking_recv_in_a_task_panics_instead_of_stalling_the_worker() {
    for (name, rt) in runtimes() {
        let (tx, rx) = oneshot::channel::<u8>();
        let err = rt
            .block_on(rt.spawn(async move { rx.blocking_recv() }))
            .unwrap_err();
        assert!(err.is_panic(), "{name}");
        let text = panic_text(err);
        assert!(
            text.starts_with(
                "oneshot::Receiver::blocking_recv was called on a weft runtime thread"
            ),
            "{name}: {text}"
        );
        drop(tx);
    }
}

#[test]
fn blocking_send_and_lock_in_a_task_panic() {
    for (name, rt) in runtimes() {
        let (tx, _rx) = mpsc::channel::<u8>(1);
        let err = rt
            .block_on(rt.spawn(async move { tx.blocking_send(1) }))
            .unwrap_err();
        assert!(
            panic_text(err).starts_with("mpsc::Sender::blocking_send"),
            "{name}"
        );

        let lock = std::sync::Arc::new(Mutex::new(0));
        let l = lock.clone();
        let err = rt
            .block_on(rt.spawn(async move {
                *l.blocking_lock() += 1;
            }))
            .unwrap_err();
        assert!(
            panic_text(err).starts_with("Mutex::blocking_lock"),
            "{name}"
        );
        assert_eq!(*rt.block_on(lock.lock()), 0, "{name}: nothing was locked");
    }
}

#[test]
#[should_panic(expected = "mpsc::Receiver::blocking_recv was called on a weft runtime thread")]
fn blocking_recv_inside_block_on_panics() {
    let (_tx, mut rx) = mpsc::channel::<u8>(1);
    weft::block_on(async move { rx.blocking_recv() });
}

#[test]
fn blocking_methods_work_on_the_blocking_pool() {
    for (name, rt) in runtimes() {
        let got = rt.block_on(async {
            let (tx, mut rx) = mpsc::channel::<u8>(1);
            let receiver = weft::spawn_blocking(move || rx.blocking_recv());
            weft::time::sleep(Duration::from_millis(1)).await;
            tx.send(9).await.unwrap();
            receiver.await.unwrap()
        });
        assert_eq!(got, Some(9), "{name}");
    }
}

//! The `blocking_*` methods: they work on a plain thread, and on a thread marked as running a
//! runtime's tasks (`weft_core::blocking`, which weft's workers and `block_on` set) they panic with
//! a message naming the method, before blocking anything. (The facade's tests run the same on
//! real runtime threads of both flavours.)
#![cfg(not(loom))]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::thread;

use weft_sync::{broadcast, mpsc, oneshot, Mutex};

/// Runs `f` on a thread marked as a runtime thread; returns the panic message.
fn panic_on_runtime_thread(f: impl FnOnce() + Send + 'static) -> String {
    thread::spawn(move || {
        let _marked = weft_core::blocking::enter_runtime_thread().expect("a fresh thread");
        let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("blocking was allowed");
        payload
            .downcast_ref::<String>()
            .cloned()
            .expect("a formatted panic message")
    })
    .join()
    .unwrap()
}

fn assert_refused(message: &str, operation: &str) {
    assert!(
        message.starts_with(operation) && message.contains("weft runtime thread"),
        "{message}"
    );
    assert!(
        message.contains("spawn_blocking"),
        "says what to do: {message}"
    );
}

#[test]
fn every_blocking_method_refuses_a_runtime_thread() {
    let (tx, _rx) = mpsc::channel::<u8>(1);
    let msg = panic_on_runtime_thread(move || {
        let _ = tx.blocking_send(1);
    });
    assert_refused(&msg, "mpsc::Sender::blocking_send");

    let (_tx, mut rx) = mpsc::channel::<u8>(1);
    let msg = panic_on_runtime_thread(move || {
        let _ = rx.blocking_recv();
    });
    assert_refused(&msg, "mpsc::Receiver::blocking_recv");

    let (_tx, mut rx) = mpsc::unbounded_channel::<u8>();
    let msg = panic_on_runtime_thread(move || {
        let _ = rx.blocking_recv();
    });
    assert_refused(&msg, "mpsc::UnboundedReceiver::blocking_recv");

    let (_tx, mut rx) = broadcast::channel::<u8>(1);
    let msg = panic_on_runtime_thread(move || {
        let _ = rx.blocking_recv();
    });
    assert_refused(&msg, "broadcast::Receiver::blocking_recv");

    let (_tx, rx) = oneshot::channel::<u8>();
    let msg = panic_on_runtime_thread(move || {
        let _ = rx.blocking_recv();
    });
    assert_refused(&msg, "oneshot::Receiver::blocking_recv");

    let m = std::sync::Arc::new(Mutex::new(0));
    let msg = panic_on_runtime_thread(move || {
        let _ = m.blocking_lock();
    });
    assert_refused(&msg, "Mutex::blocking_lock");
}

#[test]
fn the_refusal_happens_before_anything_is_taken() {
    // A value ready to receive stays in the channel when blocking_recv is refused.
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    tx.try_send(7).unwrap();
    let rx = thread::spawn(move || {
        let _marked = weft_core::blocking::enter_runtime_thread();
        let refused = catch_unwind(AssertUnwindSafe(|| rx.blocking_recv()));
        assert!(refused.is_err());
        rx
    })
    .join()
    .unwrap();
    let mut rx = rx;
    assert_eq!(rx.try_recv(), Ok(7));
}

#[test]
fn blocking_methods_work_on_a_plain_thread() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    let sender = thread::spawn(move || tx.blocking_send(3));
    assert_eq!(rx.blocking_recv(), Some(3));
    sender.join().unwrap().unwrap();

    let (tx, rx) = oneshot::channel();
    tx.send(5).unwrap();
    assert_eq!(rx.blocking_recv(), Ok(5));

    let m = Mutex::new(1);
    *m.blocking_lock() += 1;
    assert_eq!(*m.blocking_lock(), 2);
}

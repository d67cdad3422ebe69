//! Every way the facade starts a runtime gives it the reactor and timers: `Builder::build` (both
//! flavours), `Runtime::new`, `weft::run`, `weft::block_on` and the `#[weft::test]` macro (the
//! same code as `#[weft::main]`). Each runs a timer and a TCP round trip.
#![allow(missing_docs)]

use std::time::Duration;

use weft::net::{TcpListener, TcpStream};

/// Sleeps, then echoes one byte over loopback TCP: needs timers and the reactor.
async fn timers_and_io() -> u8 {
    assert!(
        weft_io::Handle::try_current().is_some(),
        "no reactor on this runtime"
    );
    weft::time::sleep(Duration::from_millis(1)).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = weft::spawn(async move {
        let (conn, _) = listener.accept().await.unwrap();
        let mut byte = [0u8; 1];
        conn.read_exact(&mut byte).await.unwrap();
        conn.write_all(&[byte[0] + 1]).await.unwrap();
    });
    let client = TcpStream::connect(addr).await.unwrap();
    client.write_all(&[41]).await.unwrap();
    let mut reply = [0u8; 1];
    client.read_exact(&mut reply).await.unwrap();
    server.await.unwrap();
    reply[0]
}

#[test]
fn builder_multi_thread() {
    let rt = weft::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    assert_eq!(rt.block_on(timers_and_io()), 42);
}

#[test]
fn builder_current_thread() {
    let rt = weft::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(rt.block_on(timers_and_io()), 42);
}

#[test]
fn runtime_new() {
    let rt = weft::runtime::Runtime::new().unwrap();
    assert_eq!(rt.block_on(timers_and_io()), 42);
    // Tasks spawned from outside run with the reactor too.
    assert_eq!(rt.block_on(rt.spawn(timers_and_io())).unwrap(), 42);
}

#[test]
fn run() {
    assert_eq!(weft::run(timers_and_io()), 42);
}

#[test]
fn block_on() {
    assert_eq!(weft::block_on(timers_and_io()), 42);
}

#[weft::test]
async fn test_macro_current_thread() {
    assert_eq!(timers_and_io().await, 42);
}

#[weft::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_macro_multi_thread() {
    assert_eq!(timers_and_io().await, 42);
}

#[test]
fn each_runtime_gets_its_own_reactor() {
    let a = weft::runtime::Runtime::new().unwrap();
    let b = weft::runtime::Runtime::new().unwrap();
    let ha = a.block_on(async { weft_io::Handle::current() });
    let hb = b.block_on(async { weft_io::Handle::current() });
    assert!(!ha.ptr_eq(&hb));
}

#[test]
#[should_panic(expected = "start_paused(true) needs a current-thread runtime")]
fn start_paused_on_multi_thread_is_refused() {
    let _ = weft::runtime::Builder::new_multi_thread()
        .start_paused(true)
        .build();
}

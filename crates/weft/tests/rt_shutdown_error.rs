//! A runtime's shutdown reaches callers as a matchable `weft::runtime::ShutdownError` inside the
//! `io::Error`: a socket used after its runtime ended, a read that was waiting when it ended, a
//! registration on a reactor that is gone; on both runtime flavours.
#![allow(missing_docs)]

use std::future::Future;
use std::io;
use std::pin::pin;
use std::task::Poll;

use weft::net::{TcpListener, TcpStream};
use weft::runtime::{Builder, Runtime, ShutdownError};

fn flavours() -> [fn() -> Runtime; 2] {
    [
        || Builder::new_current_thread().build().unwrap(),
        || {
            Builder::new_multi_thread()
                .worker_threads(2)
                .build()
                .unwrap()
        },
    ]
}

/// A connected pair of streams registered on `rt`'s reactor.
fn pair_on(rt: &Runtime) -> (TcpStream, TcpStream) {
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let client = TcpStream::connect(listener.local_addr()?).await?;
        let (server, _) = listener.accept().await?;
        io::Result::Ok((client, server))
    })
    .unwrap()
}

fn assert_shutdown<T: std::fmt::Debug>(result: io::Result<T>) {
    let err = result.expect_err("an operation on a runtime that shut down succeeded");
    assert!(ShutdownError::is(&err), "not a ShutdownError: {err:?}");
    assert_eq!(err.kind(), io::ErrorKind::Other);
    assert!(err.to_string().contains("shut down"), "{err}");
}

#[test]
fn a_socket_used_after_its_runtime_ended_reports_shutdown() {
    for make in flavours() {
        let first = make();
        let (client, server) = pair_on(&first);
        drop(first);
        let second = make();
        second.block_on(async {
            assert_shutdown(client.read(&mut [0; 8]).await);
            assert_shutdown(client.write_all(b"late").await);
            assert_shutdown(server.readable().await);
        });
    }
}

#[test]
fn a_read_waiting_when_its_runtime_ended_reports_shutdown() {
    for make in flavours() {
        let first = make();
        let (client, _server) = pair_on(&first);
        let mut buf = [0; 8];
        let mut read = pin!(client.read(&mut buf));
        // One poll on the first runtime: nothing to read, so the read waits on its reactor.
        first.block_on(std::future::poll_fn(|cx| {
            assert!(read.as_mut().poll(cx).is_pending());
            Poll::Ready(())
        }));
        drop(first);
        let second = make();
        assert_shutdown(second.block_on(read));
    }
}

#[test]
fn a_socket_is_not_registered_on_a_reactor_that_is_gone() {
    for make in flavours() {
        let rt = make();
        let hook = weft::runtime::Handle::clone(rt.handle());
        drop(rt);
        // A handle outlives its runtime; entering it gives the dead reactor.
        let _entered = hook.enter();
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        std_listener.set_nonblocking(true).unwrap();
        assert_shutdown(TcpListener::from_std(std_listener));
    }
}

#[test]
fn an_os_error_is_not_a_shutdown() {
    for make in flavours() {
        let rt = make();
        let err = rt
            .block_on(TcpStream::connect("127.0.0.1:1"))
            .expect_err("nothing listens on port 1");
        assert!(!ShutdownError::is(&err), "{err:?}");
    }
}

//! `Async<T>` over pipes and socketpairs: readiness, partial reads, EOF, both halves waiting at
//! once, cancellation, deregistration, shutdown, and oneshot mode.

mod support;

use std::future::Future;
use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use support::{each_flavor, spawn};
use weft_io::io::{Async, AsyncReadExt, AsyncWriteExt};
use weft_io::time::{sleep, timeout};
use weft_io::{Driver, DriverConfig, Handle};
use weft_runtime::Park;

#[test]
fn pipe_readiness_and_partial_reads() {
    each_flavor(false, || async {
        let (r, w) = io::pipe().unwrap();
        let (mut r, mut w) = (Async::new(r).unwrap(), Async::new(w).unwrap());
        // A fresh pipe is writable, not readable.
        w.writable().await.unwrap();
        let not_yet = timeout(Duration::from_millis(20), r.readable()).await;
        assert!(not_yet.is_err(), "an empty pipe must not be readable");

        w.write_all(b"0123456789").await.unwrap();
        r.readable().await.unwrap();
        let mut buf = [0u8; 4];
        assert_eq!(r.read(&mut buf).await.unwrap(), 4);
        assert_eq!(&buf, b"0123");
        let mut rest = [0u8; 16];
        assert_eq!(r.read(&mut rest).await.unwrap(), 6);
        assert_eq!(&rest[..6], b"456789");
    });
}

#[test]
fn pipe_eof_after_writer_drops() {
    each_flavor(false, || async {
        let (r, w) = io::pipe().unwrap();
        let mut r = Async::new(r).unwrap();
        let mut w = Async::new(w).unwrap();
        let reader = spawn(async move {
            let mut all = Vec::new();
            r.read_to_end(&mut all).await.unwrap();
            all
        });
        for chunk in [&b"abc"[..], b"def"] {
            w.write_all(chunk).await.unwrap();
            sleep(Duration::from_millis(2)).await;
        }
        drop(w);
        assert_eq!(reader.await, b"abcdef");
    });
}

#[test]
fn read_waits_for_data_written_later() {
    each_flavor(false, || async {
        let (a, b) = UnixStream::pair().unwrap();
        let a = Async::new(a).unwrap();
        // Written from a plain thread after the reader is already waiting.
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            (&b).write_all(b"late").unwrap();
            b
        });
        let mut buf = [0u8; 4];
        let n = a.read_with(|s| (&*s).read(&mut buf)).await.unwrap();
        assert_eq!(&buf[..n], &b"late"[..n]);
        drop(writer.join().unwrap());
    });
}

/// A read half and a write half of one socket wait at the same time; each is woken by its own
/// event.
#[test]
fn both_halves_wait_at_once() {
    each_flavor(false, || async {
        let (a, b) = UnixStream::pair().unwrap();
        let a = Arc::new(Async::new(a).unwrap());
        let b = Async::new(b).unwrap();

        // Fill `a`'s send buffer so its writer must wait.
        let chunk = vec![7u8; 64 * 1024];
        let mut filled = 0usize;
        loop {
            match a.get_ref().write(&chunk) {
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
        }

        let reader = {
            let a = a.clone();
            spawn(async move {
                let mut buf = [0u8; 5];
                (&*a).read_exact(&mut buf).await.unwrap();
                buf
            })
        };
        let writer = {
            let a = a.clone();
            spawn(async move {
                (&*a).write_all(b"tail").await.unwrap();
            })
        };
        // Both are now parked on `a`, one per direction.
        sleep(Duration::from_millis(20)).await;
        (&b).write_all(b"hello").await.unwrap();
        assert_eq!(&reader.await, b"hello");
        // Drain `b` so the writer gets room.
        let mut sink = vec![0u8; filled + 4];
        (&b).read_exact(&mut sink).await.unwrap();
        writer.await;
        assert_eq!(&sink[filled..], b"tail");
    });
}

struct CountingWaker(std::sync::atomic::AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

fn counting_waker() -> (Arc<CountingWaker>, Waker) {
    let c = Arc::new(CountingWaker(0.into()));
    (c.clone(), Waker::from(c))
}

/// A future dropped while waiting (cancelled) leaves nothing behind: it is not woken later. The
/// source is deregistered when the `Async` drops, and a waker still registered (by a `poll_*`
/// caller) is woken rather than left hanging.
#[test]
fn drop_while_waiting() {
    let driver = Arc::new(Driver::new(DriverConfig::default()).unwrap());
    let handle = driver.handle();
    let _guard = handle.enter();
    let (a, _b) = UnixStream::pair().unwrap();
    let a = Async::new(a).unwrap();
    assert_eq!(handle.registered_sources(), 1);
    let (cancelled, cancelled_waker) = counting_waker();
    {
        let mut readable = Box::pin(a.readable());
        let mut cx = Context::from_waker(&cancelled_waker);
        assert!(readable.as_mut().poll(&mut cx).is_pending());
        // Cancelled here.
    }
    let (polling, polling_waker) = counting_waker();
    let mut cx = Context::from_waker(&polling_waker);
    assert!(a.poll_readable(&mut cx).is_pending());
    drop(a);
    assert_eq!(handle.registered_sources(), 0);
    assert_eq!(cancelled.0.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert_eq!(polling.0.load(std::sync::atomic::Ordering::SeqCst), 1);
    driver.park(Some(Duration::ZERO));
}

/// Shutting the driver down wakes a task waiting on a source; its next poll gets an error.
#[test]
fn shutdown_wakes_waiters_with_an_error() {
    let driver = Arc::new(Driver::new(DriverConfig::default()).unwrap());
    let _guard = driver.handle().enter();
    let (a, _b) = UnixStream::pair().unwrap();
    let a = Async::new(a).unwrap();
    let (count, waker) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    let mut readable = Box::pin(a.readable());
    assert!(readable.as_mut().poll(&mut cx).is_pending());
    driver.shutdown();
    assert_eq!(count.0.load(std::sync::atomic::Ordering::SeqCst), 1);
    match readable.as_mut().poll(&mut cx) {
        Poll::Ready(Err(e)) => assert!(weft_core::ShutdownError::is(&e), "{e:?}"),
        other => panic!("expected an error after shutdown, got {other:?}"),
    }
    // New registrations are refused.
    let (c, _d) = UnixStream::pair().unwrap();
    let refused = Async::new(c).expect_err("registered on a reactor that shut down");
    assert!(weft_core::ShutdownError::is(&refused), "{refused:?}");
}

#[test]
fn into_inner_deregisters_and_returns_the_source() {
    let driver = Driver::new(DriverConfig::default()).unwrap();
    let handle = driver.handle();
    let (a, mut b) = UnixStream::pair().unwrap();
    let a = Async::with_handle(a, &handle).unwrap();
    assert_eq!(handle.registered_sources(), 1);
    let mut a = a.into_inner().unwrap();
    assert_eq!(handle.registered_sources(), 0);
    a.write_all(b"x").unwrap();
    let mut one = [0u8; 1];
    b.read_exact(&mut one).unwrap();
}

/// Edge-triggered by default here, and the same traffic works in the oneshot fallback mode.
#[test]
fn oneshot_mode_ping_pong() {
    for force_oneshot in [false, true] {
        let driver =
            Arc::new(Driver::new(DriverConfig::default().force_oneshot(force_oneshot)).unwrap());
        assert_eq!(driver.handle().is_edge_triggered(), !force_oneshot);
        weft_io::__private::block_on_driver(&driver, async {
            let (a, b) = UnixStream::pair().unwrap();
            let (mut a, mut b) = (Async::new(a).unwrap(), Async::new(b).unwrap());
            for round in 0u32..200 {
                a.write_all(&round.to_le_bytes()).await.unwrap();
                let mut buf = [0u8; 4];
                b.read_exact(&mut buf).await.unwrap();
                assert_eq!(u32::from_le_bytes(buf), round);
                b.write_all(&buf).await.unwrap();
                a.read_exact(&mut buf).await.unwrap();
            }
        });
    }
}

/// Readiness that arrives from another thread while the task waits, in oneshot mode (re-arm).
#[test]
fn oneshot_mode_wakes_on_late_data() {
    let driver = Arc::new(Driver::new(DriverConfig::default().force_oneshot(true)).unwrap());
    weft_io::__private::block_on_driver(&driver, async {
        let (a, b) = UnixStream::pair().unwrap();
        let a = Async::new(a).unwrap();
        let t = std::thread::spawn(move || {
            for i in 0u8..20 {
                std::thread::sleep(Duration::from_millis(2));
                (&b).write_all(&[i]).unwrap();
            }
            b
        });
        for i in 0u8..20 {
            let mut one = [0u8; 1];
            (&a).read_exact(&mut one).await.unwrap();
            assert_eq!(one[0], i);
        }
        drop(t.join().unwrap());
    });
}

/// Two drivers in one process, each with its own sources, work side by side.
#[test]
fn two_drivers_side_by_side() {
    let threads: Vec<_> = (0..2)
        .map(|k| {
            std::thread::spawn(move || {
                let driver = Arc::new(Driver::new(DriverConfig::default()).unwrap());
                weft_io::__private::block_on_driver(&driver, async move {
                    let (a, b) = UnixStream::pair().unwrap();
                    let (mut a, mut b) = (Async::new(a).unwrap(), Async::new(b).unwrap());
                    for _ in 0..100 {
                        a.write_all(&[k]).await.unwrap();
                        let mut one = [0u8; 1];
                        b.read_exact(&mut one).await.unwrap();
                        assert_eq!(one[0], k);
                    }
                    let here = Handle::current();
                    assert_eq!(here.registered_sources(), 2);
                    here
                })
            })
        })
        .collect();
    let handles: Vec<Handle> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(!handles[0].ptr_eq(&handles[1]));
}

/// A task that always finds data still yields: reads consume the cooperative budget.
#[test]
fn reads_consume_the_budget() {
    let driver = Driver::new(DriverConfig::default()).unwrap();
    let handle = driver.handle();
    let (a, b) = UnixStream::pair().unwrap();
    let a = Async::with_handle(a, &handle).unwrap();
    (&b).write_all(&[1u8; 64]).unwrap();
    let (_count, waker) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    weft_core::coop::with_budget(weft_core::coop::Budget::new(3), || {
        let mut one = [0u8; 1];
        for _ in 0..3 {
            assert!(matches!(
                a.poll_read_with(&mut cx, |s| (&*s).read(&mut one)),
                Poll::Ready(Ok(1))
            ));
        }
        assert!(a
            .poll_read_with(&mut cx, |s| (&*s).read(&mut one))
            .is_pending());
    });
}

/// Two tasks waiting on the same direction of one source are both woken (as two tasks accepting
/// on one listener would be).
#[test]
fn two_readers_on_one_source() {
    each_flavor(false, || async {
        let (a, b) = UnixStream::pair().unwrap();
        let a = Arc::new(Async::new(a).unwrap());
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let a = a.clone();
                spawn(async move {
                    let mut one = [0u8; 1];
                    a.read_with(|s| (&*s).read(&mut one)).await.unwrap();
                    one[0]
                })
            })
            .collect();
        sleep(Duration::from_millis(20)).await; // both wait now
        std::thread::spawn(move || {
            (&b).write_all(&[1]).unwrap();
            std::thread::sleep(Duration::from_millis(10));
            (&b).write_all(&[2]).unwrap();
            std::thread::sleep(Duration::from_millis(50));
            b
        });
        let mut got = Vec::new();
        for r in readers {
            got.push(r.await);
        }
        got.sort();
        assert_eq!(got, vec![1, 2]);
    });
}

#[test]
fn try_read_with_never_waits() {
    each_flavor(false, || async {
        let (a, b) = UnixStream::pair().unwrap();
        let a = Async::new(a).unwrap();
        let mut one = [0u8; 1];
        let err = a.try_read_with(|s| (&*s).read(&mut one)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        (&b).write_all(&[9]).unwrap();
        a.readable().await.unwrap();
        assert_eq!(a.try_read_with(|s| (&*s).read(&mut one)).unwrap(), 1);
        assert_eq!(one[0], 9);
        assert_eq!(a.try_write_with(|s| (&*s).write(b"x")).unwrap(), 1);
    });
}

/// Dropping a runtime while tasks wait on sockets and timers returns promptly: the driver's
/// shutdown wakes them and the runtime drops them.
#[test]
fn runtime_drop_with_waiters_does_not_hang() {
    for multi in [false, true] {
        let driver = Arc::new(Driver::new(DriverConfig::default()).unwrap());
        let mut builder = if multi {
            weft_runtime::Builder::new_multi_thread()
        } else {
            weft_runtime::Builder::new_current_thread()
        };
        let rt = builder.park_hook(driver.clone()).build().unwrap();
        let (a, b) = UnixStream::pair().unwrap();
        let started = std::time::Instant::now();
        rt.block_on(async move {
            let a = Async::new(a).unwrap();
            weft_runtime::spawn(async move {
                let mut buf = [0u8; 1];
                let _ = (&a).read(&mut buf).await;
            });
            weft_runtime::spawn(async {
                sleep(Duration::from_secs(3600)).await;
            });
            sleep(Duration::from_millis(10)).await;
        });
        drop(rt);
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(
            driver.handle().registered_sources(),
            0,
            "the task's source was dropped"
        );
        assert_eq!(driver.handle().pending_timers(), 0);
        drop(b);
    }
}

/// Readiness rule 5: a partial read clears readiness, so the next read waits for an event instead
/// of failing a syscall. An end of stream (or a half-close) that arrived with the data is reported
/// by the OS only once, with that data: the read after the partial one must still see it (the
/// reactor keeps hang-ups sticky), in both registration modes, for pipes and sockets.
#[test]
fn eof_queued_behind_data_is_seen_after_a_partial_read() {
    for force_oneshot in [false, true] {
        let driver =
            Arc::new(Driver::new(DriverConfig::default().force_oneshot(force_oneshot)).unwrap());
        weft_io::__private::block_on_driver(&driver, async {
            let (a, mut b) = UnixStream::pair().unwrap();
            let mut a = Async::new(a).unwrap();
            b.write_all(b"abc").unwrap();
            b.shutdown(std::net::Shutdown::Write).unwrap();
            // Let the reactor see data and hang-up in one event before the first read.
            a.readable().await.unwrap();
            sleep(Duration::from_millis(5)).await;
            let mut buf = [0u8; 16];
            assert_eq!(a.read(&mut buf).await.unwrap(), 3, "the data first");
            let eof = timeout(Duration::from_secs(5), a.read(&mut buf)).await;
            assert_eq!(eof.expect("end of stream must not wait").unwrap(), 0);

            let (r, mut w) = io::pipe().unwrap();
            let mut r = Async::new(r).unwrap();
            w.write_all(b"xy").unwrap();
            drop(w);
            r.readable().await.unwrap();
            sleep(Duration::from_millis(5)).await;
            assert_eq!(r.read(&mut buf).await.unwrap(), 2);
            let eof = timeout(Duration::from_secs(5), r.read(&mut buf)).await;
            assert_eq!(eof.expect("end of stream must not wait").unwrap(), 0);
        });
    }
}

/// After a partial read the next read waits for new data (no busy retry) and gets it.
#[test]
fn read_after_partial_read_gets_later_data() {
    each_flavor(false, || async {
        let (a, b) = UnixStream::pair().unwrap();
        let (mut a, mut b) = (Async::new(a).unwrap(), Async::new(b).unwrap());
        for round in 0..50u8 {
            b.write_all(&[round; 3]).await.unwrap();
            let mut buf = [0u8; 64];
            assert_eq!(a.read(&mut buf).await.unwrap(), 3);
            assert_eq!(&buf[..3], &[round; 3]);
        }
        drop(b);
        let mut buf = [0u8; 64];
        assert_eq!(a.read(&mut buf).await.unwrap(), 0);
    });
}

//! A fault-injecting hook in the reactor's wait (test builds only): each [`Reactor::turn`] first
//! asks [`Faults::next`] for an error to return instead of waiting in the poller, so tests make
//! the poller fail on purpose (`EINTR` storms, `ENOMEM`, `EBADF` as after a fork-like close of
//! its descriptor) and check what the driver and the runtime do about it.
//!
//! [`Reactor::turn`]: super::Reactor::turn

use std::collections::VecDeque;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Errors queued for the next turns of one reactor.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    /// Whether anything is queued (so a turn with nothing to inject takes no lock).
    armed: AtomicBool,
    state: Mutex<State>,
    /// Errors handed out so far.
    handed_out: AtomicUsize,
}

#[derive(Debug, Default)]
struct State {
    /// Errors for the next turns, in order.
    queue: VecDeque<i32>,
    /// Once the queue is empty: this error for every turn from then on.
    forever: Option<i32>,
}

impl Faults {
    /// The next `times` turns fail with `errno`.
    pub(crate) fn inject(&self, errno: i32, times: usize) {
        let mut state = self.state.lock().unwrap();
        state.queue.extend(std::iter::repeat_n(errno, times));
        self.armed.store(true, Ordering::Release);
    }

    /// Every turn after the queued ones fails with `errno`.
    pub(crate) fn inject_forever(&self, errno: i32) {
        self.state.lock().unwrap().forever = Some(errno);
        self.armed.store(true, Ordering::Release);
    }

    /// The error the current turn must return, if any.
    pub(crate) fn next(&self) -> Option<io::Error> {
        if !self.armed.load(Ordering::Acquire) {
            return None;
        }
        let mut state = self.state.lock().unwrap();
        let errno = match state.queue.pop_front() {
            Some(errno) => errno,
            None => state.forever?,
        };
        if state.queue.is_empty() && state.forever.is_none() {
            self.armed.store(false, Ordering::Release);
        }
        self.handed_out.fetch_add(1, Ordering::Relaxed);
        Some(io::Error::from_raw_os_error(errno))
    }

    /// Errors queued and not yet handed out.
    pub(crate) fn queued(&self) -> usize {
        self.state.lock().unwrap().queue.len()
    }

    /// Errors handed out so far.
    pub(crate) fn handed_out(&self) -> usize {
        self.handed_out.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use weft_runtime::Runtime;

    use crate::{Async, Driver, DriverConfig};

    /// Runs `body` on both flavours, each on a fresh runtime with its own driver, which `body`
    /// gets to inject faults into.
    fn on_both_flavours<F, Fut>(body: F)
    where
        F: Fn(Arc<Driver>) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        for multi in [false, true] {
            let driver = Arc::new(Driver::new(DriverConfig::default()).expect("create a driver"));
            let mut builder = if multi {
                let mut b = weft_runtime::Builder::new_multi_thread();
                b.worker_threads(2);
                b
            } else {
                weft_runtime::Builder::new_current_thread()
            };
            builder.park_hook(driver.clone());
            let rt: Runtime = builder.build().expect("build a runtime");
            let fut = body(driver);
            // A hang fails the test instead of blocking it.
            let out = rt
                .block_on(async move { crate::time::timeout(Duration::from_secs(30), fut).await });
            assert!(out.is_ok(), "the test body hung (multi-thread: {multi})");
        }
    }

    /// A connected pair, the first end on the current driver.
    fn pair() -> (Async<UnixStream>, UnixStream) {
        let (a, b) = UnixStream::pair().unwrap();
        (Async::new(a).unwrap(), b)
    }

    /// Reads one byte from `r`, which another thread writes after `delay`.
    async fn read_byte_written_later(r: &Async<UnixStream>, mut w: UnixStream, delay: Duration) {
        let writer = std::thread::spawn(move || {
            std::thread::sleep(delay);
            w.write_all(b"z").unwrap();
            w
        });
        let mut b = [0u8; 1];
        let n = r.read_with(|mut s| s.read(&mut b)).await.unwrap();
        assert_eq!((n, b[0]), (1, b'z'));
        drop(writer.join().unwrap());
    }

    #[test]
    fn an_eintr_storm_loses_no_event_and_fires_no_timer_early() {
        on_both_flavours(|driver| async move {
            let faults = &driver.handle().inner.reactor.faults;
            faults.inject(libc::EINTR, 20_000);
            let (r, w) = pair();
            let start = Instant::now();
            crate::time::sleep(Duration::from_millis(30)).await;
            assert!(
                start.elapsed() >= Duration::from_millis(30),
                "a timer fired early"
            );
            read_byte_written_later(&r, w, Duration::from_millis(5)).await;
            // Every EINTR is handed out (the runtime went on parking through the storm) unless
            // the byte and the timer came first; either way both were delivered.
            assert!(faults.handed_out() > 0);
        });
    }

    #[test]
    fn enomem_is_retried_and_the_event_still_arrives() {
        on_both_flavours(|driver| async move {
            let faults = &driver.handle().inner.reactor.faults;
            let (r, w) = pair();
            faults.inject(libc::ENOMEM, 50);
            // The byte is written while the poller keeps failing: its edge waits in the epoll
            // set and the first turn that works delivers it.
            read_byte_written_later(&r, w, Duration::from_millis(1)).await;
            assert!(faults.handed_out() > 0, "the injected errors were used");
            // The poller is still in use afterwards: a new source works.
            let (r2, w2) = pair();
            read_byte_written_later(&r2, w2, Duration::from_millis(5)).await;
            assert!(!driver.handle().inner.reactor.is_failed());
            let _ = faults.queued();
        });
    }

    #[test]
    fn ebadf_fails_the_sources_with_an_error_and_timers_and_wakes_go_on() {
        on_both_flavours(|driver| async move {
            let (r, _w) = pair();
            let reader = crate::time::timeout(Duration::from_secs(10), async move {
                let mut b = [0u8; 1];
                r.read_with(|mut s| s.read(&mut b)).await
            });
            let waiting = weft_runtime::spawn(reader);
            // Let the reader wait, then make the poller's descriptor "closed under it".
            crate::time::sleep(Duration::from_millis(20)).await;
            driver
                .handle()
                .inner
                .reactor
                .faults
                .inject_forever(libc::EBADF);
            driver.handle().inner.unpark();

            // The waiting reader wakes with an error (not a hang, not a time-out).
            let res = waiting.await.expect("the reader task");
            let err = res
                .expect("woke before the time-out")
                .expect_err("no event can come any more");
            assert!(err.to_string().contains("poller failed"), "{err}");
            assert!(
                !weft_core::ShutdownError::is(&err),
                "not a shutdown: {err:?}"
            );
            assert!(driver.handle().inner.reactor.is_failed());

            // A new source is refused with an error naming the failure.
            let (a, _b) = UnixStream::pair().unwrap();
            let err = Async::new(a).expect_err("the poller is gone");
            assert!(err.to_string().contains("Bad file descriptor"), "{err}");

            // Timers go on (the park waits without the poller), never early.
            let start = Instant::now();
            crate::time::sleep(Duration::from_millis(25)).await;
            assert!(start.elapsed() >= Duration::from_millis(25));

            // A wake from another thread still reaches a parked runtime.
            let (tx, rx) = std::sync::mpsc::channel::<std::task::Waker>();
            let waker_thread = std::thread::spawn(move || {
                let waker = rx.recv().unwrap();
                std::thread::sleep(Duration::from_millis(10));
                waker.wake();
            });
            let mut sent = Some(tx);
            std::future::poll_fn(|cx| match sent.take() {
                Some(tx) => {
                    tx.send(cx.waker().clone()).unwrap();
                    std::task::Poll::Pending
                }
                None => std::task::Poll::Ready(()),
            })
            .await;
            waker_thread.join().unwrap();

            // And spawned tasks still run.
            assert_eq!(weft_runtime::spawn(async { 7 }).await.unwrap(), 7);
        });
    }
}

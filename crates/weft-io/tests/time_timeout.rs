//! `timeout` on every flavour, real and paused time.

mod support;

use std::future::{pending, Future};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use support::each_flavor;
use weft_io::time::{sleep, timeout, timeout_at, Elapsed, Instant};

#[test]
fn never_ready_future_times_out() {
    for paused in [false, true] {
        each_flavor(paused, || async {
            let start = Instant::now();
            let r = timeout(Duration::from_millis(30), pending::<()>()).await;
            assert_eq!(r, Err(Elapsed::from_test()));
            assert!(start.elapsed() >= Duration::from_millis(30));
        });
    }
}

#[test]
fn ready_future_wins() {
    each_flavor(false, || async {
        assert_eq!(timeout(Duration::from_millis(50), async { 5 }).await, Ok(5));
        let r = timeout(Duration::from_secs(10), async {
            sleep(Duration::from_millis(5)).await;
            "done"
        })
        .await;
        assert_eq!(r, Ok("done"));
        // A zero timeout still polls the future once.
        assert_eq!(timeout(Duration::ZERO, async { 1 }).await, Ok(1));
    });
}

#[test]
fn timeout_at_and_error_conversion() {
    each_flavor(true, || async {
        let deadline = Instant::now() + Duration::from_secs(2);
        let err = timeout_at(deadline, pending::<()>()).await.unwrap_err();
        assert_eq!(Instant::now(), deadline);
        let io: std::io::Error = err.into();
        assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
    });
}

/// A future that spends the whole budget every poll (and wakes itself) still times out.
#[test]
fn budget_hog_still_times_out() {
    struct Hog;
    impl Future for Hog {
        type Output = ();
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            while weft_core::coop::poll_consume(cx).is_ready() {}
            Poll::Pending
        }
    }
    each_flavor(false, || async {
        let r = timeout(Duration::from_millis(20), Hog).await;
        assert!(r.is_err());
    });
}

trait FromTest {
    fn from_test() -> Self;
}

impl FromTest for Elapsed {
    fn from_test() -> Elapsed {
        let driver =
            weft_io::Driver::new(weft_io::DriverConfig::default().start_paused(true)).unwrap();
        let _g = driver.handle().enter();
        let waker = futures_util::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        let mut t = std::pin::pin!(timeout(Duration::ZERO, pending::<()>()));
        match t.as_mut().poll(&mut cx) {
            Poll::Ready(Err(e)) => e,
            _ => panic!("a zero timeout on a pending future must elapse at once"),
        }
    }
}

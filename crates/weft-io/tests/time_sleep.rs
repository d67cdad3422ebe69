//! `sleep`, `sleep_until`, `Instant` and paused time, on every flavour.

mod support;

use std::time::Duration;

use support::{each_flavor, spawn};
use weft_io::time::{advance, sleep, sleep_until, Instant};
use weft_io::Handle;

#[test]
fn sleep_never_fires_early_real_time() {
    each_flavor(false, || async {
        for ms in [0u64, 1, 3, 10, 25] {
            let want = Duration::from_millis(ms);
            let start = std::time::Instant::now();
            sleep(want).await;
            assert!(start.elapsed() >= want, "{ms} ms sleep woke early");
        }
    });
}

#[test]
fn sleeps_fire_in_deadline_order() {
    for paused in [false, true] {
        each_flavor(paused, move || async move {
            let start = Instant::now();
            let order = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
            let tasks: Vec<_> = [30u64, 5, 20, 1, 10]
                .into_iter()
                .map(|ms| {
                    let order = order.clone();
                    spawn(async move {
                        let deadline = start + Duration::from_millis(ms);
                        sleep_until(deadline).await;
                        assert!(Instant::now() >= deadline, "woke early");
                        order.lock().unwrap().push(ms);
                    })
                })
                .collect();
            for t in tasks {
                t.await;
            }
            // Timers fire in deadline order. In real time two of them may fall due in the same
            // driver turn and their tasks then *run* in scheduler order, so the exact order is
            // checked in paused time, where each jump fires one deadline.
            if paused {
                assert_eq!(*order.lock().unwrap(), vec![1, 5, 10, 20, 30]);
            }
        });
    }
}

#[test]
fn paused_time_jumps_when_idle() {
    each_flavor(true, || async {
        let real = std::time::Instant::now();
        let start = Instant::now();
        sleep(Duration::from_secs(3 * 3600)).await;
        assert_eq!(start.elapsed(), Duration::from_secs(3 * 3600));
        sleep_until(start + Duration::from_secs(4 * 3600)).await;
        assert_eq!(Instant::now() - start, Duration::from_secs(4 * 3600));
        assert!(
            real.elapsed() < Duration::from_secs(5),
            "paused time must not really sleep"
        );
    });
}

#[test]
fn advance_fires_due_timers_only() {
    each_flavor(true, || async {
        let start = Instant::now();
        let early = spawn(async { sleep(Duration::from_secs(10)).await });
        let late = spawn(async { sleep(Duration::from_secs(60)).await });
        // Let both register.
        weft_io::time::advance(Duration::ZERO).await;
        advance(Duration::from_secs(10)).await;
        early.await;
        assert_eq!(start.elapsed(), Duration::from_secs(10));
        assert_eq!(Handle::current().pending_timers(), 1);
        late.await;
        assert_eq!(start.elapsed(), Duration::from_secs(60));
    });
}

#[test]
fn huge_durations_never_overflow() {
    each_flavor(true, || async {
        let forever = sleep(Duration::MAX);
        assert!(!forever.is_elapsed());
        let r = weft_io::time::timeout(Duration::from_secs(1), forever).await;
        assert!(r.is_err());
        let mut s = std::pin::pin!(sleep(Duration::from_secs(u64::MAX)));
        let r = weft_io::time::timeout(Duration::from_secs(365 * 86_400), s.as_mut()).await;
        assert!(r.is_err());
        // The far deadline can still be moved near.
        s.as_mut().reset(Instant::now() + Duration::from_millis(5));
        s.await;
    });
}

#[test]
fn reset_moves_the_deadline_both_ways() {
    each_flavor(true, || async {
        let start = Instant::now();
        let mut s = std::pin::pin!(sleep(Duration::from_secs(10)));
        // Register it, then move it later (the cheap path) and earlier (the locked path).
        assert!(weft_io::time::timeout(Duration::from_secs(1), s.as_mut())
            .await
            .is_err());
        s.as_mut().reset(start + Duration::from_secs(20));
        s.as_mut().reset(start + Duration::from_secs(30));
        s.as_mut().await;
        assert_eq!(start.elapsed(), Duration::from_secs(30));
        // After completing, a reset makes it wait again.
        s.as_mut().reset(Instant::now() + Duration::from_secs(5));
        assert!(!s.is_elapsed());
        s.as_mut().await;
        assert_eq!(start.elapsed(), Duration::from_secs(35));
        s.as_mut().reset(start + Duration::from_secs(100));
        s.as_mut().reset(start + Duration::from_secs(40));
        s.await;
        assert_eq!(start.elapsed(), Duration::from_secs(40));
    });
}

#[test]
fn dropping_a_sleep_frees_its_timer() {
    each_flavor(true, || async {
        let handle = Handle::current();
        let mut sleeps: Vec<_> = (1..=100)
            .map(|s| Box::pin(sleep(Duration::from_secs(s))))
            .collect();
        for s in &mut sleeps {
            // Poll once so each is registered.
            let _ = weft_io::time::timeout(Duration::ZERO, s.as_mut()).await;
        }
        assert_eq!(handle.pending_timers(), 100);
        sleeps.truncate(40);
        assert_eq!(handle.pending_timers(), 40);
        drop(sleeps);
        assert_eq!(handle.pending_timers(), 0);
    });
}

#[test]
fn instant_reads_the_virtual_clock_when_paused() {
    each_flavor(true, || async {
        let a = Instant::now();
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(
            a.elapsed(),
            Duration::ZERO,
            "virtual time must not follow the wall clock"
        );
        advance(Duration::from_millis(1500)).await;
        assert_eq!(a.elapsed(), Duration::from_millis(1500));
    });
    // Outside any runtime, Instant is the OS clock.
    let a = Instant::now();
    std::thread::sleep(Duration::from_millis(2));
    assert!(a.elapsed() >= Duration::from_millis(2));
}

#[test]
#[should_panic(expected = "no weft reactor is running")]
fn sleep_outside_a_runtime_panics_clearly() {
    drop(sleep(Duration::from_secs(1)));
}

#[test]
#[should_panic(expected = "needs paused time")]
fn advance_needs_paused_time() {
    each_flavor(false, || async {
        advance(Duration::from_secs(1)).await;
    });
}

/// Sleeps consume the cooperative budget: a loop of ready sleeps still yields.
#[test]
fn sleeps_consume_the_budget() {
    let driver = weft_io::Driver::new(weft_io::DriverConfig::default().start_paused(true)).unwrap();
    let _g = driver.handle().enter();
    let waker = futures_util::task::noop_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    weft_core::coop::with_budget(weft_core::coop::Budget::new(2), || {
        use std::future::Future;
        for _ in 0..2 {
            let mut s = std::pin::pin!(sleep(Duration::ZERO));
            assert!(s.as_mut().poll(&mut cx).is_ready());
        }
        let mut s = std::pin::pin!(sleep(Duration::ZERO));
        assert!(s.as_mut().poll(&mut cx).is_pending());
    });
}

#[test]
#[should_panic(expected = "shut down")]
fn sleep_polled_after_shutdown_panics_clearly() {
    use std::future::Future;
    use weft_runtime::Park;
    let driver = weft_io::Driver::new(weft_io::DriverConfig::default()).unwrap();
    let _g = driver.handle().enter();
    let mut s = std::pin::pin!(sleep(Duration::from_secs(5)));
    let waker = futures_util::task::noop_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    assert!(s.as_mut().poll(&mut cx).is_pending());
    driver.shutdown();
    let _ = s.as_mut().poll(&mut cx);
}

/// Resets racing with the driver firing on another worker: a sleep moved later (the lock-free
/// path) or earlier (the locked path) never completes before its latest deadline.
#[test]
fn resets_racing_the_driver_never_fire_early() {
    each_flavor(false, || async {
        let tasks: Vec<_> = (0..64u64)
            .map(|k| {
                spawn(async move {
                    for round in 0..20u64 {
                        let mut s = std::pin::pin!(sleep(Duration::from_millis(1)));
                        // Register, then move while the driver may be firing it.
                        let _ = weft_io::time::timeout(Duration::ZERO, s.as_mut()).await;
                        let later = Instant::now() + Duration::from_millis(1 + (k + round) % 3);
                        s.as_mut().reset(later);
                        if round % 2 == 0 {
                            s.as_mut().reset(later + Duration::from_millis(4)); // later: lock-free
                        }
                        if round % 3 == 0 {
                            s.as_mut().reset(later); // earlier again: under the lock
                        }
                        let deadline = s.deadline();
                        s.await;
                        assert!(Instant::now() >= deadline, "a reset sleep fired early");
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await;
        }
        assert_eq!(Handle::current().pending_timers(), 0);
    });
}

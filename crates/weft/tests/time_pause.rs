//! `time::pause` / `resume` on a running runtime: virtual time from the point of the pause, the
//! idle jump to the next timer, no step back on resume, and the refusal on a multi-thread runtime.

use std::time::Duration;

use weft::runtime::Builder;
use weft::time::{advance, pause, resume, sleep, timeout, Instant};

#[test]
fn pause_then_resume_on_a_current_thread_runtime() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let real_start = std::time::Instant::now();
        pause();
        pause(); // idempotent
        let start = Instant::now();
        // Idle with a timer pending: time jumps to it at once.
        sleep(Duration::from_secs(3600)).await;
        assert_eq!(start.elapsed(), Duration::from_secs(3600));
        assert!(
            timeout(Duration::from_secs(5), std::future::pending::<()>())
                .await
                .is_err()
        );
        advance(Duration::from_secs(1)).await;
        assert_eq!(start.elapsed(), Duration::from_secs(3606));
        // A task spawned while paused sees the same virtual clock.
        let seen = weft::spawn(async move { start.elapsed() }).await.unwrap();
        assert_eq!(seen, Duration::from_secs(3606));

        resume();
        resume(); // idempotent
        let resumed = Instant::now();
        assert!(resumed >= start + Duration::from_secs(3606), "no step back");
        sleep(Duration::from_millis(20)).await;
        assert!(resumed.elapsed() >= Duration::from_millis(20));
        assert!(
            real_start.elapsed() >= Duration::from_millis(20),
            "after resume, sleeping waits in real time"
        );
    });
}

#[test]
fn pause_on_a_multi_thread_runtime_is_refused() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async { pause() })
    }))
    .unwrap_err();
    let msg = err
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| err.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    assert!(msg.contains("current-thread runtime"), "{msg}");
}

#[test]
fn advance_without_pause_names_the_fix() {
    let rt = Builder::new_current_thread().build().unwrap();
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(advance(Duration::from_secs(1)))
    }))
    .unwrap_err();
    let msg = err
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| err.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    assert!(msg.contains("time::pause()"), "{msg}");
}

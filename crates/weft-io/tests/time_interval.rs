//! `interval` and its missed-tick behaviours under a stalled task, in paused time (exact) and in
//! real time (with tolerance).

mod support;

use std::time::Duration;

use support::each_flavor;
use weft_io::time::{advance, interval, Instant, MissedTickBehavior};

const P: Duration = Duration::from_millis(100);

/// Ticks at 0, 100, 200; the task then stalls for 350 ms (until 550); returns the offsets (ms) of
/// the next four ticks' *completion* times and their scheduled instants.
async fn stalled(behavior: MissedTickBehavior) -> (Vec<u64>, Vec<u64>) {
    let start = Instant::now();
    let mut every = interval(P);
    every.set_missed_tick_behavior(behavior);
    for expect in [0, 100, 200] {
        let due = every.tick().await;
        assert_eq!((due - start).as_millis() as u64, expect);
    }
    // The task is busy: time passes without it polling the interval.
    advance(Duration::from_millis(350)).await;
    let mut at = Vec::new();
    let mut due = Vec::new();
    for _ in 0..4 {
        let d = every.tick().await;
        at.push((Instant::now() - start).as_millis() as u64);
        due.push((d - start).as_millis() as u64);
    }
    (at, due)
}

#[test]
fn first_tick_is_immediate() {
    each_flavor(true, || async {
        let start = Instant::now();
        let mut every = interval(Duration::from_secs(60));
        every.tick().await;
        assert_eq!(Instant::now(), start);
        every.tick().await;
        assert_eq!(Instant::now() - start, Duration::from_secs(60));
    });
}

#[test]
fn burst_catches_up() {
    each_flavor(true, || async {
        let (at, due) = stalled(MissedTickBehavior::Burst).await;
        // Missed 300, 400, 500 fire at once at 550, then back on schedule at 600.
        assert_eq!(due, vec![300, 400, 500, 600]);
        assert_eq!(at, vec![550, 550, 550, 600]);
    });
}

#[test]
fn delay_shifts_the_schedule() {
    each_flavor(true, || async {
        let (at, due) = stalled(MissedTickBehavior::Delay).await;
        assert_eq!(due, vec![300, 650, 750, 850]);
        assert_eq!(at, vec![550, 650, 750, 850]);
    });
}

#[test]
fn skip_keeps_the_schedule() {
    each_flavor(true, || async {
        let (at, due) = stalled(MissedTickBehavior::Skip).await;
        assert_eq!(due, vec![300, 600, 700, 800]);
        assert_eq!(at, vec![550, 600, 700, 800]);
    });
}

/// Real time: a task that blocks its thread for 3.5 periods sees the burst, then the schedule.
#[test]
fn burst_in_real_time() {
    each_flavor(false, || async {
        let period = Duration::from_millis(20);
        let mut every = interval(period);
        let start = every.tick().await;
        std::thread::sleep(period * 7 / 2); // stalled: 70 ms
        let mut dues = Vec::new();
        for _ in 0..4 {
            dues.push(every.tick().await - start);
        }
        assert_eq!(dues, vec![period, period * 2, period * 3, period * 4]);
        assert!(start.elapsed() >= period * 4);
    });
}

#[test]
#[should_panic(expected = "non-zero period")]
fn zero_period_panics() {
    each_flavor(true, || async {
        let _ = interval(Duration::ZERO);
    });
}

#[test]
fn resets_move_the_next_tick() {
    each_flavor(true, || async {
        let start = Instant::now();
        let mut every = interval(Duration::from_secs(10));
        every.tick().await; // 0
        every.reset_after(Duration::from_secs(3));
        assert_eq!(every.tick().await - start, Duration::from_secs(3));
        every.reset_immediately();
        assert_eq!(every.tick().await - start, Duration::from_secs(3));
        every.reset_at(start + Duration::from_secs(7));
        assert_eq!(every.tick().await - start, Duration::from_secs(7));
        every.reset();
        assert_eq!(every.tick().await - start, Duration::from_secs(17));
        // Back on the period from there.
        assert_eq!(every.tick().await - start, Duration::from_secs(27));
    });
}

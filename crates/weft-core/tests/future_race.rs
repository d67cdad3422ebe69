//! `race`: the first output wins, the loser is dropped, the first poll is random.

use std::cell::Cell;
use std::rc::Rc;
use std::task::Poll;

use futures_executor::block_on;
use weft_core::future::{pending, poll_fn, race, ready, yield_now};

struct SetOnDrop(Rc<Cell<bool>>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

#[test]
fn the_first_to_finish_wins_on_either_side() {
    assert_eq!(block_on(race(ready(1), pending())), 1);
    assert_eq!(block_on(race(pending(), ready(2))), 2);
}

#[test]
fn waits_until_one_side_is_ready() {
    let slow = async {
        for _ in 0..5 {
            yield_now().await;
        }
        "slow"
    };
    let slower = async {
        for _ in 0..50 {
            yield_now().await;
        }
        "slower"
    };
    assert_eq!(block_on(race(slower, slow)), "slow");
}

#[test]
fn the_loser_is_dropped_with_the_race() {
    let dropped = Rc::new(Cell::new(false));
    let guard = SetOnDrop(dropped.clone());
    let loser = async move {
        let _guard = guard;
        pending::<u8>().await
    };
    assert_eq!(block_on(race(loser, ready(3))), 3);
    assert!(dropped.get());
}

#[test]
fn when_both_are_ready_each_side_wins_sometimes() {
    let mut left = 0;
    for _ in 0..400 {
        if block_on(race(ready(true), ready(false))) {
            left += 1;
        }
    }
    assert!((100..=300).contains(&left), "left won {left} of 400 races");
}

#[test]
fn polls_both_sides_each_time_until_one_finishes() {
    let polls = Rc::new(Cell::new((0, 0)));
    let (pa, pb) = (polls.clone(), polls.clone());
    let a = poll_fn(move |cx| {
        let (x, y) = pa.get();
        pa.set((x + 1, y));
        cx.waker().wake_by_ref();
        Poll::<u8>::Pending
    });
    let mut b_left = 3;
    let b = poll_fn(move |cx| {
        let (x, y) = pb.get();
        pb.set((x, y + 1));
        if b_left == 0 {
            return Poll::Ready(9);
        }
        b_left -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    });
    assert_eq!(block_on(race(a, b)), 9);
    let (a_polls, b_polls) = polls.get();
    assert_eq!(b_polls, 4);
    // On the last poll `a` is polled only if it came first.
    assert!((3..=4).contains(&a_polls), "a polled {a_polls} times");
}

#[test]
fn accepts_into_future_and_non_unpin_futures() {
    let not_unpin = async {
        yield_now().await;
        1
    };
    assert_eq!(block_on(race(not_unpin, std::future::ready(1))), 1);
}

#[test]
fn combinator_futures_are_send_when_their_parts_are() {
    fn assert_send<T: Send>(_: &T) {}
    assert_send(&race(ready(1), pending()));
    assert_send(&yield_now());
    assert_send(&weft_core::future::try_join_all(vec![ready(Ok::<u8, ()>(
        1,
    ))]));
    assert_send(&weft_core::future::join_all(vec![ready(1)]));
}

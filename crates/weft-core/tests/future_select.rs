//! `select!`: biased and unbiased order, `else`, disabled branches, conditions, handlers that
//! `.await`, `break`, `continue`, `return` and use `?`, drop order and patterns.

use std::cell::Cell;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_executor::block_on;
use weft_core::future::{pending, poll_fn, ready, yield_now};
use weft_core::select;

/// A future that is `Pending` `pending_polls` times (waking itself each time), then `Ready(value)`;
/// it counts its polls and its drop.
struct Counted<T> {
    value: Option<T>,
    pending_polls: usize,
    polls: Rc<Cell<usize>>,
    dropped: Rc<Cell<bool>>,
}

impl<T> Counted<T> {
    fn new(value: T, pending_polls: usize) -> (Self, Rc<Cell<usize>>, Rc<Cell<bool>>) {
        let polls = Rc::new(Cell::new(0));
        let dropped = Rc::new(Cell::new(false));
        let fut = Counted {
            value: Some(value),
            pending_polls,
            polls: polls.clone(),
            dropped: dropped.clone(),
        };
        (fut, polls, dropped)
    }
}

impl<T: Unpin> Future for Counted<T> {
    type Output = T;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        self.polls.set(self.polls.get() + 1);
        if self.pending_polls > 0 {
            self.pending_polls -= 1;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(
            self.value
                .take()
                .expect("Counted polled after it completed"),
        )
    }
}

impl<T> Drop for Counted<T> {
    fn drop(&mut self) {
        assert!(!self.dropped.get(), "Counted dropped twice");
        self.dropped.set(true);
    }
}

#[test]
fn first_ready_branch_wins_and_its_handler_is_the_value() {
    let out = block_on(async {
        select! {
            x = pending::<u32>() => x,
            y = ready(20) => y + 1,
        }
    });
    assert_eq!(out, 21);
}

#[test]
fn biased_polls_in_order() {
    for _ in 0..200 {
        let out = block_on(async {
            select! {
                biased;
                a = ready("first") => a,
                b = ready("second") => b,
                c = ready("third") => c,
            }
        });
        assert_eq!(out, "first");
    }
}

#[test]
fn biased_polls_later_branches_only_after_earlier_ones() {
    let (first, first_polls, _) = Counted::new(1, 2);
    let (second, second_polls, _) = Counted::new(2, 0);
    let out = block_on(async {
        select! {
            biased;
            a = first => a,
            b = second => b,
        }
    });
    // The first branch is polled once (Pending), then the second wins in the same round.
    assert_eq!(out, 2);
    assert_eq!(first_polls.get(), 1);
    assert_eq!(second_polls.get(), 1);
}

#[test]
fn unbiased_start_is_random() {
    let mut wins = [0u32; 3];
    for _ in 0..600 {
        let out = block_on(async {
            select! {
                a = ready(0usize) => a,
                b = ready(1usize) => b,
                c = ready(2usize) => c,
            }
        });
        wins[out] += 1;
    }
    // About 200 each; any branch below 100 means the start is not random.
    for (branch, count) in wins.iter().enumerate() {
        assert!(
            *count > 100,
            "branch {branch} won {count} of 600 times: {wins:?}"
        );
    }
}

#[test]
fn else_runs_when_every_pattern_fails() {
    let out = block_on(async {
        select! {
            Some(v) = ready(None::<u8>) => v,
            Ok(v) = ready(Err::<u8, &str>("no")) => v,
            else => 99,
        }
    });
    assert_eq!(out, 99);
}

#[test]
fn else_runs_when_every_condition_is_false() {
    let (fut, polls, dropped) = Counted::new(1, 0);
    let enabled = false;
    let out = block_on(async {
        select! {
            v = fut, if enabled => v,
            else => 0,
        }
    });
    assert_eq!(out, 0);
    // The future was created but never polled, and it was dropped.
    assert_eq!(polls.get(), 0);
    assert!(dropped.get());
}

#[test]
#[should_panic(expected = "all branches of `select!` are disabled and there is no `else` branch")]
fn all_disabled_without_else_panics() {
    block_on(async {
        select! {
            Some(v) = ready(None::<u8>) => v,
        }
    });
}

#[test]
fn a_branch_whose_pattern_fails_is_disabled_and_the_others_keep_racing() {
    let (none_now, none_polls, _) = Counted::new(None::<u32>, 0);
    let (later, later_polls, _) = Counted::new(Some(5u32), 3);
    let out = block_on(async {
        select! {
            biased;
            Some(v) = none_now => v,
            Some(v) = later => v * 10,
        }
    });
    assert_eq!(out, 50);
    // The completed first future was polled exactly once: never again after it completed.
    assert_eq!(none_polls.get(), 1);
    assert_eq!(later_polls.get(), 4);
}

#[test]
fn condition_disables_only_its_branch() {
    let (a, a_polls, _) = Counted::new("a", 0);
    let (b, b_polls, _) = Counted::new("b", 1);
    let use_a = false;
    let out = block_on(async {
        select! {
            biased;
            x = a, if use_a => x,
            x = b, if !use_a => x,
        }
    });
    assert_eq!(out, "b");
    assert_eq!(a_polls.get(), 0);
    assert_eq!(b_polls.get(), 2);
}

#[test]
fn losers_are_dropped_before_the_handler_runs() {
    let (winner, _, winner_dropped) = Counted::new(1, 0);
    let (loser, loser_polls, loser_dropped) = Counted::new(2, 1_000);
    let seen = block_on(async {
        select! {
            biased;
            _ = winner => (winner_dropped.get(), loser_dropped.get()),
            _ = loser => unreachable!(),
        }
    });
    assert_eq!(seen, (true, true));
    assert_eq!(loser_polls.get(), 0, "biased: the loser was never polled");
}

#[test]
fn handlers_can_await() {
    let out = block_on(async {
        select! {
            x = ready(1) => {
                yield_now().await;
                x + ready(2).await
            }
            _ = pending::<()>() => 0,
        }
    });
    assert_eq!(out, 3);
}

#[test]
fn break_and_continue_in_handlers_reach_the_enclosing_loop() {
    let out = block_on(async {
        let mut round = 0;
        let mut evens = Vec::new();
        loop {
            round += 1;
            select! {
                biased;
                _ = ready(()), if round > 6 => break,
                n = ready(round), if n_is_odd(round) => { let _ = n; continue }
                n = ready(round) => evens.push(n),
            }
        }
        evens
    });
    assert_eq!(out, [2, 4, 6]);
}

fn n_is_odd(n: u32) -> bool {
    n % 2 == 1
}

#[test]
fn return_and_question_mark_in_handlers_leave_the_enclosing_fn() {
    async fn parse(input: &'static str) -> Result<u32, std::num::ParseIntError> {
        select! {
            s = ready(input) => {
                if s.is_empty() {
                    return Ok(0);
                }
                Ok(s.parse::<u32>()? + 1)
            }
        }
    }
    assert_eq!(block_on(parse("41")), Ok(42));
    assert_eq!(block_on(parse("")), Ok(0));
    assert!(block_on(parse("x")).is_err());
}

#[test]
fn futures_need_not_be_unpin_or_fused_and_into_future_works() {
    struct Later(u8);
    impl IntoFuture for Later {
        type Output = u8;
        type IntoFuture = std::future::Ready<u8>;
        fn into_future(self) -> Self::IntoFuture {
            std::future::ready(self.0)
        }
    }
    let out = block_on(async {
        let not_unpin = async {
            yield_now().await;
            1u8
        };
        select! {
            biased;
            a = not_unpin => a,
            b = Later(2) => b,
        }
    });
    assert_eq!(out, 2);
}

#[test]
fn selecting_on_a_borrowed_pinned_future_keeps_it_across_rounds() {
    let out = block_on(async {
        let (slow, slow_polls, slow_dropped) = Counted::new("slow", 5);
        let mut slow = std::pin::pin!(slow);
        let mut ticks = 0;
        let out = loop {
            select! {
                biased;
                s = slow.as_mut() => break s,
                _ = yield_now() => ticks += 1,
            }
        };
        assert!(
            !slow_dropped.get(),
            "the borrowed future is still owned by the caller"
        );
        (out, ticks, slow_polls.get())
    });
    // Each round polls `slow` twice (once before and once after `yield_now` wakes the task), so
    // its five `Pending`s span three rounds, two of which `yield_now` wins.
    assert_eq!(out, ("slow", 2, 6));
}

#[test]
fn patterns_with_mut_ref_structs_slices_tuples_and_alternatives() {
    #[derive(Debug)]
    struct Msg {
        id: u32,
        body: String,
    }
    let out = block_on(async {
        let a = select! { mut x = ready(1) => { x += 1; x } };
        let b = select! { Some(mut v) = ready(Some(vec![1])) => { v.push(2); v.len() } };
        let c = select! { ref s = ready(String::from("hi")) => s.len() };
        let d = select! { Msg { id: 7, ref body } = ready(Msg { id: 7, body: "x".into() }) => body.clone() };
        let e = select! { [first, .., last] = ready([1, 2, 3]) => first + last };
        let f = select! { (x, Some(y)) = ready((1, Some(2))) => x + y };
        let g = select! { 1 | 2 = ready(2) => "small", else => "other" };
        let h = select! { 3..=5 = ready(9) => "in", else => "out" };
        let i = select! {
            Msg { id, body: _ } = ready(Msg { id: 3, body: String::new() }), if true => id
        };
        let j = select! { n @ 1..=9 = ready(4) => n, else => 0 };
        (a, b, c, d, e, f, g, h, i, j)
    });
    assert_eq!(out, (2, 2, 2, "x".to_string(), 4, 3, "small", "out", 3, 4));
}

#[test]
fn nested_select_in_a_handler() {
    let out = block_on(async {
        select! {
            a = ready(1) => select! {
                b = ready(2) => a + b,
                _ = pending::<()>() => 0,
            },
            _ = pending::<()>() => 0,
        }
    });
    assert_eq!(out, 3);
}

#[test]
fn handler_forms_block_without_comma_and_trailing_comma() {
    let out = block_on(async {
        let x = select! {
            a = ready(1) => { a }
            _ = pending::<()>() => { 0 },
        };
        let y = select! { a = ready(2) => a, };
        let z = select! { a = ready(3) => a };
        let w = select! { else => 0, a = ready(4), if false => a };
        (x, y, z, w)
    });
    assert_eq!(out, (1, 2, 3, 0));
}

#[test]
fn twelve_branches() {
    let out = block_on(async {
        select! {
            biased;
            v = pending::<u32>() => v,
            v = pending::<u32>() => v,
            v = pending::<u32>() => v,
            v = pending::<u32>() => v,
            v = pending::<u32>() => v,
            v = pending::<u32>() => v,
            v = pending::<u32>() => v,
            v = pending::<u32>() => v,
            v = pending::<u32>() => v,
            v = pending::<u32>() => v,
            v = pending::<u32>() => v,
            v = ready(12u32) => v,
        }
    });
    assert_eq!(out, 12);
}

#[test]
fn thirty_two_branches() {
    let out = block_on(async {
        select! {
            Some(v) = ready(None::<u32>) => v, Some(v) = ready(None::<u32>) => v,
            Some(v) = ready(None::<u32>) => v, Some(v) = ready(None::<u32>) => v,
            Some(v) = ready(None::<u32>) => v, Some(v) = ready(None::<u32>) => v,
            Some(v) = ready(None::<u32>) => v, Some(v) = ready(None::<u32>) => v,
            Some(v) = ready(None::<u32>) => v, Some(v) = ready(None::<u32>) => v,
            Some(v) = ready(None::<u32>) => v, Some(v) = ready(None::<u32>) => v,
            Some(v) = ready(None::<u32>) => v, Some(v) = ready(None::<u32>) => v,
            Some(v) = ready(None::<u32>) => v, Some(v) = ready(None::<u32>) => v,
            Some(v) = ready(None::<u32>) => v, Some(v) = ready(None::<u32>) => v,
            Some(v) = ready(None::<u32>) => v, Some(v) = ready(None::<u32>) => v,
            Some(v) = ready(None::<u32>) => v, Some(v) = ready(None::<u32>) => v,
            Some(v) = ready(None::<u32>) => v, Some(v) = ready(None::<u32>) => v,
            Some(v) = ready(None::<u32>) => v, Some(v) = ready(None::<u32>) => v,
            Some(v) = ready(None::<u32>) => v, Some(v) = ready(None::<u32>) => v,
            Some(v) = ready(None::<u32>) => v, Some(v) = ready(None::<u32>) => v,
            Some(v) = ready(None::<u32>) => v,
            Some(v) = ready(Some(32u32)) => v,
        }
    });
    assert_eq!(out, 32);
}

#[test]
fn wakes_from_another_thread_reach_the_select() {
    let flag = Arc::new(AtomicUsize::new(0));
    let out = block_on(async {
        let flag2 = flag.clone();
        let mut started = false;
        let from_thread = poll_fn(move |cx| {
            if flag2.load(Ordering::Acquire) == 1 {
                return Poll::Ready("thread");
            }
            if !started {
                started = true;
                let waker = cx.waker().clone();
                let flag3 = flag2.clone();
                std::thread::spawn(move || {
                    flag3.store(1, Ordering::Release);
                    waker.wake();
                });
            }
            Poll::Pending
        });
        select! {
            s = from_thread => s,
            _ = pending::<()>() => "never",
        }
    });
    assert_eq!(out, "thread");
}

#[test]
fn a_select_over_send_futures_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let fut = async {
        select! {
            a = ready(1u8) => a,
            _ = yield_now() => 0,
            else => 2,
        }
    };
    assert_send(&fut);
    // `yield_now` is `Pending` on its first poll, so `ready` wins whichever is polled first.
    assert_eq!(block_on(fut), 1);
}

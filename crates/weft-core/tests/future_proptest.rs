//! Model tests of the combinators: random sets of futures that each yield a random number of
//! times and then finish (Ok or Err, matching or not), checked against what must win.
//!
//! A future that yields `k` times finishes on its `k + 1`-th poll, and every combinator here polls
//! all its woken futures once per round, so the futures finish in order of `k`.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_executor::block_on;
use proptest::prelude::*;
use weft_core::future::{join_all, race, try_join_all};
use weft_core::select;

/// Yields `yields` times (waking itself), then returns `value`; counts its drops.
struct Script<T> {
    yields: usize,
    value: Option<T>,
    drops: Rc<Cell<usize>>,
}

impl<T> Script<T> {
    fn new(yields: usize, value: T, drops: &Rc<Cell<usize>>) -> Self {
        Script {
            yields,
            value: Some(value),
            drops: drops.clone(),
        }
    }
}

impl<T: Unpin> Future for Script<T> {
    type Output = T;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        if self.yields > 0 {
            self.yields -= 1;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(self.value.take().expect("polled after completion"))
    }
}

impl<T> Drop for Script<T> {
    fn drop(&mut self) {
        self.drops.set(self.drops.get() + 1);
    }
}

proptest! {
    #[test]
    fn join_all_gives_every_output_in_input_order(yields in prop::collection::vec(0usize..20, 0..60)) {
        let drops = Rc::new(Cell::new(0));
        let futures: Vec<_> = yields.iter().enumerate().map(|(i, &k)| Script::new(k, i, &drops)).collect();
        let out = block_on(join_all(futures));
        prop_assert_eq!(out, (0..yields.len()).collect::<Vec<_>>());
        prop_assert_eq!(drops.get(), yields.len());
    }

    #[test]
    fn try_join_all_returns_an_earliest_err_or_everything(
        script in prop::collection::vec((0usize..20, any::<bool>()), 0..60),
    ) {
        let drops = Rc::new(Cell::new(0));
        let futures: Vec<_> = script
            .iter()
            .enumerate()
            .map(|(i, &(k, ok))| Script::new(k, if ok { Ok(i) } else { Err(i) }, &drops))
            .collect();
        let out = block_on(try_join_all(futures));
        let earliest_err = script.iter().filter(|(_, ok)| !ok).map(|(k, _)| *k).min();
        match earliest_err {
            None => prop_assert_eq!(out, Ok((0..script.len()).collect::<Vec<_>>())),
            Some(k) => {
                let i = out.expect_err("some future fails");
                prop_assert!(!script[i].1, "future {} did not fail", i);
                prop_assert_eq!(script[i].0, k, "future {} is not one of the first to fail", i);
            }
        }
        prop_assert_eq!(drops.get(), script.len());
    }

    #[test]
    fn race_returns_one_of_the_first_to_finish(a in 0usize..20, b in 0usize..20) {
        let drops = Rc::new(Cell::new(0));
        let out = block_on(race(Script::new(a, "a", &drops), Script::new(b, "b", &drops)));
        match a.cmp(&b) {
            std::cmp::Ordering::Less => prop_assert_eq!(out, "a"),
            std::cmp::Ordering::Greater => prop_assert_eq!(out, "b"),
            std::cmp::Ordering::Equal => {}
        }
        prop_assert_eq!(drops.get(), 2);
    }

    #[test]
    fn select_picks_an_earliest_matching_branch(
        script in prop::collection::vec((0usize..10, any::<bool>(), any::<bool>()), 4),
        biased in any::<bool>(),
    ) {
        // Each branch: (yields, output matches the pattern, condition).
        let drops = Rc::new(Cell::new(0));
        let f = |i: usize| {
            let (k, matches, _) = script[i];
            Script::new(k, if matches { Some(i) } else { None }, &drops)
        };
        let enabled = |i: usize| script[i].2;
        let (f0, f1, f2, f3) = (f(0), f(1), f(2), f(3));
        let out = block_on(async {
            if biased {
                select! {
                    biased;
                    Some(i) = f0, if enabled(0) => Some(i),
                    Some(i) = f1, if enabled(1) => Some(i),
                    Some(i) = f2, if enabled(2) => Some(i),
                    Some(i) = f3, if enabled(3) => Some(i),
                    else => None,
                }
            } else {
                select! {
                    Some(i) = f0, if enabled(0) => Some(i),
                    Some(i) = f1, if enabled(1) => Some(i),
                    Some(i) = f2, if enabled(2) => Some(i),
                    Some(i) = f3, if enabled(3) => Some(i),
                    else => None,
                }
            }
        });
        let candidates: Vec<usize> = (0..4).filter(|&i| script[i].1 && script[i].2).collect();
        let earliest = candidates.iter().map(|&i| script[i].0).min();
        match (earliest, out) {
            (None, out) => prop_assert_eq!(out, None),
            (Some(k), Some(i)) => {
                prop_assert!(candidates.contains(&i), "branch {} could not win", i);
                prop_assert_eq!(script[i].0, k, "branch {} finished after another matching one", i);
                if biased {
                    let first = candidates.iter().copied().find(|&j| script[j].0 == k);
                    prop_assert_eq!(Some(i), first, "biased: the first earliest branch wins");
                }
            }
            (Some(_), None) => prop_assert!(false, "else ran while a branch could match"),
        }
        prop_assert_eq!(drops.get(), 4);
    }
}

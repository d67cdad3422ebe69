//! `join_all`, `try_join_all`, `join!` and `try_join!`: input order, short-circuit, drops.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_executor::block_on;
use weft_core::future::{join_all, pending, ready, try_join_all, yield_now};

/// Yields `n` times, then returns `value`.
async fn after_yields<T>(n: usize, value: T) -> T {
    for _ in 0..n {
        yield_now().await;
    }
    value
}

/// Counts drops of the futures it wraps.
struct DropCounter<F> {
    inner: Pin<Box<F>>,
    drops: Rc<Cell<usize>>,
}

impl<F: Future> Future for DropCounter<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.inner.as_mut().poll(cx)
    }
}

impl<F> Drop for DropCounter<F> {
    fn drop(&mut self) {
        self.drops.set(self.drops.get() + 1);
    }
}

fn counted<F: Future>(fut: F, drops: &Rc<Cell<usize>>) -> DropCounter<F> {
    DropCounter {
        inner: Box::pin(fut),
        drops: drops.clone(),
    }
}

#[test]
fn join_all_returns_outputs_in_input_order_not_completion_order() {
    // The first future finishes last, the last first.
    let futures = (0..5).map(|i| after_yields(10 - 2 * i, i));
    assert_eq!(block_on(join_all(futures)), [0, 1, 2, 3, 4]);
}

#[test]
fn join_all_keeps_order_for_many_futures() {
    // More than 30 futures takes futures-util's FuturesOrdered path.
    let futures = (0..500).map(|i| after_yields((i * 7) % 13, i));
    let out = block_on(join_all(futures));
    assert_eq!(out, (0..500).collect::<Vec<_>>());
}

#[test]
fn join_all_of_nothing_is_empty() {
    let out: Vec<u8> = block_on(join_all(Vec::<std::future::Ready<u8>>::new()));
    assert!(out.is_empty());
}

#[test]
fn try_join_all_all_ok_in_order() {
    let futures = (0..40).map(|i| async move { Ok::<_, String>(after_yields(40 - i, i).await) });
    assert_eq!(block_on(try_join_all(futures)), Ok((0..40).collect()));
}

type BoxedResult = Pin<Box<dyn Future<Output = Result<u32, String>>>>;

#[test]
fn try_join_all_short_circuits_and_drops_the_others() {
    for count in [3usize, 50] {
        let drops = Rc::new(Cell::new(0));
        let finished = Rc::new(Cell::new(0));
        let futures: Vec<BoxedResult> = (0..count)
            .map(|i| {
                let finished = finished.clone();
                let fut: BoxedResult = if i == 1 {
                    Box::pin(counted(
                        after_yields(2, Err(format!("task {i} failed"))),
                        &drops,
                    ))
                } else {
                    Box::pin(counted(
                        async move {
                            pending::<()>().await;
                            finished.set(finished.get() + 1);
                            Ok(0)
                        },
                        &drops,
                    ))
                };
                fut
            })
            .collect();
        // Poll by hand so that the drops can be counted while the `TryJoinAll` still exists.
        let mut join = std::pin::pin!(try_join_all(futures));
        let waker = futures_util::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        let out = loop {
            if let Poll::Ready(out) = join.as_mut().poll(&mut cx) {
                break out;
            }
        };
        assert_eq!(out, Err("task 1 failed".to_string()), "count {count}");
        assert_eq!(finished.get(), 0);
        assert_eq!(
            drops.get(),
            count,
            "count {count}: every future is dropped at once"
        );
    }
}

#[test]
fn join_macro_polls_concurrently_and_keeps_argument_order() {
    let order = Rc::new(std::cell::RefCell::new(Vec::new()));
    let (a, b, c) = block_on(async {
        let step = |name: &'static str, yields: usize| {
            let order = order.clone();
            async move {
                after_yields(yields, ()).await;
                order.borrow_mut().push(name);
                name
            }
        };
        weft_core::join!(step("a", 3), step("b", 1), step("c", 0))
    });
    assert_eq!((a, b, c), ("a", "b", "c"));
    // Concurrent: completion order follows the yields, not the argument order.
    assert_eq!(*order.borrow(), ["c", "b", "a"]);
}

#[test]
fn try_join_macro_returns_the_first_error_and_drops_the_rest() {
    let drops = Rc::new(Cell::new(0));
    let out = block_on(async {
        weft_core::try_join!(
            counted(async { Ok::<u8, &str>(after_yields(1, 1).await) }, &drops),
            counted(after_yields(3, Err::<u8, &str>("boom")), &drops),
            counted(async { pending::<Result<u8, &str>>().await }, &drops),
        )
    });
    assert_eq!(out, Err("boom"));
    assert_eq!(drops.get(), 3);

    // An error after a future that never finishes still ends the join.
    let out = block_on(async {
        weft_core::try_join!(
            pending::<Result<u8, &str>>(),
            after_yields(2, Err::<u8, &str>("late"))
        )
    });
    assert_eq!(out, Err("late"));

    let ok = block_on(async { weft_core::try_join!(ready(Ok::<_, ()>(1)), ready(Ok(2))) });
    assert_eq!(ok, Ok((1, 2)));
}

#[test]
fn macros_are_reachable_through_the_future_module() {
    let (x, y) = block_on(async { weft_core::future::join!(ready(1), ready(2)) });
    assert_eq!((x, y), (1, 2));
    let out = block_on(async {
        weft_core::future::select! { v = ready(3) => v }
    });
    assert_eq!(out, 3);
}

//! `stream!` and `try_stream!`: items in order across awaits, `?`, drop, panics, paused time,
//! nesting, and misuse of the yielder; every behaviour test on both runtime flavours.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use weft::runtime::{Builder, Runtime};
use weft::stream::{stream, try_stream, Generator, Stream, StreamExt, TryStreamExt};
use weft::time::{sleep, Instant};

fn flavours() -> [(Runtime, &'static str); 2] {
    [
        (
            Builder::new_current_thread().build().unwrap(),
            "current_thread",
        ),
        (
            Builder::new_multi_thread()
                .worker_threads(2)
                .build()
                .unwrap(),
            "multi_thread",
        ),
    ]
}

/// Counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn ticker(n: u32, every: Duration) -> impl Stream<Item = u32> {
    stream! {
        for i in 0..n {
            sleep(every).await;
            yield i;
        }
    }
}

#[test]
fn items_come_in_order_across_awaits_without_pinning() {
    for (rt, flavour) in flavours() {
        let got = rt.block_on(async {
            let mut ticks = ticker(5, Duration::from_millis(1));
            let mut got = Vec::new();
            while let Some(i) = ticks.next().await {
                got.push(i);
            }
            assert_eq!(ticks.next().await, None, "{flavour}: fused after the end");
            got
        });
        assert_eq!(got, [0, 1, 2, 3, 4], "{flavour}");
    }
}

#[test]
fn a_generator_is_unpin_and_send_when_its_body_is() {
    fn unpin_send<S: Stream + Unpin + Send + 'static>(_: &S) {}
    let s = ticker(1, Duration::ZERO);
    unpin_send(&s);
}

#[test]
fn a_generator_moves_between_worker_threads_mid_stream() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let total = rt.block_on(async {
        let mut s = stream! {
            for i in 0..1_000u64 {
                if i % 7 == 0 {
                    weft::task::yield_now().await;
                }
                yield i;
            }
        };
        let first = s.next().await.unwrap();
        // The rest is consumed by another task, possibly on another worker.
        first
            + weft::spawn(async move { s.fold(0, |a, b| async move { a + b }).await })
                .await
                .unwrap()
    });
    assert_eq!(total, (0..1_000u64).sum::<u64>());
}

#[test]
fn try_stream_sends_ok_items_then_the_error_and_ends() {
    fn parse(lines: Vec<&'static str>) -> impl Stream<Item = io::Result<u32>> {
        try_stream! {
            for line in lines {
                weft::task::yield_now().await;
                let n: u32 = line
                    .parse()
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
                yield n;
            }
        }
    }
    for (rt, flavour) in flavours() {
        rt.block_on(async {
            let all: Vec<u32> = parse(vec!["1", "2", "3"]).try_collect().await.unwrap();
            assert_eq!(all, [1, 2, 3], "{flavour}");

            let mut s = parse(vec!["1", "x", "3"]);
            assert_eq!(s.next().await.unwrap().unwrap(), 1, "{flavour}");
            let err = s.next().await.unwrap().unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{flavour}");
            assert!(
                s.next().await.is_none(),
                "{flavour}: the error is the last item"
            );
        });
    }
}

#[test]
fn try_stream_converts_errors_with_from_and_can_return_early() {
    #[derive(Debug, PartialEq)]
    struct MyError(String);
    impl From<std::num::ParseIntError> for MyError {
        fn from(e: std::num::ParseIntError) -> Self {
            MyError(e.to_string())
        }
    }
    fn until_stop(words: Vec<&'static str>) -> impl Stream<Item = Result<i64, MyError>> {
        try_stream! {
            for w in words {
                if w == "stop" {
                    return Ok(());
                }
                yield w.parse::<i64>()?;
            }
        }
    }
    for (rt, flavour) in flavours() {
        rt.block_on(async {
            let got: Vec<_> = until_stop(vec!["4", "stop", "x"]).collect().await;
            assert_eq!(got, [Ok(4)], "{flavour}");
            let got: Vec<_> = until_stop(vec!["4", "x"]).collect().await;
            assert_eq!(
                got,
                [Ok(4), Err(MyError("invalid digit found in string".into()))],
                "{flavour}"
            );
        });
    }
}

#[test]
fn a_dropped_generator_drops_what_it_holds() {
    for (rt, flavour) in flavours() {
        rt.block_on(async {
            let drops = Arc::new(AtomicUsize::new(0));
            // Held across a yield.
            let held = Counted(drops.clone());
            let mut s = stream! {
                let _held = held;
                for i in 0..10 {
                    yield i;
                }
            };
            assert_eq!(s.next().await, Some(0));
            assert_eq!(drops.load(Ordering::SeqCst), 0, "{flavour}");
            drop(s);
            assert_eq!(
                drops.load(Ordering::SeqCst),
                1,
                "{flavour}: dropped at a yield"
            );

            // Held across a pending sleep, dropped through a timeout.
            let held = Counted(drops.clone());
            let mut s = stream! {
                let _held = held;
                sleep(Duration::from_secs(3600)).await;
                yield 1;
            };
            let waited = weft::time::timeout(Duration::from_millis(5), s.next()).await;
            assert!(waited.is_err(), "{flavour}");
            drop(s);
            assert_eq!(
                drops.load(Ordering::SeqCst),
                2,
                "{flavour}: dropped at an await"
            );

            // Never polled.
            let held = Counted(drops.clone());
            let s = stream! {
                let _held = held;
                yield 1;
            };
            drop(s);
            assert_eq!(
                drops.load(Ordering::SeqCst),
                3,
                "{flavour}: dropped unpolled"
            );
        });
    }
}

#[test]
fn a_panic_inside_reaches_the_consumer() {
    for (rt, flavour) in flavours() {
        rt.block_on(async {
            let consumer = weft::spawn(async {
                let mut s = stream! {
                    yield 1;
                    weft::task::yield_now().await;
                    panic!("generator failed at item 2");
                };
                let first = s.next().await;
                assert_eq!(first, Some(1));
                s.next().await
            });
            let err = consumer.await.unwrap_err();
            assert!(err.is_panic(), "{flavour}");
            let payload = err.into_panic();
            let msg = payload.downcast_ref::<&str>().copied().unwrap_or_default();
            assert_eq!(msg, "generator failed at item 2", "{flavour}");

            // Caught by the consumer: the stream is over afterwards.
            let mut s = stream! {
                yield 1;
                panic!("boom");
            };
            assert_eq!(s.next().await, Some(1));
            let caught = std::panic::AssertUnwindSafe(s.next());
            let caught = futures_util::FutureExt::catch_unwind(caught).await;
            assert!(caught.is_err(), "{flavour}");
            assert_eq!(s.next().await, None, "{flavour}: ends after the panic");
        });
    }
}

#[test]
fn generators_under_paused_time_take_no_real_time() {
    let rt = Builder::new_current_thread()
        .start_paused(true)
        .build()
        .unwrap();
    let real = std::time::Instant::now();
    rt.block_on(async {
        let start = Instant::now();
        let mut hourly = ticker(24, Duration::from_secs(3600));
        let mut seen = 0;
        while let Some(i) = hourly.next().await {
            assert_eq!(start.elapsed(), Duration::from_secs(3600) * (i + 1));
            seen += 1;
        }
        assert_eq!(seen, 24);
        // A throttled consumer: the generator waits for its consumer.
        let mut s = stream! {
            for i in 0..3u64 {
                yield (i, Instant::now());
            }
        };
        while let Some((i, at)) = s.next().await {
            assert_eq!(at, Instant::now(), "item {i} was made when asked for");
            sleep(Duration::from_secs(60)).await;
        }
    });
    assert!(real.elapsed() < Duration::from_secs(30));
}

#[test]
fn a_generator_consuming_another_gets_its_own_items() {
    for (rt, flavour) in flavours() {
        let got = rt.block_on(async {
            let inner = ticker(3, Duration::from_millis(1));
            let mut outer = stream! {
                let mut inner = inner;
                while let Some(i) = inner.next().await {
                    yield format!("outer saw {i}");
                    let mut nested = stream! { yield i * 10; yield i * 10 + 1; };
                    while let Some(j) = nested.next().await {
                        yield format!("nested {j}");
                    }
                }
            };
            let mut got = Vec::new();
            while let Some(line) = outer.next().await {
                got.push(line);
            }
            got
        });
        assert_eq!(
            got,
            [
                "outer saw 0",
                "nested 0",
                "nested 1",
                "outer saw 1",
                "nested 10",
                "nested 11",
                "outer saw 2",
                "nested 20",
                "nested 21"
            ],
            "{flavour}"
        );
    }
}

#[test]
fn two_yields_awaited_together_lose_no_item() {
    for (rt, flavour) in flavours() {
        let got: Vec<u32> = rt.block_on(async {
            Generator::new(|y| async move {
                weft::join!(y.send(1), y.send(2));
                y.send(3).await;
            })
            .collect()
            .await
        });
        assert_eq!(got, [1, 2, 3], "{flavour}");
    }
}

#[test]
fn a_yielder_moved_to_another_task_panics_with_a_message() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let (tx, rx) = weft::sync::oneshot::channel();
        let mut s = Generator::new(|y| async move {
            let _ = tx.send(y);
            std::future::pending::<()>().await;
        });
        let _ = weft::time::timeout(Duration::from_millis(1), s.next()).await;
        let y = rx.await.unwrap();
        let err = weft::spawn(async move { y.send(5u32).await })
            .await
            .unwrap_err();
        let payload = err.into_panic();
        let msg = payload.downcast_ref::<&str>().copied().unwrap_or_default();
        assert!(
            msg.contains("outside the poll of its own `stream!`"),
            "{msg}"
        );
    });
}

#[test]
fn yields_in_if_match_loops_and_blocks_and_an_early_return() {
    for (rt, flavour) in flavours() {
        let got: Vec<String> = rt.block_on(async {
            let words = vec!["a", "skip", "b", "stop", "c"];
            stream! {
                yield "start".to_string();
                'outer: loop {
                    for w in &words {
                        match *w {
                            "skip" => continue,
                            "stop" => break 'outer,
                            w if w.len() == 1 => {
                                let upper = { w.to_uppercase() };
                                yield if upper == "A" { upper } else { format!("{upper}!") };
                            }
                            _ => unreachable!(),
                        }
                    }
                }
                yield "after the loop".to_string();
                if words.len() > 1 {
                    return;
                }
                yield "never".to_string();
            }
            .collect()
            .await
        });
        assert_eq!(got, ["start", "A", "B!", "after the loop"], "{flavour}");
    }
}

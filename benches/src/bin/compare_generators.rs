//! Async generators: the per-item cost of `weft::stream::stream!` against async-stream's
//! `stream!`, a hand-written `Stream` impl, `unfold`, and a task feeding a channel; and the cost of
//! making many short generators (weft's boxes its body once, so it needs no `pin!`). One
//! current-thread weft runtime; interleaved rounds in one process.
//!
//! `cargo run --release --bin compare_generators -- [rounds] [filter]`

use std::hint::black_box;
use std::pin::{pin, Pin};
use std::task::{Context, Poll};

use weft::stream::{Stream, StreamExt};
use weft_benches::harness::{self, Bench, Contender};

/// Items per run of the per-item benchmarks.
const ITEMS: u64 = 1_000_000;
/// Generators per run of the creation benchmark, and items in each.
const SHORT: u64 = 100_000;
const SHORT_ITEMS: u64 = 3;

/// Counts up to `end`: the hand-written baseline.
struct Counter {
    next: u64,
    end: u64,
}

impl Stream for Counter {
    type Item = u64;
    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<u64>> {
        let n = self.next;
        if n == self.end {
            return Poll::Ready(None);
        }
        self.next = n + 1;
        Poll::Ready(Some(n))
    }
}

async fn sum(s: impl Stream<Item = u64>) -> u64 {
    let mut s = pin!(s);
    let mut total = 0u64;
    while let Some(x) = s.next().await {
        total = total.wrapping_add(black_box(x));
    }
    total
}

fn weft_gen(n: u64) -> impl Stream<Item = u64> {
    weft::stream::stream! {
        for i in 0..n {
            yield i;
        }
    }
}

fn async_stream_gen(n: u64) -> impl Stream<Item = u64> {
    async_stream::stream! {
        for i in 0..n {
            yield i;
        }
    }
}

fn unfold_gen(n: u64) -> impl Stream<Item = u64> {
    futures::stream::unfold(0, move |i| async move { (i < n).then_some((i, i + 1)) })
}

/// A task sends the items through a bounded weft channel.
fn channel_gen(n: u64) -> impl Stream<Item = u64> {
    let (tx, rx) = weft::sync::mpsc::channel(256);
    weft::spawn(async move {
        for i in 0..n {
            if tx.send(i).await.is_err() {
                return;
            }
        }
    });
    rx
}

fn main() {
    let (rounds, filter) = harness::args(7);
    let rt = weft::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let rt = &rt;
    let expect = (0..ITEMS).sum::<u64>();
    let check = move |got: u64| assert_eq!(got, expect);
    let short_total = SHORT * (0..SHORT_ITEMS).sum::<u64>();
    let mut benches = vec![
        Bench {
            name: format!("{ITEMS} items from one generator, summed"),
            iters: 1,
            ops: ITEMS as usize,
            contenders: vec![
                Contender::new("stream!", move || check(rt.block_on(sum(weft_gen(ITEMS))))),
                Contender::new("async-strm", move || {
                    check(rt.block_on(sum(async_stream_gen(ITEMS))))
                }),
                Contender::new("hand impl", move || {
                    check(rt.block_on(sum(Counter {
                        next: 0,
                        end: ITEMS,
                    })))
                }),
                Contender::new("unfold", move || check(rt.block_on(sum(unfold_gen(ITEMS))))),
                Contender::new("chan task", move || {
                    check(rt.block_on(async { sum(channel_gen(ITEMS)).await }))
                }),
            ],
        },
        Bench {
            name: format!("{SHORT} generators of {SHORT_ITEMS} items, made and drained"),
            iters: 1,
            ops: SHORT as usize,
            contenders: vec![
                Contender::new("stream!", move || {
                    let got = rt.block_on(async {
                        let mut t = 0;
                        for _ in 0..SHORT {
                            t += sum(weft_gen(SHORT_ITEMS)).await;
                        }
                        t
                    });
                    assert_eq!(got, short_total);
                }),
                Contender::new("async-strm", move || {
                    let got = rt.block_on(async {
                        let mut t = 0;
                        for _ in 0..SHORT {
                            t += sum(async_stream_gen(SHORT_ITEMS)).await;
                        }
                        t
                    });
                    assert_eq!(got, short_total);
                }),
                Contender::new("hand impl", move || {
                    let got = rt.block_on(async {
                        let mut t = 0;
                        for _ in 0..SHORT {
                            t += sum(Counter {
                                next: 0,
                                end: SHORT_ITEMS,
                            })
                            .await;
                        }
                        t
                    });
                    assert_eq!(got, short_total);
                }),
                Contender::new("chan task", move || {
                    let got = rt.block_on(async {
                        let mut t = 0;
                        for _ in 0..SHORT {
                            t += sum(channel_gen(SHORT_ITEMS)).await;
                        }
                        t
                    });
                    assert_eq!(got, short_total);
                }),
            ],
        },
    ];
    benches.retain(|b| b.name.contains(&filter));
    let results = harness::run(&mut benches, rounds);
    results.print(rounds);
}

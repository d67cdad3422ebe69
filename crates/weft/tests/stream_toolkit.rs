//! The stream toolkit: `Interval` as a stream, `timeout` and `throttle`, `StreamMap`, and
//! `next_line`; each on both runtime flavours (timing checks under paused time).

use std::time::Duration;

use weft::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, LinesExt};
use weft::runtime::{Builder, Runtime};
use weft::stream::{self, stream, Stream, StreamExt, StreamMap, StreamTimeExt};
use weft::sync::mpsc;
use weft::time::{interval, sleep, Instant};

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

fn paused() -> Runtime {
    Builder::new_current_thread()
        .start_paused(true)
        .build()
        .unwrap()
}

#[test]
fn an_interval_is_a_stream_of_its_ticks() {
    for (rt, flavour) in flavours() {
        rt.block_on(async {
            let start = Instant::now();
            let mut ticks = interval(Duration::from_millis(5));
            let first = ticks.next().await.unwrap();
            let third = ticks.by_ref().skip(1).next().await.unwrap();
            assert_eq!(third - first, Duration::from_millis(10), "{flavour}");
            assert!(start.elapsed() >= Duration::from_millis(10), "{flavour}");
            assert_eq!(
                ticks.size_hint(),
                (usize::MAX, None),
                "{flavour}: never ends"
            );
        });
    }
    paused().block_on(async {
        let start = Instant::now();
        let ticks: Vec<Instant> = interval(Duration::from_secs(60)).take(4).collect().await;
        let offsets: Vec<Duration> = ticks.iter().map(|t| *t - start).collect();
        assert_eq!(offsets, [0, 60, 120, 180].map(Duration::from_secs));
    });
}

#[test]
fn timeout_reports_each_gap_once_and_keeps_the_items() {
    paused().block_on(async {
        let start = Instant::now();
        // Items at 1 s, 2 s, then 10 s, then the end.
        let source = stream! {
            for at in [1u64, 2, 10] {
                weft::time::sleep_until(start + Duration::from_secs(at)).await;
                yield at;
            }
        };
        let mut watched = source.timeout(Duration::from_secs(3));
        let mut seen = Vec::new();
        while let Some(item) = watched.next().await {
            seen.push((item.ok(), (Instant::now() - start).as_secs()));
        }
        // The gap 2 s -> 10 s is reported once, at 5 s (3 s after the item at 2 s).
        assert_eq!(
            seen,
            [(Some(1), 1), (Some(2), 2), (None, 5), (Some(10), 10)]
        );
    });
    for (rt, flavour) in flavours() {
        rt.block_on(async {
            let (tx, rx) = mpsc::channel::<u32>(4);
            let mut watched = rx.timeout(Duration::from_millis(20));
            assert!(
                watched.next().await.unwrap().is_err(),
                "{flavour}: nothing came"
            );
            tx.send(7).await.unwrap();
            assert_eq!(watched.next().await, Some(Ok(7)), "{flavour}");
            drop(tx);
            assert_eq!(
                watched.next().await,
                None,
                "{flavour}: ends with the source"
            );
        });
    }
}

#[test]
fn throttle_spaces_items_by_at_least_the_duration() {
    paused().block_on(async {
        let start = Instant::now();
        let mut paced = stream::iter(0..4).throttle(Duration::from_secs(2));
        let mut at = Vec::new();
        while let Some(i) = paced.next().await {
            at.push((i, (Instant::now() - start).as_secs()));
            if i == 1 {
                // A slow consumer: the gap is already over when it asks again.
                sleep(Duration::from_secs(5)).await;
            }
        }
        assert_eq!(at, [(0, 0), (1, 2), (2, 7), (3, 9)]);
    });
    for (rt, flavour) in flavours() {
        rt.block_on(async {
            let start = Instant::now();
            let n = stream::iter(0..3)
                .throttle(Duration::from_millis(10))
                .count()
                .await;
            assert_eq!(n, 3, "{flavour}");
            assert!(start.elapsed() >= Duration::from_millis(20), "{flavour}");
        });
    }
}

#[test]
fn stream_map_merges_keyed_streams_and_drops_ended_ones() {
    for (rt, flavour) in flavours() {
        rt.block_on(async {
            let mut map = StreamMap::new();
            let (tx_a, rx_a) = mpsc::unbounded_channel::<u32>();
            let (tx_b, rx_b) = mpsc::unbounded_channel::<u32>();
            assert!(map.insert("a", rx_a).is_none());
            assert!(map.insert("b", rx_b).is_none());
            let producer = weft::spawn(async move {
                for i in 0..3 {
                    tx_a.send(i).unwrap();
                    tx_b.send(100 + i).unwrap();
                    weft::task::yield_now().await;
                }
            });
            let mut got = Vec::new();
            while let Some((key, n)) = map.next().await {
                got.push((key, n));
            }
            producer.await.unwrap();
            got.sort();
            assert_eq!(
                got,
                [
                    ("a", 0),
                    ("a", 1),
                    ("a", 2),
                    ("b", 100),
                    ("b", 101),
                    ("b", 102)
                ],
                "{flavour}"
            );
            assert!(map.is_empty(), "{flavour}");

            // Insert again after the end: the map yields again. Replace and remove by key.
            map.insert("c", mpsc::unbounded_channel().1);
            let (tx, rx) = mpsc::unbounded_channel();
            assert!(map.insert("c", rx).is_some(), "{flavour}: replaced");
            tx.send(5).unwrap();
            assert_eq!(map.next().await, Some(("c", 5)), "{flavour}");
            assert!(map.contains_key("c"));
            assert!(map.remove("c").is_some());
            assert_eq!(map.next().await, None, "{flavour}");
        });
    }
}

#[test]
fn stream_map_lets_no_busy_stream_starve_another() {
    for (rt, flavour) in flavours() {
        rt.block_on(async {
            let mut map: StreamMap<u8, std::pin::Pin<Box<dyn Stream<Item = u8> + Send>>> =
                StreamMap::new();
            map.insert(0, Box::pin(futures_util::stream::repeat(0)));
            map.insert(1, Box::pin(futures_util::stream::repeat(1)));
            map.insert(2, Box::pin(stream::iter(vec![2])));
            let first: Vec<u8> = map.by_ref().take(6).map(|(_, v)| v).collect().await;
            for key in 0..=2 {
                assert!(
                    first.contains(&key),
                    "{flavour}: {key} starved in {first:?}"
                );
            }
            assert_eq!(map.len(), 2, "{flavour}: the ended stream was removed");
        });
    }
}

#[test]
fn next_line_reads_lines_as_tokio_code_expects() {
    for (rt, flavour) in flavours() {
        rt.block_on(async {
            let (mut client, server) = weft::io::duplex(16);
            let writer = weft::spawn(async move {
                client.write_all(b"one\r\ntwo\nthree").await.unwrap();
            });
            let mut lines = BufReader::new(server).lines();
            let mut got = Vec::new();
            while let Some(line) = lines.next_line().await.unwrap() {
                got.push(line);
            }
            writer.await.unwrap();
            assert_eq!(got, ["one", "two", "three"], "{flavour}");
            assert!(lines.next_line().await.unwrap().is_none(), "{flavour}");
        });
    }
}

#[test]
fn a_join_set_is_a_stream_of_results_in_finishing_order() {
    for (rt, flavour) in flavours() {
        rt.block_on(async {
            let mut set = weft::task::JoinSet::new();
            let (tx, rx) = weft::sync::oneshot::channel::<()>();
            set.spawn(async move {
                rx.await.unwrap();
                "second"
            });
            set.spawn(async { "first" });
            assert_eq!(set.size_hint(), (2, Some(2)));
            assert_eq!(set.next().await.unwrap().unwrap(), "first", "{flavour}");
            tx.send(()).unwrap();
            let rest: Vec<&str> = set.by_ref().map(Result::unwrap).collect().await;
            assert_eq!(rest, ["second"], "{flavour}");
            assert!(set.next().await.is_none(), "{flavour}: empty set ends");
            set.spawn(async { "again" });
            assert_eq!(set.next().await.unwrap().unwrap(), "again", "{flavour}");
        });
    }
}

//! `StreamMap` against a model (a map of key to queue of items): inserts, replacements, removals
//! and reads in any order give each stream's items in its order, tagged with its key; a stream
//! leaves the map only once it has ended; the map ends exactly when it holds no stream.

use std::collections::{BTreeMap, VecDeque};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use proptest::prelude::*;
use weft::stream::{self, Stream, StreamMap};

type Items = futures_util::stream::Iter<std::vec::IntoIter<u8>>;

#[derive(Debug, Clone)]
enum Op {
    Insert(u8, Vec<u8>),
    Remove(u8),
    Next,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (0..5u8, proptest::collection::vec(any::<u8>(), 0..4)).prop_map(|(k, v)| Op::Insert(k, v)),
        1 => (0..5u8).prop_map(Op::Remove),
        4 => Just(Op::Next),
    ]
}

fn poll_next(map: &mut StreamMap<u8, Items>) -> Poll<Option<(u8, u8)>> {
    let mut cx = Context::from_waker(Waker::noop());
    Pin::new(map).poll_next(&mut cx)
}

proptest! {
    #[test]
    fn stream_map_matches_its_model(ops in proptest::collection::vec(op(), 0..60)) {
        let mut map: StreamMap<u8, Items> = StreamMap::new();
        let mut model: BTreeMap<u8, VecDeque<u8>> = BTreeMap::new();
        for op in ops {
            match op {
                Op::Insert(k, items) => {
                    let replaced = map.insert(k, stream::iter(items.clone()));
                    prop_assert_eq!(replaced.is_some(), model.contains_key(&k));
                    model.insert(k, items.into());
                }
                Op::Remove(k) => {
                    prop_assert_eq!(map.remove(&k).is_some(), model.remove(&k).is_some());
                }
                Op::Next => match poll_next(&mut map) {
                    Poll::Ready(Some((k, v))) => {
                        let queue = model.get_mut(&k);
                        prop_assert!(queue.is_some(), "item from a key not in the map: {}", k);
                        prop_assert_eq!(queue.unwrap().pop_front(), Some(v));
                    }
                    Poll::Ready(None) => {
                        prop_assert!(model.values().all(VecDeque::is_empty));
                        model.clear();
                    }
                    Poll::Pending => prop_assert!(false, "every stream here is always ready"),
                },
            }
            // A stream leaves the map only when it has ended.
            let gone: Vec<u8> = model.keys().copied().filter(|k| !map.contains_key(k)).collect();
            for k in gone {
                prop_assert!(model[&k].is_empty(), "stream {} left with items", k);
                model.remove(&k);
            }
            prop_assert_eq!(map.len(), model.len());
        }
        // Drain: every remaining item, each stream's in order.
        let mut drained: BTreeMap<u8, Vec<u8>> = BTreeMap::new();
        loop {
            match poll_next(&mut map) {
                Poll::Ready(Some((k, v))) => drained.entry(k).or_default().push(v),
                Poll::Ready(None) => break,
                Poll::Pending => prop_assert!(false, "every stream here is always ready"),
            }
        }
        let expected: BTreeMap<u8, Vec<u8>> = model
            .into_iter()
            .filter(|(_, q)| !q.is_empty())
            .map(|(k, q)| (k, q.into()))
            .collect();
        prop_assert_eq!(drained, expected);
        prop_assert!(map.is_empty());
    }
}

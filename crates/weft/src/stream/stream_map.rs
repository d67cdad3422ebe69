//! `StreamMap`: many keyed streams merged into one, each item tagged with its stream's key.

use std::borrow::Borrow;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::stream::Stream;

/// Keyed streams merged into one stream of `(key, item)`: asyncio's habit of a dict of async
/// iterators read together, or a chat server's map of user to message stream.
///
/// Streams can be added and removed while the map is read. A stream that ends is removed from the
/// map (its key goes with it). The map yields `None` when it holds no stream, so a loop
/// `while let Some((key, item)) = map.next().await` ends when every stream has; insert again after
/// that and the map yields again. Each poll starts at a different stream, so a busy stream cannot
/// starve the others. Inserting a key that is present replaces its stream and returns the old one.
///
/// The streams must be `Unpin` (a [`stream!`](crate::stream::stream) generator is, and so are the
/// channel receivers); pin others with `Box::pin`.
///
/// # Examples
///
/// ```
/// use weft::stream::{self, StreamExt, StreamMap};
///
/// #[weft::main]
/// async fn main() {
///     let mut map = StreamMap::new();
///     map.insert("evens", stream::iter(vec![0, 2]));
///     map.insert("odds", stream::iter(vec![1, 3, 5]));
///
///     let mut seen = Vec::new();
///     while let Some((key, n)) = map.next().await {
///         seen.push((key, n));
///     }
///     seen.sort();
///     assert_eq!(
///         seen,
///         [("evens", 0), ("evens", 2), ("odds", 1), ("odds", 3), ("odds", 5)]
///     );
///     assert!(map.is_empty(), "ended streams are removed");
/// }
/// ```
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct StreamMap<K, V> {
    entries: Vec<(K, V)>,
    /// Where the next poll starts: rotates so every stream gets its turn first.
    start: usize,
}

impl<K, V> StreamMap<K, V> {
    /// An empty map.
    pub fn new() -> Self {
        StreamMap {
            entries: Vec::new(),
            start: 0,
        }
    }

    /// An empty map with room for `capacity` streams.
    pub fn with_capacity(capacity: usize) -> Self {
        StreamMap {
            entries: Vec::with_capacity(capacity),
            start: 0,
        }
    }

    /// The number of streams in the map.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map holds no stream.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The keys and streams, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &(K, V)> {
        self.entries.iter()
    }

    /// The keys and streams, mutably, in no particular order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut (K, V)> {
        self.entries.iter_mut()
    }

    /// The keys, in no particular order.
    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The streams, in no particular order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Removes every stream.
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

impl<K: Eq, V> StreamMap<K, V> {
    /// Adds `stream` under `key`; returns the stream that `key` had, if any (it is replaced).
    pub fn insert(&mut self, key: K, stream: V) -> Option<V> {
        if let Some(i) = self.position(&key) {
            return Some(std::mem::replace(&mut self.entries[i].1, stream));
        }
        self.entries.push((key, stream));
        None
    }

    /// Removes the stream under `key` and returns it.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        let i = self.position(key)?;
        Some(self.entries.swap_remove(i).1)
    }

    /// Whether a stream is under `key`.
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        self.position(key).is_some()
    }

    fn position<Q>(&self, key: &Q) -> Option<usize>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        self.entries.iter().position(|(k, _)| k.borrow() == key)
    }
}

impl<K, V> Default for StreamMap<K, V> {
    fn default() -> Self {
        StreamMap::new()
    }
}

impl<K: Clone + Unpin, V: Stream + Unpin> Stream for StreamMap<K, V> {
    type Item = (K, V::Item);

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let n = this.entries.len();
        if n == 0 {
            return Poll::Ready(None);
        }
        let start = this.start % n;
        this.start = this.start.wrapping_add(1);
        // Streams that ended in this poll, removed before returning (never polled again).
        let mut ended = Vec::new();
        let mut found = None;
        for k in 0..n {
            let i = (start + k) % n;
            let (key, stream) = &mut this.entries[i];
            match Pin::new(stream).poll_next(cx) {
                Poll::Ready(Some(item)) => {
                    found = Some((key.clone(), item));
                    break;
                }
                Poll::Ready(None) => ended.push(i),
                Poll::Pending => {}
            }
        }
        // Highest index first: `swap_remove` then moves in an entry that is not to be removed.
        ended.sort_unstable_by(|a, b| b.cmp(a));
        for i in ended {
            this.entries.swap_remove(i);
        }
        match found {
            Some(item) => Poll::Ready(Some(item)),
            None if this.entries.is_empty() => Poll::Ready(None),
            None => Poll::Pending,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.entries
            .iter()
            .fold((0, Some(0)), |(low, high), (_, s)| {
                let (l, h) = s.size_hint();
                (
                    low.saturating_add(l),
                    high.zip(h).and_then(|(a, b)| a.checked_add(b)),
                )
            })
    }
}

impl<K: Eq, V> FromIterator<(K, V)> for StreamMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = StreamMap::new();
        for (k, v) in iter {
            map.insert(k, v);
        }
        map
    }
}

impl<K: Eq, V> Extend<(K, V)> for StreamMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

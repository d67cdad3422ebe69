//! 10,000 sources registered with one reactor at once, all waiting, all woken.

mod support;

use std::io::Write;
use std::os::unix::net::UnixStream;

use support::{each_flavor, spawn};
use weft_io::io::{Async, AsyncReadExt};
use weft_io::Handle;

const PAIRS: usize = 5_000; // 10,000 registered sockets

#[test]
fn ten_thousand_sources() {
    each_flavor(false, || async {
        let handle = Handle::current();
        let mut writers = Vec::with_capacity(PAIRS);
        let mut readers = Vec::with_capacity(PAIRS);
        let mut peers = Vec::with_capacity(PAIRS);
        for _ in 0..PAIRS {
            let (a, b) = UnixStream::pair().unwrap();
            let a = Async::new(a).unwrap();
            let b = Async::new(b).unwrap();
            readers.push(a);
            peers.push(b);
        }
        assert_eq!(handle.registered_sources(), 2 * PAIRS);
        let tasks: Vec<_> = readers
            .into_iter()
            .enumerate()
            .map(|(i, mut a)| {
                spawn(async move {
                    let mut buf = [0u8; 2];
                    a.read_exact(&mut buf).await.unwrap();
                    assert_eq!(u16::from_le_bytes(buf) as usize, i % 65_536);
                })
            })
            .collect();
        // Write from another thread while every reader waits.
        for (i, b) in peers.into_iter().enumerate() {
            writers.push((i, b));
        }
        let writer = std::thread::spawn(move || {
            for (i, b) in &writers {
                b.get_ref()
                    .write_all(&((*i % 65_536) as u16).to_le_bytes())
                    .unwrap();
            }
            writers
        });
        for t in tasks {
            t.await;
        }
        drop(writer.join().unwrap());
        assert_eq!(handle.registered_sources(), 0);
    });
}

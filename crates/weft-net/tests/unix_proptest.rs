//! Property tests: whatever the sizes of the writes (plain and vectored) and of the read
//! buffers, a stream delivers exactly the bytes written, in order; datagrams keep their
//! boundaries.

mod support;

use std::io::IoSlice;

use proptest::prelude::*;
use support::Flavor;
use weft_io::io::AsyncWriteExt;
use weft_net::{UnixDatagram, UnixStream};

fn flavor(multi: bool) -> Flavor {
    if multi {
        Flavor::MultiThread
    } else {
        Flavor::CurrentThread
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn stream_delivers_every_byte_in_order(
        writes in prop::collection::vec((1usize..20_000, any::<bool>()), 1..30),
        reads in prop::collection::vec(1usize..30_000, 1..10),
        multi in any::<bool>(),
    ) {
        let total: usize = writes.iter().map(|(n, _)| n).sum();
        let data: Vec<u8> = (0..total).map(|i| (i * 7 % 253) as u8).collect();
        let got = support::run(flavor(multi), async move {
            let (mut a, b) = UnixStream::pair().unwrap();
            let expected = data.clone();
            let writer = weft_runtime::spawn(async move {
                let mut at = 0;
                for (n, vectored) in writes {
                    let chunk = &data[at..at + n];
                    if vectored {
                        // Split the chunk in two slices; finish whatever write_vectored leaves.
                        let (x, y) = chunk.split_at(n / 2);
                        let done = a.write_vectored(&[IoSlice::new(x), IoSlice::new(y)]).await.unwrap();
                        a.write_all(&chunk[done..]).await.unwrap();
                    } else {
                        a.write_all(chunk).await.unwrap();
                    }
                    at += n;
                }
                a.close().await.unwrap();
            });
            let mut got = Vec::with_capacity(expected.len());
            let mut i = 0;
            loop {
                let mut buf = vec![0u8; reads[i % reads.len()]];
                i += 1;
                let n = b.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
            support::join(writer).await;
            (got, expected)
        });
        prop_assert!(got.0 == got.1, "stream bytes differ ({} vs {} bytes)", got.0.len(), got.1.len());
    }

    #[test]
    fn datagrams_keep_their_boundaries(
        sizes in prop::collection::vec(0usize..2_000, 1..40),
        multi in any::<bool>(),
    ) {
        let received = support::run(flavor(multi), {
            let sizes = sizes.clone();
            async move {
                let (a, b) = UnixDatagram::pair().unwrap();
                let sender = weft_runtime::spawn(async move {
                    for (i, n) in sizes.into_iter().enumerate() {
                        a.send(&vec![i as u8; n]).await.unwrap();
                    }
                    a
                });
                let mut received = Vec::new();
                let count = support::join(sender).await;
                drop(count);
                let mut buf = vec![0u8; 4096];
                while let Ok(n) = b.try_recv(&mut buf) {
                    received.push(buf[..n].to_vec());
                }
                received
            }
        });
        prop_assert_eq!(received.len(), sizes.len());
        for (i, (d, n)) in received.iter().zip(&sizes).enumerate() {
            prop_assert_eq!(d.len(), *n);
            prop_assert!(d.iter().all(|&x| x == i as u8));
        }
    }
}

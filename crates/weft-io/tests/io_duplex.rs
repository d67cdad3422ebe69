//! `duplex`: both directions, back-pressure at the buffer size, close and drop, and a proptest of
//! one direction against a `VecDeque` model.

mod support;

use std::collections::VecDeque;
use std::io::ErrorKind;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures_io::{AsyncRead, AsyncWrite};
use proptest::prelude::*;
use support::{each_flavor, spawn};
use weft_io::io::{duplex, AsyncReadExt, AsyncWriteExt};
use weft_io::time::timeout;

#[test]
fn both_directions_carry_bytes() {
    each_flavor(false, || async {
        // One task plays both ends, so each message must fit in the buffer.
        let (mut a, mut b) = duplex(16);
        for i in 0..100u32 {
            let msg = format!("message {i}");
            a.write_all(msg.as_bytes()).await.unwrap();
            let mut got = vec![0; msg.len()];
            b.read_exact(&mut got).await.unwrap();
            assert_eq!(got, msg.as_bytes());
            b.write_all(&got).await.unwrap();
            a.read_exact(&mut got).await.unwrap();
            assert_eq!(got, msg.as_bytes());
        }
    });
}

#[test]
fn a_full_pipe_makes_the_writer_wait_for_the_reader() {
    each_flavor(false, || async {
        let (mut a, mut b) = duplex(16);
        // 16 bytes fit, the 17th waits.
        assert_eq!(a.write(&[7; 20]).await.unwrap(), 16);
        let blocked = timeout(Duration::from_millis(20), a.write(&[7])).await;
        assert!(blocked.is_err(), "a write into a full pipe must wait");
        // A concurrent reader lets a large transfer through byte-exact.
        let data: Vec<u8> = (0..256 * 1024).map(|i| (i % 251) as u8).collect();
        let expect = data.clone();
        let reader = spawn(async move {
            let mut first = [0u8; 16];
            b.read_exact(&mut first).await.unwrap();
            assert_eq!(first, [7; 16]);
            let mut got = Vec::new();
            b.read_to_end(&mut got).await.unwrap();
            got
        });
        a.write_all(&data).await.unwrap();
        a.close().await.unwrap();
        assert!(reader.await == expect, "the bytes arrived in order");
    });
}

#[test]
fn close_ends_one_direction_only() {
    each_flavor(false, || async {
        let (mut a, mut b) = duplex(64);
        a.write_all(b"last words").await.unwrap();
        a.close().await.unwrap();
        let mut got = Vec::new();
        b.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"last words");
        // b can still answer, a can still read.
        b.write_all(b"reply").await.unwrap();
        let mut reply = [0; 5];
        a.read_exact(&mut reply).await.unwrap();
        assert_eq!(&reply, b"reply");
        // a cannot write after closing.
        assert_eq!(
            a.write(b"x").await.unwrap_err().kind(),
            ErrorKind::BrokenPipe
        );
    });
}

#[test]
fn dropping_an_end_wakes_the_other_with_eof_and_broken_pipe() {
    each_flavor(false, || async {
        let (mut a, b) = duplex(4);
        a.write_all(b"full").await.unwrap();
        // a waits for room; b is dropped meanwhile: the write fails instead of hanging.
        let writer = spawn(async move {
            let err = a.write_all(b"more").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::BrokenPipe);
            let mut rest = Vec::new();
            a.read_to_end(&mut rest).await.unwrap();
            rest
        });
        weft_io::time::sleep(Duration::from_millis(5)).await;
        drop(b);
        assert!(writer.await.is_empty());

        // A reader waiting on an empty pipe sees end of stream when the writer goes.
        let (a, mut b) = duplex(4);
        let reader = spawn(async move {
            let mut buf = [0; 4];
            b.read(&mut buf).await.unwrap()
        });
        weft_io::time::sleep(Duration::from_millis(5)).await;
        drop(a);
        assert_eq!(reader.await, 0);
    });
}

#[test]
#[should_panic(expected = "give at least 1")]
fn a_zero_sized_pipe_is_refused() {
    let _ = duplex(0);
}

#[derive(Debug, Clone)]
enum Op {
    Write(Vec<u8>),
    Read(usize),
    CloseWriter,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(Op::Write),
        4 => (0usize..40).prop_map(Op::Read),
        1 => Just(Op::CloseWriter),
    ]
}

proptest! {
    /// One direction polled by hand against a bounded `VecDeque`: every poll's outcome (bytes
    /// taken, bytes read, `Pending`, end of stream, `BrokenPipe`) matches the model.
    #[test]
    fn one_direction_matches_a_bounded_queue(cap in 1usize..64, ops in proptest::collection::vec(op(), 1..80)) {
        let (mut w, mut r) = duplex(cap);
        let mut model: VecDeque<u8> = VecDeque::new();
        let mut closed = false;
        let mut cx = Context::from_waker(Waker::noop());
        for op in ops {
            match op {
                Op::Write(bytes) => {
                    let got = Pin::new(&mut w).poll_write(&mut cx, &bytes);
                    if closed {
                        prop_assert!(matches!(got, Poll::Ready(Err(ref e)) if e.kind() == ErrorKind::BrokenPipe));
                    } else if bytes.is_empty() {
                        prop_assert!(matches!(got, Poll::Ready(Ok(0))));
                    } else if model.len() == cap {
                        prop_assert!(got.is_pending());
                    } else {
                        let n = (cap - model.len()).min(bytes.len());
                        prop_assert!(matches!(got, Poll::Ready(Ok(k)) if k == n));
                        model.extend(&bytes[..n]);
                    }
                }
                Op::Read(len) => {
                    let mut buf = vec![0u8; len];
                    let got = Pin::new(&mut r).poll_read(&mut cx, &mut buf);
                    if len == 0 {
                        prop_assert!(matches!(got, Poll::Ready(Ok(0))));
                    } else if model.is_empty() {
                        if closed {
                            prop_assert!(matches!(got, Poll::Ready(Ok(0))));
                        } else {
                            prop_assert!(got.is_pending());
                        }
                    } else {
                        let n = len.min(model.len());
                        prop_assert!(matches!(got, Poll::Ready(Ok(k)) if k == n));
                        let want: Vec<u8> = model.drain(..n).collect();
                        prop_assert_eq!(&buf[..n], &want[..]);
                    }
                }
                Op::CloseWriter => {
                    prop_assert!(matches!(Pin::new(&mut w).poll_close(&mut cx), Poll::Ready(Ok(()))));
                    closed = true;
                }
            }
        }
    }
}

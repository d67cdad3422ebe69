//! Random sequences of reads, writes, seeks and flushes on a `weft_fs::File` give the same bytes,
//! positions and error kinds as the same sequence on a `std::fs::File` over an identical file.
#![allow(missing_docs)]

mod support;

use std::io::{Read, Seek, SeekFrom, Write};

use futures_util::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use proptest::prelude::*;
use support::{pattern, TempDir};

#[derive(Debug, Clone)]
enum Op {
    /// Read up to `n` bytes (until `n` or end of file).
    Read(usize),
    /// Write `len` pattern bytes.
    Write(usize, u64),
    Seek(SeekFrom),
    /// Query the position (a `Current(0)` seek).
    Position,
    Flush,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => prop_oneof![0usize..64, 0usize..5_000, 0usize..120_000].prop_map(Op::Read),
        3 => (prop_oneof![1usize..64, 1usize..5_000, 1usize..300_000], any::<u64>())
            .prop_map(|(n, s)| Op::Write(n, s)),
        1 => (0u64..400_000).prop_map(|n| Op::Seek(SeekFrom::Start(n))),
        2 => prop_oneof![-300i64..300, -300_000i64..300_000]
            .prop_map(|n| Op::Seek(SeekFrom::Current(n))),
        1 => (-300_000i64..100_000).prop_map(|n| Op::Seek(SeekFrom::End(n))),
        1 => Just(Op::Position),
        1 => Just(Op::Flush),
    ]
}

fn std_read_up_to(f: &mut std::fs::File, n: usize) -> std::io::Result<Vec<u8>> {
    let mut out = vec![0u8; n];
    let mut got = 0;
    while got < n {
        match f.read(&mut out[got..])? {
            0 => break,
            k => got += k,
        }
    }
    out.truncate(got);
    Ok(out)
}

async fn weft_read_up_to(f: &mut weft_fs::File, n: usize) -> std::io::Result<Vec<u8>> {
    let mut out = vec![0u8; n];
    let mut got = 0;
    while got < n {
        match f.read(&mut out[got..]).await? {
            0 => break,
            k => got += k,
        }
    }
    out.truncate(got);
    Ok(out)
}

fn check(
    rt: &weft_runtime::Runtime,
    initial_len: usize,
    ops: Vec<Op>,
) -> Result<(), TestCaseError> {
    let dir = TempDir::new("prop");
    let (ours, theirs) = (dir.join("weft"), dir.join("std"));
    let initial = pattern(initial_len, initial_len as u64);
    std::fs::write(&ours, &initial).unwrap();
    std::fs::write(&theirs, &initial).unwrap();
    let mut reference = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&theirs)
        .unwrap();

    rt.block_on(async {
        let mut file = weft_fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&ours)
            .await
            .unwrap();
        for (i, op) in ops.into_iter().enumerate() {
            match op {
                Op::Read(n) => {
                    let a = weft_read_up_to(&mut file, n).await.map_err(|e| e.kind());
                    let b = std_read_up_to(&mut reference, n).map_err(|e| e.kind());
                    prop_assert!(
                        a == b,
                        "op {}: read({}) differs: {:?} vs {:?}",
                        i,
                        n,
                        a.as_ref().map(Vec::len),
                        b.as_ref().map(Vec::len)
                    );
                }
                Op::Write(n, seed) => {
                    let data = pattern(n, seed);
                    let a = file.write_all(&data).await.map_err(|e| e.kind());
                    let b = reference.write_all(&data).map_err(|e| e.kind());
                    prop_assert_eq!(a, b, "op {}: write({})", i, n);
                }
                Op::Seek(pos) => {
                    let a = file.seek(pos).await.map_err(|e| e.kind());
                    let b = reference.seek(pos).map_err(|e| e.kind());
                    prop_assert_eq!(a, b, "op {}: seek({:?})", i, pos);
                }
                Op::Position => {
                    let a = file.stream_position().await.unwrap();
                    let b = reference.stream_position().unwrap();
                    prop_assert_eq!(a, b, "op {}: position", i);
                }
                Op::Flush => file.flush().await.unwrap(),
            }
        }
        file.flush().await.unwrap();
        prop_assert_eq!(
            file.stream_position().await.unwrap(),
            reference.stream_position().unwrap(),
            "final position"
        );
        Ok(())
    })?;
    let (a, b) = (
        std::fs::read(&ours).unwrap(),
        std::fs::read(&theirs).unwrap(),
    );
    prop_assert!(
        a == b,
        "final contents differ (lengths {} and {})",
        a.len(),
        b.len()
    );
    Ok(())
}

fs_suite! {
    #[test]
    fn reads_writes_and_seeks_match_std() {
        let rt = rt();
        let config = ProptestConfig { cases: 48, ..ProptestConfig::default() };
        proptest!(config, |(
            initial_len in prop_oneof![0usize..10, 0usize..400_000],
            ops in proptest::collection::vec(op(), 1..40),
        )| {
            check(&rt, initial_len, ops)?;
        });
    }
}

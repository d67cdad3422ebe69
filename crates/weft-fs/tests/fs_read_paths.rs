//! The read paths of a `File` on both flavours: page-cache reads on the task's thread (large
//! ones into the caller's buffer, small ones into the read-ahead buffer) mixed with pool trips,
//! seeks and writes give std's bytes and positions; a pipe with nothing in it yet falls back to
//! the pool and waits there.
#![allow(missing_docs)]

mod support;

use std::io::{Read, Seek, SeekFrom, Write};
use std::time::Duration;

use futures_util::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use support::{pattern, TempDir};
use weft_fs::{File, OpenOptions};

/// One step of the scripted comparison.
#[derive(Debug, Clone, Copy)]
enum Step {
    Read(usize),
    Seek(SeekFrom),
    Write(usize),
}

const SCRIPT: &[Step] = &[
    Step::Read(100),
    Step::Read(64 * 1024),
    Step::Read(5),
    Step::Read(200_000),
    Step::Seek(SeekFrom::Current(-1000)),
    Step::Read(40_000),
    Step::Read(1),
    Step::Read(700_000), // more than one page-cache read copies at a time
    Step::Seek(SeekFrom::Start(3)),
    Step::Read(32 * 1024),
    Step::Read(32 * 1024 - 1),
    Step::Write(10_000),
    Step::Read(50_000),
    Step::Seek(SeekFrom::End(-20)),
    Step::Read(64 * 1024), // 20 bytes, then the end of the file
    Step::Read(64 * 1024),
    Step::Read(10),
];

fs_suite! {
    #[test]
    fn scripted_reads_seeks_and_writes_match_std() {
        let dir = TempDir::new("paths");
        let (ours, theirs) = (dir.join("weft"), dir.join("std"));
        let initial = pattern(1_500_000, 9);
        std::fs::write(&ours, &initial).unwrap();
        std::fs::write(&theirs, &initial).unwrap();
        let mut reference = std::fs::OpenOptions::new().read(true).write(true).open(&theirs).unwrap();
        rt().block_on(async {
            let mut f = OpenOptions::new().read(true).write(true).open(&ours).await.unwrap();
            for (i, step) in SCRIPT.iter().enumerate() {
                match *step {
                    Step::Read(n) => {
                        let mut a = vec![0u8; n];
                        let mut b = vec![0u8; n];
                        let (mut got_a, mut got_b) = (0, 0);
                        while got_a < n {
                            match f.read(&mut a[got_a..]).await.unwrap() {
                                0 => break,
                                k => got_a += k,
                            }
                        }
                        while got_b < n {
                            match reference.read(&mut b[got_b..]).unwrap() {
                                0 => break,
                                k => got_b += k,
                            }
                        }
                        assert_eq!(got_a, got_b, "step {i}: {step:?} read a different length");
                        assert!(a[..got_a] == b[..got_b], "step {i}: {step:?} read different bytes");
                    }
                    Step::Seek(pos) => {
                        assert_eq!(f.seek(pos).await.unwrap(), reference.seek(pos).unwrap(), "step {i}");
                    }
                    Step::Write(n) => {
                        let data = pattern(n, i as u64);
                        f.write_all(&data).await.unwrap();
                        reference.write_all(&data).unwrap();
                    }
                }
                let here = f.seek(SeekFrom::Current(0)).await.unwrap();
                assert_eq!(here, reference.stream_position().unwrap(), "step {i}: {step:?} position");
            }
            f.flush().await.unwrap();
        });
        assert!(std::fs::read(&ours).unwrap() == std::fs::read(&theirs).unwrap());
    }

    #[cfg(unix)]
    #[test]
    fn an_empty_pipe_is_read_on_the_pool_once_bytes_arrive() {
        for len in [8usize, 64 * 1024] {
            let (reader, mut writer) = std::io::pipe().unwrap();
            let reader = std::fs::File::from(std::os::fd::OwnedFd::from(reader));
            let feeder = std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(30));
                writer.write_all(b"late bytes").unwrap();
                // Dropping the writer ends the stream.
            });
            let got = rt().block_on(async move {
                let mut f = File::from_std(reader);
                let mut buf = vec![0u8; len];
                let mut out = Vec::new();
                loop {
                    match f.read(&mut buf).await.unwrap() {
                        0 => return out,
                        k => out.extend_from_slice(&buf[..k]),
                    }
                }
            });
            feeder.join().unwrap();
            assert_eq!(got, b"late bytes", "read size {len}");
        }
    }
}

//! File behaviour on both flavours: buffering, flush, seeks over buffered data, drop without
//! loss, conversions and the metadata/sync/set_len family.
#![allow(missing_docs)]

mod support;

use std::future::Future;
use std::io::SeekFrom;
use std::time::{Duration, Instant};

use futures_io::AsyncRead;
use futures_util::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use support::{pattern, TempDir};
use weft_fs::{File, OpenOptions};

/// Waits (on the pool, without blocking a worker) until `path` holds `len` bytes.
async fn wait_for_len(path: &std::path::Path, len: u64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) == len {
            return;
        }
        assert!(Instant::now() < deadline, "background write never landed");
        weft_runtime::spawn_blocking(|| std::thread::sleep(Duration::from_millis(1)))
            .await
            .unwrap();
    }
}

fs_suite! {
    #[test]
    fn small_writes_are_buffered_and_flush_hands_them_to_the_os() {
        let dir = TempDir::new("small");
        let path = dir.join("f");
        let data = pattern(70_000, 1);
        rt().block_on(async {
            let mut f = File::create(&path).await.unwrap();
            for chunk in data.chunks(7) {
                f.write_all(chunk).await.unwrap();
            }
            f.flush().await.unwrap();
            // After flush: the OS has every byte.
            assert_eq!(std::fs::read(&path).unwrap(), data);

            let mut f = File::open(&path).await.unwrap();
            let mut back = Vec::new();
            let mut chunk = [0u8; 13];
            loop {
                let n = f.read(&mut chunk).await.unwrap();
                if n == 0 {
                    break;
                }
                back.extend_from_slice(&chunk[..n]);
            }
            assert_eq!(back, data);
        });
    }

    #[test]
    fn large_writes_pipeline_and_read_back() {
        let dir = TempDir::new("large");
        let path = dir.join("f");
        let data = pattern(9 * 1024 * 1024 + 17, 2);
        rt().block_on(async {
            let mut f = File::create(&path).await.unwrap();
            for chunk in data.chunks(64 * 1024) {
                f.write_all(chunk).await.unwrap();
            }
            f.sync_data().await.unwrap();
            assert_eq!(f.metadata().await.unwrap().len(), data.len() as u64);
            let mut back = Vec::new();
            File::open(&path).await.unwrap().read_to_end(&mut back).await.unwrap();
            assert!(back == data, "round trip differs");
        });
    }

    #[test]
    fn seek_accounts_for_read_ahead() {
        let dir = TempDir::new("seekra");
        let path = dir.join("f");
        let data = pattern(100_000, 3);
        std::fs::write(&path, &data).unwrap();
        rt().block_on(async {
            let mut f = File::open(&path).await.unwrap();
            let mut buf = [0u8; 10];
            f.read_exact(&mut buf).await.unwrap();
            // The read-ahead went far beyond 10 bytes, but the position is 10, as with std.
            assert_eq!(f.stream_position().await.unwrap(), 10);
            assert_eq!(f.seek(SeekFrom::Current(-5)).await.unwrap(), 5);
            f.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf[..], &data[5..15]);
            assert_eq!(f.seek(SeekFrom::End(-3)).await.unwrap(), 99_997);
            let mut tail = Vec::new();
            f.read_to_end(&mut tail).await.unwrap();
            assert_eq!(tail, &data[99_997..]);
            // A failed seek leaves the position where it was.
            f.seek(SeekFrom::Start(20)).await.unwrap();
            f.read_exact(&mut buf).await.unwrap();
            let err = f.seek(SeekFrom::Current(-1000)).await.unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
            assert_eq!(f.stream_position().await.unwrap(), 30);
            f.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf[..], &data[30..40]);
        });
    }

    #[test]
    fn prefetch_in_flight_then_write_seek_and_set_len() {
        let dir = TempDir::new("prefetch");
        let path = dir.join("f");
        let data = pattern(4 * 1024 * 1024, 6);
        std::fs::write(&path, &data).unwrap();
        rt().block_on(async {
            let mut f = OpenOptions::new().read(true).write(true).open(&path).await.unwrap();
            let mut buf = vec![0u8; 64 * 1024];
            // Enough sequential reads that a prefetch is in flight.
            for i in 0..12 {
                f.read_exact(&mut buf).await.unwrap();
                assert!(buf[..] == data[i * 65536..(i + 1) * 65536], "chunk {i}");
            }
            let at = 12 * 65536;
            assert_eq!(f.stream_position().await.unwrap(), at as u64);
            for i in 12..20 {
                f.read_exact(&mut buf).await.unwrap();
                assert!(buf[..] == data[i * 65536..(i + 1) * 65536], "chunk {i}");
            }
            // A write in the middle of a sequential run lands right after the bytes read.
            f.write_all(b"MARK").await.unwrap();
            let at = 20 * 65536 + 4;
            f.read_exact(&mut buf[..100]).await.unwrap();
            assert_eq!(&buf[..100], &data[at..at + 100]);
            for _ in 0..8 {
                f.read_exact(&mut buf).await.unwrap();
            }
            let pos = f.stream_position().await.unwrap();
            assert_eq!(pos, (at + 100 + 8 * 65536) as u64);
            for _ in 0..8 {
                f.read_exact(&mut buf).await.unwrap();
            }
            // Truncating under buffered read-ahead: what follows reads as the end.
            let pos = pos + 8 * 65536;
            f.set_len(pos + 10).await.unwrap();
            let mut rest = Vec::new();
            f.read_to_end(&mut rest).await.unwrap();
            assert_eq!(rest, &data[pos as usize..pos as usize + 10]);
            f.flush().await.unwrap();
        });
        let got = std::fs::read(&path).unwrap();
        assert_eq!(&got[20 * 65536..20 * 65536 + 4], b"MARK");
        assert_eq!(got.len(), 20 * 65536 + 4 + 100 + 16 * 65536 + 10);
    }

    #[test]
    fn buffered_reads_spend_the_coop_budget() {
        use std::task::{Context, Poll};
        use weft_core::coop;
        let dir = TempDir::new("coop");
        let path = dir.join("f");
        std::fs::write(&path, pattern(10_000, 7)).unwrap();
        rt().block_on(async {
            let mut f = File::open(&path).await.unwrap();
            let mut one = [0u8; 1];
            f.read_exact(&mut one).await.unwrap(); // the rest is now buffered
            let mut cx = Context::from_waker(std::task::Waker::noop());
            coop::with_budget(coop::Budget::new(3), || {
                for _ in 0..3 {
                    let poll = std::pin::Pin::new(&mut f).poll_read(&mut cx, &mut one);
                    assert!(matches!(poll, Poll::Ready(Ok(1))));
                }
                // Always ready, but the budget is spent: the task must yield.
                assert!(std::pin::Pin::new(&mut f).poll_read(&mut cx, &mut one).is_pending());
            });
            // Nothing was lost by the refused poll.
            f.read_exact(&mut one).await.unwrap();
            assert_eq!(f.stream_position().await.unwrap(), 5);
        });
    }

    #[test]
    fn write_after_read_lands_at_the_logical_position() {
        let dir = TempDir::new("rw");
        let path = dir.join("f");
        std::fs::write(&path, vec![b'.'; 100]).unwrap();
        rt().block_on(async {
            let mut f = OpenOptions::new().read(true).write(true).open(&path).await.unwrap();
            let mut buf = [0u8; 10];
            f.read_exact(&mut buf).await.unwrap();
            f.write_all(b"XYZ").await.unwrap();
            assert_eq!(f.stream_position().await.unwrap(), 13);
            f.read_exact(&mut buf[..2]).await.unwrap();
            assert_eq!(&buf[..2], b"..");
            f.flush().await.unwrap();
        });
        let got = std::fs::read(&path).unwrap();
        assert_eq!(got.len(), 100);
        assert_eq!(&got[10..13], b"XYZ");
    }

    #[test]
    fn dropped_file_with_buffered_bytes_loses_nothing() {
        let dir = TempDir::new("drop1");
        let path = dir.join("f");
        let rt = rt();
        rt.block_on(async {
            let mut f = File::create(&path).await.unwrap();
            f.write_all(b"buffered, never flushed").await.unwrap();
            drop(f);
            // Completed in the background on the pool, while the runtime runs.
            wait_for_len(&path, 23).await;
        });
        drop(rt);
        assert_eq!(std::fs::read(&path).unwrap(), b"buffered, never flushed");
    }

    #[test]
    fn dropped_file_with_write_in_flight_keeps_order() {
        let dir = TempDir::new("drop2");
        let path = dir.join("f");
        let data = pattern(5 * 1024 * 1024 + 3, 4);
        let rt = rt();
        rt.block_on(async {
            let mut f = File::create(&path).await.unwrap();
            // Big writes: one is in flight on the pool, more bytes sit in the buffer.
            for chunk in data.chunks(1 << 20) {
                f.write_all(chunk).await.unwrap();
            }
            drop(f);
        });
        // Runtime shutdown waits for running pool jobs; queued ones write when cancelled.
        drop(rt);
        assert!(std::fs::read(&path).unwrap() == data, "bytes lost or out of order");
    }

    #[test]
    fn dropped_file_after_read_ahead_writes_at_logical_position() {
        let dir = TempDir::new("drop3");
        let path = dir.join("f");
        std::fs::write(&path, vec![b'.'; 50]).unwrap();
        let rt = rt();
        rt.block_on(async {
            let mut f = OpenOptions::new().read(true).write(true).open(&path).await.unwrap();
            let mut buf = [0u8; 4];
            f.read_exact(&mut buf).await.unwrap();
            f.write_all(b"AB").await.unwrap();
            drop(f);
        });
        drop(rt);
        let got = std::fs::read(&path).unwrap();
        assert_eq!(&got[..8], b"....AB..");
        assert_eq!(got.len(), 50);
    }

    #[test]
    fn dropped_outside_the_runtime_writes_synchronously() {
        let dir = TempDir::new("drop4");
        let path = dir.join("f");
        let rt = rt();
        let f = rt.block_on(async {
            let mut f = File::create(&path).await.unwrap();
            f.write_all(b"late").await.unwrap();
            f
        });
        drop(rt);
        drop(f); // no runtime here: written inside drop
        assert_eq!(std::fs::read(&path).unwrap(), b"late");
    }

    #[test]
    fn into_std_writes_and_rewinds() {
        let dir = TempDir::new("intostd");
        let path = dir.join("f");
        rt().block_on(async {
            let mut f = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(true)
                .open(&path)
                .await
                .unwrap();
            f.write_all(b"0123456789").await.unwrap();
            let f = match f.try_into_std() {
                Ok(_) => panic!("try_into_std must refuse while bytes are buffered"),
                Err(f) => f,
            };
            let mut std_file = f.into_std().await;
            use std::io::{Read, Seek};
            assert_eq!(std_file.stream_position().unwrap(), 10);
            std_file.seek(SeekFrom::Start(0)).unwrap();

            let mut f = File::from_std(std_file);
            let mut two = [0u8; 2];
            f.read_exact(&mut two).await.unwrap();
            let mut std_file = f.try_into_std().expect("idle, nothing buffered");
            assert_eq!(std_file.stream_position().unwrap(), 2);
            let mut rest = String::new();
            std_file.read_to_string(&mut rest).unwrap();
            assert_eq!(rest, "23456789");
        });
    }

    #[test]
    fn into_std_waits_for_abandoned_metadata_jobs() {
        let dir = TempDir::new("intostd2");
        let path = dir.join("f");
        std::fs::write(&path, b"x").unwrap();
        rt().block_on(async {
            for _ in 0..50 {
                let f = File::open(&path).await.unwrap();
                {
                    // Spawned on the pool, then abandoned: the job still holds the file.
                    let mut meta = std::pin::pin!(f.metadata());
                    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
                    let _ = meta.as_mut().poll(&mut cx);
                }
                let std_file = f.into_std().await;
                assert_eq!(std_file.metadata().unwrap().len(), 1);
            }
        });
    }

    #[test]
    fn set_len_sync_clone_permissions() {
        let dir = TempDir::new("misc");
        let path = dir.join("f");
        rt().block_on(async {
            let mut f = OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
                .await
                .unwrap();
            f.write_all(b"0123456789").await.unwrap();
            f.seek(SeekFrom::Start(0)).await.unwrap();
            let mut three = [0u8; 3];
            f.read_exact(&mut three).await.unwrap();
            // Truncation drops the stale read-ahead; the cursor stays at 3.
            f.set_len(5).await.unwrap();
            let mut rest = Vec::new();
            f.read_to_end(&mut rest).await.unwrap();
            assert_eq!(rest, b"34");
            f.sync_all().await.unwrap();
            f.sync_data().await.unwrap();
            assert_eq!(f.metadata().await.unwrap().len(), 5);

            let mut clone = f.try_clone().await.unwrap();
            clone.seek(SeekFrom::Start(1)).await.unwrap();
            // The clone shares the OS cursor.
            assert_eq!(f.stream_position().await.unwrap(), 1);

            let mut perm = f.metadata().await.unwrap().permissions();
            perm.set_readonly(true);
            f.set_permissions(perm).await.unwrap();
            assert!(weft_fs::metadata(&path).await.unwrap().permissions().readonly());
            let mut perm = f.metadata().await.unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perm.set_readonly(false);
            f.set_permissions(perm).await.unwrap();
        });
    }

    #[test]
    fn append_mode_writes_at_the_end() {
        let dir = TempDir::new("append");
        let path = dir.join("f");
        std::fs::write(&path, b"head-").unwrap();
        rt().block_on(async {
            let mut f = OpenOptions::new().append(true).open(&path).await.unwrap();
            f.write_all(b"tail").await.unwrap();
            f.close().await.unwrap();
        });
        assert_eq!(std::fs::read(&path).unwrap(), b"head-tail");
    }

    #[test]
    fn abandoned_operations_are_completed_by_the_next() {
        let dir = TempDir::new("abandon");
        let path = dir.join("f");
        let data = pattern(300_000, 5);
        std::fs::write(&path, &data).unwrap();
        rt().block_on(async {
            let mut f = File::open(&path).await.unwrap();
            // Start a read and drop it after one poll: its bytes stay buffered (unless the
            // pool was fast enough for that one poll to finish the read).
            let taken = {
                let mut buf = [0u8; 100];
                let mut read = f.read(&mut buf);
                let waker = std::task::Waker::noop();
                let mut cx = std::task::Context::from_waker(waker);
                match std::pin::Pin::new(&mut read).poll(&mut cx) {
                    std::task::Poll::Ready(n) => n.unwrap(),
                    std::task::Poll::Pending => 0,
                }
            };
            let mut buf = vec![0u8; 1000];
            f.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf[..], &data[taken..taken + 1000]);
            // Same for a seek: a later seek elsewhere completes it first, then seeks.
            {
                let mut seek = f.seek(SeekFrom::Start(7));
                let waker = std::task::Waker::noop();
                let mut cx = std::task::Context::from_waker(waker);
                let _ = std::pin::Pin::new(&mut seek).poll(&mut cx);
            }
            let pos = f.seek(SeekFrom::Current(3)).await.unwrap();
            // The abandoned seek ran to its end before this one: 7 + 3.
            assert_eq!(pos, 10);
            assert_eq!(f.stream_position().await.unwrap(), 10);
            f.read_exact(&mut buf[..10]).await.unwrap();
            assert_eq!(&buf[..10], &data[pos as usize..pos as usize + 10]);
        });
    }
}

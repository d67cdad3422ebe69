//! Errors are the OS's `io::Error`, unchanged in kind, and never panics.
//!
//! The tests run as root in CI, where permission bits do not stop anyone. "Permission denied" is
//! therefore tested with a case the kernel refuses even to root: hard-linking a directory is
//! `EPERM` (`PermissionDenied`) for every user. The mode-000 case is checked too, and asserts
//! what the OS does for the current user (denied for others, allowed for root).
#![allow(missing_docs)]

mod support;

use std::future::Future;
use std::io::ErrorKind;

use futures_util::io::{AsyncReadExt, AsyncWriteExt};
use support::TempDir;
use weft_fs::{File, OpenOptions};

fs_suite! {
    #[test]
    fn not_found() {
        let dir = TempDir::new("enoent");
        let missing = dir.join("missing");
        rt().block_on(async {
            assert_eq!(File::open(&missing).await.unwrap_err().kind(), ErrorKind::NotFound);
            assert_eq!(weft_fs::read(&missing).await.unwrap_err().kind(), ErrorKind::NotFound);
            assert_eq!(weft_fs::read_to_string(&missing).await.unwrap_err().kind(), ErrorKind::NotFound);
            assert_eq!(weft_fs::metadata(&missing).await.unwrap_err().kind(), ErrorKind::NotFound);
            assert_eq!(weft_fs::remove_file(&missing).await.unwrap_err().kind(), ErrorKind::NotFound);
            assert_eq!(weft_fs::remove_dir_all(&missing).await.unwrap_err().kind(), ErrorKind::NotFound);
            assert_eq!(weft_fs::read_dir(&missing).await.unwrap_err().kind(), ErrorKind::NotFound);
            assert_eq!(
                weft_fs::rename(&missing, dir.join("x")).await.unwrap_err().kind(),
                ErrorKind::NotFound
            );
            assert_eq!(weft_fs::canonicalize(&missing).await.unwrap_err().kind(), ErrorKind::NotFound);
            assert_eq!(
                weft_fs::write(dir.join("no-dir/f"), "x").await.unwrap_err().kind(),
                ErrorKind::NotFound
            );
            assert!(!weft_fs::try_exists(&missing).await.unwrap());
        });
    }

    #[test]
    fn permission_denied_even_for_root() {
        let dir = TempDir::new("eperm");
        rt().block_on(async {
            let sub = dir.join("sub");
            weft_fs::create_dir(&sub).await.unwrap();
            let err = weft_fs::hard_link(&sub, dir.join("link")).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::PermissionDenied);
        });
    }

    #[test]
    fn permission_bits_as_the_os_applies_them() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let dir = TempDir::new("mode000");
        let path = dir.join("locked");
        rt().block_on(async {
            let mut f = OpenOptions::new().write(true).create(true).mode(0o000).open(&path).await.unwrap();
            f.write_all(b"x").await.unwrap();
            f.flush().await.unwrap();
            let mode = weft_fs::metadata(&path).await.unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0);
            // The creator's uid is this process's effective uid.
            let is_root = weft_fs::metadata(&path).await.unwrap().uid() == 0;
            let res = File::open(&path).await;
            if is_root {
                assert!(res.is_ok(), "root bypasses permission bits");
            } else {
                assert_eq!(res.unwrap_err().kind(), ErrorKind::PermissionDenied);
            }
        });
    }

    #[test]
    fn writing_a_read_only_file_fails_at_flush() {
        let dir = TempDir::new("ebadf");
        let path = dir.join("ro");
        std::fs::write(&path, b"data").unwrap();
        let expected = {
            use std::io::Write;
            std::fs::File::open(&path).unwrap().write(b"x").unwrap_err()
        };
        rt().block_on(async {
            let mut f = File::open(&path).await.unwrap();
            // Buffered: the OS has not seen it yet.
            f.write_all(b"nope").await.unwrap();
            let err = f.flush().await.unwrap_err();
            assert_eq!(err.kind(), expected.kind());
            assert_eq!(err.raw_os_error(), expected.raw_os_error());
            // Reported once; the file still works for reading.
            f.flush().await.unwrap();
            let mut s = String::new();
            f.read_to_string(&mut s).await.unwrap();
            assert_eq!(s, "data");
        });
    }

    #[test]
    fn is_a_directory_and_not_a_directory() {
        let dir = TempDir::new("eisdir");
        rt().block_on(async {
            assert_eq!(File::create(dir.path()).await.unwrap_err().kind(), ErrorKind::IsADirectory);
            assert_eq!(weft_fs::read(dir.path()).await.unwrap_err().kind(), ErrorKind::IsADirectory);
            // Opening a directory read-only works on Linux; reading it does not.
            let mut d = File::open(dir.path()).await.unwrap();
            let mut buf = [0u8; 8];
            assert_eq!(d.read(&mut buf).await.unwrap_err().kind(), ErrorKind::IsADirectory);

            let file = dir.join("plain");
            weft_fs::write(&file, "x").await.unwrap();
            let under = file.join("child");
            assert_eq!(File::open(&under).await.unwrap_err().kind(), ErrorKind::NotADirectory);
            assert_eq!(weft_fs::create_dir(&under).await.unwrap_err().kind(), ErrorKind::NotADirectory);
            assert_eq!(weft_fs::read_dir(&file).await.unwrap_err().kind(), ErrorKind::NotADirectory);
        });
    }

    #[test]
    fn full_disk_is_an_error_not_a_panic() {
        rt().block_on(async {
            // /dev/full answers every write with ENOSPC.
            let mut f = OpenOptions::new().write(true).open("/dev/full").await.unwrap();
            f.write_all(&[7u8; 1000]).await.unwrap();
            assert_eq!(f.flush().await.unwrap_err().kind(), ErrorKind::StorageFull);
            // A write large enough to start on the pool reports it from a later call.
            let big = vec![0u8; 1 << 20];
            let mut err = None;
            for _ in 0..8 {
                if let Err(e) = f.write_all(&big).await {
                    err = Some(e);
                    break;
                }
            }
            let err = match err {
                Some(e) => e,
                None => f.sync_all().await.unwrap_err(),
            };
            assert_eq!(err.kind(), ErrorKind::StorageFull);
            // Writes still queued behind the failed one fail too, one report per flush, until
            // nothing is left.
            let mut reports = 0;
            while let Err(e) = f.flush().await {
                assert_eq!(e.kind(), ErrorKind::StorageFull);
                reports += 1;
                assert!(reports < 16, "errors never drained");
            }
            // Dropping a File whose bytes cannot be written does not panic either.
            f.write_all(b"lost").await.unwrap();
            drop(f);
            assert_eq!(weft_fs::write("/dev/full", "x").await.unwrap_err().kind(), ErrorKind::StorageFull);
        });
    }

    #[test]
    fn other_kinds_pass_through() {
        let dir = TempDir::new("kinds");
        rt().block_on(async {
            let f = dir.join("f");
            File::create_new(&f).await.unwrap();
            assert_eq!(File::create_new(&f).await.unwrap_err().kind(), ErrorKind::AlreadyExists);
            assert_eq!(weft_fs::create_dir(dir.path()).await.unwrap_err().kind(), ErrorKind::AlreadyExists);
            assert_eq!(weft_fs::remove_dir(dir.path()).await.unwrap_err().kind(), ErrorKind::DirectoryNotEmpty);
            assert_eq!(weft_fs::read_link(&f).await.unwrap_err().kind(), ErrorKind::InvalidInput);
            weft_fs::write(&f, [0xffu8, 0xfe]).await.unwrap();
            assert_eq!(weft_fs::read_to_string(&f).await.unwrap_err().kind(), ErrorKind::InvalidData);
            // No access mode at all.
            assert_eq!(OpenOptions::new().open(&f).await.unwrap_err().kind(), ErrorKind::InvalidInput);
        });
    }
}

#[test]
fn use_outside_a_runtime_panics_with_a_clear_message() {
    let fut = weft_fs::read("/anything");
    let mut fut = std::pin::pin!(fut);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = fut.as_mut().poll(&mut cx);
    }))
    .unwrap_err();
    let msg = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap();
    assert!(msg.contains("no weft runtime"), "{msg}");
}

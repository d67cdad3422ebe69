//! `read_dir` as a stream: every entry exactly once, over large directories, with metadata and
//! file types; listing concurrently with other tasks.
#![allow(missing_docs)]

mod support;

use std::collections::HashSet;

use futures_util::StreamExt;
use support::TempDir;

fs_suite! {
    #[test]
    fn ten_thousand_entries_each_once() {
        let dir = TempDir::new("rd10k");
        for i in 0..10_000 {
            std::fs::write(dir.join(&format!("e{i:05}")), []).unwrap();
        }
        std::fs::create_dir(dir.join("subdir")).unwrap();
        rt().block_on(async {
            let mut names = HashSet::new();
            let mut dirs = 0;
            let mut entries = weft_fs::read_dir(dir.path()).await.unwrap();
            while let Some(entry) = entries.next().await {
                let entry = entry.unwrap();
                assert_eq!(entry.path(), dir.path().join(entry.file_name()));
                if entry.file_type().await.unwrap().is_dir() {
                    dirs += 1;
                }
                assert!(names.insert(entry.file_name()), "entry listed twice");
            }
            // The stream stays finished.
            assert!(entries.next().await.is_none());
            assert_eq!(names.len(), 10_001);
            assert_eq!(dirs, 1);
            for i in 0..10_000 {
                assert!(names.contains(std::ffi::OsStr::new(&format!("e{i:05}"))));
            }
        });
    }

    #[test]
    fn entry_metadata_and_next_entry() {
        let dir = TempDir::new("rdmeta");
        std::fs::write(dir.join("five"), b"12345").unwrap();
        rt().block_on(async {
            let mut entries = weft_fs::read_dir(dir.path()).await.unwrap();
            let entry = entries.next_entry().await.unwrap().expect("one entry");
            assert_eq!(entry.file_name(), "five");
            let meta = entry.metadata().await.unwrap();
            assert!(meta.is_file());
            assert_eq!(meta.len(), 5);
            use std::os::unix::fs::MetadataExt;
            assert_eq!(entry.ino(), meta.ino());
            assert!(entries.next_entry().await.unwrap().is_none());
            // An entry removed after listing: its metadata is a NotFound error.
            std::fs::remove_file(dir.join("five")).unwrap();
            assert_eq!(entry.metadata().await.unwrap_err().kind(), std::io::ErrorKind::NotFound);
        });
    }

    #[test]
    fn listings_run_concurrently_with_writers() {
        let dir = TempDir::new("rdconc");
        for d in 0..4 {
            std::fs::create_dir(dir.join(&format!("d{d}"))).unwrap();
            for i in 0..500 {
                std::fs::write(dir.join(&format!("d{d}/f{i}")), []).unwrap();
            }
        }
        let root = dir.path().to_owned();
        let counts = rt().block_on(async move {
            let tasks: Vec<_> = (0..4)
                .map(|d| {
                    let path = root.join(format!("d{d}"));
                    weft_runtime::spawn(async move {
                        weft_fs::read_dir(path).await.unwrap().count().await
                    })
                })
                .collect();
            let mut counts = Vec::new();
            for t in tasks {
                counts.push(t.await.unwrap());
            }
            counts
        });
        assert_eq!(counts, vec![500; 4]);
    }
}

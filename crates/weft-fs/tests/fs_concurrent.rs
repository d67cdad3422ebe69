//! Many tasks using files at once: each gets exactly its own bytes.
#![allow(missing_docs)]

mod support;

use futures_util::io::{AsyncReadExt, AsyncWriteExt};
use support::{pattern, TempDir};

fs_suite! {
    #[test]
    fn tasks_write_different_files() {
        let dir = TempDir::new("conc");
        let root = dir.path().to_owned();
        rt().block_on(async move {
            let tasks: Vec<_> = (0..16u64)
                .map(|t| {
                    let path = root.join(format!("f{t}"));
                    weft_runtime::spawn(async move {
                        let data = pattern(200_000 + t as usize * 40_000, t);
                        let mut f = weft_fs::File::create(&path).await?;
                        for chunk in data.chunks(1000 + t as usize * 500) {
                            f.write_all(chunk).await?;
                        }
                        f.flush().await?;
                        drop(f);
                        let mut back = Vec::new();
                        weft_fs::File::open(&path).await?.read_to_end(&mut back).await?;
                        Ok::<bool, std::io::Error>(back == data)
                    })
                })
                .collect();
            for (t, task) in tasks.into_iter().enumerate() {
                assert!(task.await.unwrap().unwrap(), "file {t} differs");
            }
        });
    }

    #[test]
    fn tasks_drop_files_with_pending_writes() {
        let dir = TempDir::new("concdrop");
        let root = dir.path().to_owned();
        let rt = rt();
        rt.block_on(async {
            let tasks: Vec<_> = (0..8u64)
                .map(|t| {
                    let path = root.join(format!("f{t}"));
                    weft_runtime::spawn(async move {
                        let mut f = weft_fs::File::create(&path).await.unwrap();
                        let data = pattern(300_000 + t as usize, t);
                        // The first part starts a write on the pool; the rest is buffered.
                        f.write_all(&data[..280_000]).await.unwrap();
                        f.write_all(&data[280_000..]).await.unwrap();
                        // Dropped without flush.
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        });
        drop(rt);
        for t in 0..8u64 {
            let got = std::fs::read(dir.join(&format!("f{t}"))).unwrap();
            assert!(got == pattern(300_000 + t as usize, t), "file {t} lost bytes");
        }
    }
}

//! The file benchmarks: read a 256 MB file in 64 KiB chunks, and write one, with
//! weft::fs (on weft), tokio::fs (on tokio), async-fs (on smol's executor) and plain std on a
//! thread (the ceiling). The page cache cannot be dropped without root, so the source file is
//! read once to warm it and every read is from the page cache; writes are not fsynced.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use futures::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::{Rt, Smol, Tokio, Weft};

/// The file size.
pub const SIZE: usize = 256 * 1024 * 1024;
/// The chunk of every read and write call.
pub const CHUNK: usize = 64 * 1024;

/// A temporary directory holding the source file; removed on drop.
pub struct Fixture {
    pub dir: PathBuf,
    pub src: PathBuf,
}

impl Fixture {
    /// Creates `<temp_dir>/weft-bench-fs-<pid>/src` (SIZE bytes) and reads it once to warm the
    /// page cache.
    pub fn new() -> Fixture {
        let dir = std::env::temp_dir().join(format!("weft-bench-fs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let src = dir.join("src");
        let chunk: Vec<u8> = (0..CHUNK).map(|i| (i % 251) as u8).collect();
        let mut f = std::fs::File::create(&src).unwrap();
        for _ in 0..SIZE / CHUNK {
            f.write_all(&chunk).unwrap();
        }
        drop(f);
        read_std(&src);
        Fixture { dir, src }
    }

    /// An output path for `who`.
    pub fn out(&self, who: &str) -> PathBuf {
        self.dir.join(format!("out-{who}"))
    }
}

impl Default for Fixture {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn chunk() -> Vec<u8> {
    (0..CHUNK).map(|i| (i % 253) as u8).collect()
}

/// Reads `path` to the end in `CHUNK` reads on a new std thread.
pub fn read_std(path: &Path) {
    let path = path.to_owned();
    let n = std::thread::spawn(move || {
        let mut f = std::fs::File::open(path).unwrap();
        let mut buf = vec![0u8; CHUNK];
        let mut n = 0;
        loop {
            match f.read(&mut buf).unwrap() {
                0 => return n,
                k => n += k,
            }
        }
    })
    .join()
    .unwrap();
    assert_eq!(n, SIZE);
}

/// Writes SIZE bytes to `path` in `CHUNK` writes on a new std thread.
pub fn write_std(path: &Path) {
    let path = path.to_owned();
    std::thread::spawn(move || {
        let mut f = std::fs::File::create(path).unwrap();
        let c = chunk();
        for _ in 0..SIZE / CHUNK {
            f.write_all(&c).unwrap();
        }
    })
    .join()
    .unwrap();
}

/// Reads `path` to the end with `weft::fs::File`, in a task on `rt`.
pub fn read_weft(rt: &Weft, path: &Path) {
    let path = path.to_owned();
    let n = rt.block_on(Weft::spawn(&rt.spawner(), async move {
        let mut f = weft::fs::File::open(path).await.unwrap();
        let mut buf = vec![0u8; CHUNK];
        let mut n = 0;
        loop {
            match f.read(&mut buf).await.unwrap() {
                0 => return n,
                k => n += k,
            }
        }
    }));
    assert_eq!(n, SIZE);
}

/// Writes SIZE bytes to `path` with `weft::fs::File` (then flushes), in a task on `rt`.
pub fn write_weft(rt: &Weft, path: &Path) {
    let path = path.to_owned();
    rt.block_on(Weft::spawn(&rt.spawner(), async move {
        let mut f = weft::fs::File::create(path).await.unwrap();
        let c = chunk();
        for _ in 0..SIZE / CHUNK {
            f.write_all(&c).await.unwrap();
        }
        f.flush().await.unwrap();
    }));
}

/// As [`read_weft`], with `tokio::fs::File`.
pub fn read_tokio(rt: &Tokio, path: &Path) {
    use tokio::io::AsyncReadExt;
    let path = path.to_owned();
    let n = rt.block_on(Tokio::spawn(&rt.spawner(), async move {
        let mut f = tokio::fs::File::open(path).await.unwrap();
        let mut buf = vec![0u8; CHUNK];
        let mut n = 0;
        loop {
            match f.read(&mut buf).await.unwrap() {
                0 => return n,
                k => n += k,
            }
        }
    }));
    assert_eq!(n, SIZE);
}

/// As [`write_weft`], with `tokio::fs::File`.
pub fn write_tokio(rt: &Tokio, path: &Path) {
    use tokio::io::AsyncWriteExt;
    let path = path.to_owned();
    rt.block_on(Tokio::spawn(&rt.spawner(), async move {
        let mut f = tokio::fs::File::create(path).await.unwrap();
        let c = chunk();
        for _ in 0..SIZE / CHUNK {
            f.write_all(&c).await.unwrap();
        }
        f.flush().await.unwrap();
    }));
}

/// As [`read_weft`], with `async_fs::File` on smol's executor.
pub fn read_smol(rt: &Smol, path: &Path) {
    let path = path.to_owned();
    let n = rt.block_on(Smol::spawn(&rt.spawner(), async move {
        let mut f = async_fs::File::open(path).await.unwrap();
        let mut buf = vec![0u8; CHUNK];
        let mut n = 0;
        loop {
            match f.read(&mut buf).await.unwrap() {
                0 => return n,
                k => n += k,
            }
        }
    }));
    assert_eq!(n, SIZE);
}

/// As [`write_weft`], with `async_fs::File` on smol's executor.
pub fn write_smol(rt: &Smol, path: &Path) {
    let path = path.to_owned();
    rt.block_on(Smol::spawn(&rt.spawner(), async move {
        let mut f = async_fs::File::create(path).await.unwrap();
        let c = chunk();
        for _ in 0..SIZE / CHUNK {
            f.write_all(&c).await.unwrap();
        }
        f.flush().await.unwrap();
    }));
}

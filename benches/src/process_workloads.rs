//! Child-process workloads for `compare_process`: spawning and waiting for many short children,
//! and bytes through a `cat` child, on weft::process, tokio::process and async-process.

use crate::{Rt, Smol, Tokio, Weft};

/// Children per run of the spawn benchmark.
pub const CHILDREN: usize = 1000;
/// How many are in flight at once (each of this many tasks spawns and waits in a loop).
pub const IN_FLIGHT: usize = 8;
/// Bytes sent through `cat` per run.
pub const CAT_BYTES: usize = 64 << 20;
/// The size of each write and read.
pub const CHUNK: usize = 64 << 10;

pub fn spawn_wait_weft(rt: &Weft) {
    let sp = rt.spawner();
    rt.block_on(async move {
        let tasks: Vec<_> = (0..IN_FLIGHT)
            .map(|_| {
                Weft::spawn(&sp, async {
                    for _ in 0..CHILDREN / IN_FLIGHT {
                        let status = weft::process::Command::new("true").status().await.unwrap();
                        assert!(status.success());
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await;
        }
    });
}

pub fn spawn_wait_tokio(rt: &Tokio) {
    let sp = rt.spawner();
    rt.block_on(async move {
        let tasks: Vec<_> = (0..IN_FLIGHT)
            .map(|_| {
                Tokio::spawn(&sp, async {
                    for _ in 0..CHILDREN / IN_FLIGHT {
                        let status = tokio::process::Command::new("true").status().await.unwrap();
                        assert!(status.success());
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await;
        }
    });
}

pub fn spawn_wait_smol(rt: &Smol) {
    let sp = rt.spawner();
    rt.block_on(async move {
        let tasks: Vec<_> = (0..IN_FLIGHT)
            .map(|_| {
                Smol::spawn(&sp, async {
                    for _ in 0..CHILDREN / IN_FLIGHT {
                        let status = async_process::Command::new("true").status().await.unwrap();
                        assert!(status.success());
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await;
        }
    });
}

pub fn cat_weft(rt: &Weft) {
    use futures::{AsyncReadExt, AsyncWriteExt};
    use weft::process::{Command, Stdio};
    let sp = rt.spawner();
    rt.block_on(async move {
        let mut cat = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = cat.stdin.take().unwrap();
        let mut stdout = cat.stdout.take().unwrap();
        let writer = Weft::spawn(&sp, async move {
            let chunk = vec![7u8; CHUNK];
            for _ in 0..CAT_BYTES / CHUNK {
                stdin.write_all(&chunk).await.unwrap();
            }
        });
        let mut buf = vec![0u8; CHUNK];
        let mut total = 0;
        loop {
            let n = stdout.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            total += n;
        }
        assert_eq!(total, CAT_BYTES);
        writer.await;
        assert!(cat.wait().await.unwrap().success());
    });
}

pub fn cat_tokio(rt: &Tokio) {
    use std::process::Stdio;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sp = rt.spawner();
    rt.block_on(async move {
        let mut cat = tokio::process::Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = cat.stdin.take().unwrap();
        let mut stdout = cat.stdout.take().unwrap();
        let writer = Tokio::spawn(&sp, async move {
            let chunk = vec![7u8; CHUNK];
            for _ in 0..CAT_BYTES / CHUNK {
                stdin.write_all(&chunk).await.unwrap();
            }
        });
        let mut buf = vec![0u8; CHUNK];
        let mut total = 0;
        loop {
            let n = stdout.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            total += n;
        }
        assert_eq!(total, CAT_BYTES);
        writer.await;
        assert!(cat.wait().await.unwrap().success());
    });
}

pub fn cat_smol(rt: &Smol) {
    use async_process::{Command, Stdio};
    use futures_lite::{AsyncReadExt, AsyncWriteExt};
    let sp = rt.spawner();
    rt.block_on(async move {
        let mut cat = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = cat.stdin.take().unwrap();
        let mut stdout = cat.stdout.take().unwrap();
        let writer = Smol::spawn(&sp, async move {
            let chunk = vec![7u8; CHUNK];
            for _ in 0..CAT_BYTES / CHUNK {
                stdin.write_all(&chunk).await.unwrap();
            }
        });
        let mut buf = vec![0u8; CHUNK];
        let mut total = 0;
        loop {
            let n = stdout.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            total += n;
        }
        assert_eq!(total, CAT_BYTES);
        writer.await;
        assert!(cat.status().await.unwrap().success());
    });
}

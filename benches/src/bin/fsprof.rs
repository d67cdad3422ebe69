//! Profiling aid for the file read path: reads the 256 MB fixture with one contender
//! `rounds` times, so `perf record -g` / `perf stat` see only that contender.
//!
//! `cargo run --release --bin fsprof -- [weft|std|tokio|smol] [rounds] [chunk bytes]`
//! (a chunk other than 64 KiB is supported for weft and std only). With `FSPROF_COLD=1` the
//! file's clean pages are dropped from the page cache (`posix_fadvise(DONTNEED)`, no root
//! needed) before every round, so reads go to the disk.

use std::time::Instant;

use weft_benches::fs_workloads as f;
use weft_benches::{Rt, Smol, Tokio, Weft};

fn main() {
    let mut args = std::env::args().skip(1);
    let who = args.next().unwrap_or_else(|| "weft".to_string());
    let rounds: usize = args.next().map_or(10, |s| s.parse().unwrap());
    let chunk: usize = args.next().map_or(f::CHUNK, |s| s.parse().unwrap());
    let fx = f::Fixture::new();
    let weft = Weft::new(2);
    let tokio = Tokio::new(2);
    let smol = Smol::new(2);
    let cold = std::env::var_os("FSPROF_COLD").is_some_and(|v| v == "1");
    let mut total = std::time::Duration::ZERO;
    for _ in 0..rounds {
        if cold {
            drop_cache(&fx.src);
        }
        let t = Instant::now();
        match who.as_str() {
            "weft" if chunk != f::CHUNK => read_weft_chunked(&weft, &fx.src, chunk),
            "std" if chunk != f::CHUNK => read_std_chunked(&fx.src, chunk),
            "weft" => f::read_weft(&weft, &fx.src),
            "tokio" => f::read_tokio(&tokio, &fx.src),
            "smol" => f::read_smol(&smol, &fx.src),
            "std" => f::read_std(&fx.src),
            other => panic!("fsprof: unknown contender {other:?}: use weft, std, tokio or smol"),
        }
        total += t.elapsed();
    }
    let per = total / rounds as u32;
    println!(
        "{who}: {per:?} per read, {:.0} MB/s",
        f::SIZE as f64 / per.as_secs_f64() / 1e6
    );
}

fn drop_cache(path: &std::path::Path) {
    use std::os::fd::AsRawFd;
    let f = std::fs::File::open(path).unwrap();
    // SAFETY: `f` owns the descriptor for the whole call; fadvise only reads its arguments.
    let rc = unsafe { libc::posix_fadvise(f.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
    assert_eq!(rc, 0, "posix_fadvise(DONTNEED) failed");
}

fn read_std_chunked(path: &std::path::Path, chunk: usize) {
    use std::io::Read;
    let mut f = std::fs::File::open(path).unwrap();
    let mut buf = vec![0u8; chunk];
    let mut n = 0;
    loop {
        match f.read(&mut buf).unwrap() {
            0 => break,
            k => n += k,
        }
    }
    assert_eq!(n, f::SIZE);
}

fn read_weft_chunked(rt: &Weft, path: &std::path::Path, chunk: usize) {
    use futures::io::AsyncReadExt;
    let path = path.to_owned();
    let n = rt.block_on(Weft::spawn(&rt.spawner(), async move {
        let mut f = weft::fs::File::open(path).await.unwrap();
        let mut buf = vec![0u8; chunk];
        let mut n = 0;
        loop {
            match f.read(&mut buf).await.unwrap() {
                0 => return n,
                k => n += k,
            }
        }
    }));
    assert_eq!(n, f::SIZE);
}

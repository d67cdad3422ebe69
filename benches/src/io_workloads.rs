//! The reactor and timer benchmarks: many timers (CPU per timer, lateness) and a 1-byte
//! ping-pong over a Unix socket pair through each runtime's reactor.

use std::future::Future;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use futures::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::{Rt, Smol, Tokio, Weft};

/// Timers per run.
pub const TIMERS: usize = 100_000;
/// Round trips per ping-pong run.
pub const ROUND_TRIPS: usize = 10_000;

/// The fixed-seed deadlines: `TIMERS` durations uniform in 1..20 ms (µs granularity).
pub fn deadlines() -> Vec<Duration> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    (0..TIMERS)
        .map(|_| {
            // xorshift64
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            Duration::from_micros(1_000 + x % 19_000)
        })
        .collect()
}

/// Spawns one task per deadline (from inside a task); each sleeps for its duration with `sleep`
/// and reports how late it woke, in ns. Returns every lateness.
pub fn timers<R, S, F>(rt: &R, sleep: F, ds: &[Duration]) -> Vec<u64>
where
    R: Rt,
    S: Future<Output = ()> + Send + 'static,
    F: Fn(Duration) -> S + Copy + Send + Sync + 'static,
{
    let sp = rt.spawner();
    let ds = ds.to_vec();
    rt.block_on(R::spawn(&sp.clone(), async move {
        let hs: Vec<_> = ds
            .into_iter()
            .map(|d| {
                R::spawn(&sp, async move {
                    let deadline = Instant::now() + d;
                    sleep(d).await;
                    let now = Instant::now();
                    assert!(now >= deadline, "{} timer fired early", R::NAME);
                    (now - deadline).as_nanos() as u64
                })
            })
            .collect();
        let mut late = Vec::with_capacity(hs.len());
        for h in hs {
            late.push(h.await);
        }
        late
    }))
}

/// weft's sleep as a `()` future.
pub fn weft_sleep(d: Duration) -> impl Future<Output = ()> + Send + 'static {
    weft::time::sleep(d)
}

/// tokio's sleep as a `()` future.
pub fn tokio_sleep(d: Duration) -> impl Future<Output = ()> + Send + 'static {
    tokio::time::sleep(d)
}

/// async-io's timer as a `()` future.
pub async fn smol_sleep(d: Duration) {
    async_io::Timer::after(d).await;
}

/// `ROUND_TRIPS` 1-byte round trips between two tasks over a socket pair wrapped in
/// `weft::io::Async<UnixStream>`.
pub fn pingpong_weft(rt: &Weft) {
    let sp = rt.spawner();
    rt.block_on(Weft::spawn(&sp.clone(), async move {
        let (a, b) = UnixStream::pair().unwrap();
        let mut a = weft::io::Async::new(a).unwrap();
        let mut b = weft::io::Async::new(b).unwrap();
        let echo = Weft::spawn(&sp, async move {
            let mut buf = [0u8; 1];
            for _ in 0..ROUND_TRIPS {
                b.read_exact(&mut buf).await.unwrap();
                b.write_all(&buf).await.unwrap();
            }
        });
        let mut buf = [7u8; 1];
        for _ in 0..ROUND_TRIPS {
            a.write_all(&buf).await.unwrap();
            a.read_exact(&mut buf).await.unwrap();
        }
        echo.await;
    }));
}

/// As [`pingpong_weft`], with `tokio::net::UnixStream`.
pub fn pingpong_tokio(rt: &Tokio) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sp = rt.spawner();
    rt.block_on(Tokio::spawn(&sp.clone(), async move {
        let (mut a, mut b) = tokio::net::UnixStream::pair().unwrap();
        let echo = Tokio::spawn(&sp, async move {
            let mut buf = [0u8; 1];
            for _ in 0..ROUND_TRIPS {
                b.read_exact(&mut buf).await.unwrap();
                b.write_all(&buf).await.unwrap();
            }
        });
        let mut buf = [7u8; 1];
        for _ in 0..ROUND_TRIPS {
            a.write_all(&buf).await.unwrap();
            a.read_exact(&mut buf).await.unwrap();
        }
        echo.await;
    }));
}

/// As [`pingpong_weft`], with `async_io::Async<UnixStream>` on smol's executor.
pub fn pingpong_smol(rt: &Smol) {
    let sp = rt.spawner();
    rt.block_on(Smol::spawn(&sp.clone(), async move {
        let (mut a, mut b) = async_io::Async::<UnixStream>::pair().unwrap();
        let echo = Smol::spawn(&sp, async move {
            let mut buf = [0u8; 1];
            for _ in 0..ROUND_TRIPS {
                b.read_exact(&mut buf).await.unwrap();
                b.write_all(&buf).await.unwrap();
            }
        });
        let mut buf = [7u8; 1];
        for _ in 0..ROUND_TRIPS {
            a.write_all(&buf).await.unwrap();
            a.read_exact(&mut buf).await.unwrap();
        }
        echo.await;
    }));
}

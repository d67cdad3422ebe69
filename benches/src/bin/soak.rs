//! A soak: weft's everyday work in a loop for a given time, watching for slow leaks.
//!
//! Eight loops on a 2-worker multi-thread runtime repeat, until the time is up: 100 spawned tasks
//! that yield and are joined; timers (sleeps, a timeout that fires and one that does not, an
//! interval); channels (a bounded mpsc with a producer task, oneshot, broadcast, watch); 4 TCP
//! connections to an echo server in the same runtime (connect, 1 KiB there and back, close); a
//! temporary file written, read back and removed. Every `--sample` seconds (default 10) a thread
//! outside the runtime prints the resident set, the live heap (a counting global allocator), the
//! open descriptors and the threads. At the end the load stops, the blocking pool's idle threads
//! are given time to exit, and the soak prints the slopes of the live heap and the resident set
//! (least squares over the samples after the first minute, per minute) and the descriptors and
//! threads against the baseline taken before the load started.
//!
//! `flock /tmp/weft-bench.lock cargo run --release --bin soak -- --secs 600`

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use weft::net::{TcpListener, TcpStream};
use weft::sync::{broadcast, mpsc, oneshot, watch};
use weft_benches::alloc_count::{live_bytes, Counting};

#[global_allocator]
static ALLOC: Counting = Counting;

/// Concurrent load loops.
const LOOPS: usize = 8;

#[derive(Debug, Clone, Copy)]
struct Sample {
    /// Seconds since the start.
    at: f64,
    rss: u64,
    heap: i64,
    fds: usize,
    threads: usize,
    rounds: u64,
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    // SAFETY: sysconf has no memory effects.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64;
    pages * page
}

fn fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count().saturating_sub(1))
}

fn threads() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

fn sample(start: Instant, rounds: &AtomicU64) -> Sample {
    Sample {
        at: start.elapsed().as_secs_f64(),
        rss: rss_bytes(),
        heap: live_bytes() as i64,
        fds: fds(),
        threads: threads(),
        rounds: rounds.load(Ordering::Relaxed),
    }
}

fn print(s: &Sample) {
    println!(
        "{:>7.1} s  rss {:>8.1} KiB  heap {:>8.1} KiB  fds {:>4}  threads {:>3}  rounds {:>8}",
        s.at,
        s.rss as f64 / 1024.0,
        s.heap as f64 / 1024.0,
        s.fds,
        s.threads,
        s.rounds
    );
}

/// Least-squares slope of `y` over `x` (per unit of `x`).
fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let (mx, my) = (
        points.iter().map(|p| p.0).sum::<f64>() / n,
        points.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let num: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let den: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

async fn echo_server(listener: TcpListener) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        weft::spawn(async move {
            let (mut rd, mut wr) = stream.into_split();
            let _ = weft::io::copy(&mut rd, &mut wr).await;
        });
    }
}

async fn tasks_round() {
    let handles: Vec<_> = (0..100u64)
        .map(|i| {
            weft::spawn(async move {
                weft::task::yield_now().await;
                i
            })
        })
        .collect();
    let mut sum = 0;
    for h in handles {
        sum += h.await.unwrap();
    }
    assert_eq!(sum, 4950);
}

async fn timers_round(seed: u64) {
    for i in 0..5 {
        weft::time::sleep(Duration::from_micros((seed + i) % 2000)).await;
    }
    let fired = weft::time::timeout(Duration::from_millis(1), std::future::pending::<()>()).await;
    assert!(fired.is_err());
    let quick = weft::time::timeout(Duration::from_secs(5), async { 1 }).await;
    assert_eq!(quick, Ok(1));
    let mut tick = weft::time::interval(Duration::from_millis(1));
    for _ in 0..3 {
        tick.tick().await;
    }
}

async fn channels_round() {
    let (tx, mut rx) = mpsc::channel::<u64>(16);
    let producer = weft::spawn(async move {
        for i in 0..200 {
            tx.send(i).await.unwrap();
        }
    });
    let mut n = 0;
    while rx.recv().await.is_some() {
        n += 1;
    }
    producer.await.unwrap();
    assert_eq!(n, 200);

    let (otx, orx) = oneshot::channel();
    weft::spawn(async move { otx.send(7u8).unwrap() });
    assert_eq!(orx.await, Ok(7));

    let (btx, mut brx) = broadcast::channel::<u32>(8);
    let mut brx2 = btx.subscribe();
    btx.send(1).unwrap();
    assert_eq!(brx.recv().await, Ok(1));
    assert_eq!(brx2.recv().await, Ok(1));

    let (wtx, mut wrx) = watch::channel(0u32);
    let watcher = weft::spawn(async move {
        wrx.changed().await.unwrap();
        *wrx.borrow()
    });
    weft::task::yield_now().await;
    wtx.send(5).unwrap();
    assert_eq!(watcher.await.unwrap(), 5);
}

async fn tcp_round(addr: std::net::SocketAddr) {
    let msg = [0x5au8; 1024];
    for _ in 0..4 {
        let s = TcpStream::connect(addr).await.unwrap();
        s.write_all(&msg).await.unwrap();
        let mut back = [0u8; 1024];
        s.read_exact(&mut back).await.unwrap();
        assert_eq!(back, msg);
        drop(s);
    }
}

async fn file_round(dir: &std::path::Path, id: usize, round: u64) {
    let path = dir.join(format!("soak-{id}-{}", round % 4));
    let data = vec![(round % 251) as u8; 8192];
    weft::fs::write(&path, &data).await.unwrap();
    assert_eq!(weft::fs::read(&path).await.unwrap(), data);
    weft::fs::remove_file(&path).await.unwrap();
}

fn main() {
    let mut secs = 600u64;
    let mut every = 10u64;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--secs" => secs = args.next().and_then(|v| v.parse().ok()).expect("--secs N"),
            "--sample" => {
                every = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--sample N")
            }
            other => panic!("unknown argument {other}: use --secs N --sample N"),
        }
    }
    let dir = std::env::temp_dir().join(format!("weft-soak-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let rt = weft::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(echo_server(listener));

    let start = Instant::now();
    let rounds = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let baseline = sample(start, &rounds);
    println!("soak: {secs} s, {LOOPS} loops, a sample every {every} s");
    print!("baseline ");
    print(&baseline);

    let sampler = {
        let (rounds, stop) = (rounds.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut samples = Vec::new();
            let mut next = Duration::from_secs(every);
            while !stop.load(Ordering::Relaxed) {
                let now = start.elapsed();
                if now >= next {
                    let s = sample(start, &rounds);
                    print(&s);
                    samples.push(s);
                    next += Duration::from_secs(every);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            samples
        })
    };

    let deadline = start + Duration::from_secs(secs);
    rt.block_on(async {
        let loops: Vec<_> = (0..LOOPS)
            .map(|id| {
                let (rounds, dir) = (rounds.clone(), dir.clone());
                weft::spawn(async move {
                    let mut round = 0u64;
                    while Instant::now() < deadline {
                        tasks_round().await;
                        timers_round(round * 7 + id as u64).await;
                        channels_round().await;
                        tcp_round(addr).await;
                        file_round(&dir, id, round).await;
                        round += 1;
                        rounds.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        for l in loops {
            l.await.unwrap();
        }
    });
    // The load is over: give closing sockets and idle blocking threads (10 s keep-alive) time.
    std::thread::sleep(Duration::from_secs(12));
    stop.store(true, Ordering::Relaxed);
    let samples = sampler.join().unwrap();
    let end = sample(start, &rounds);
    print!("end      ");
    print(&end);

    let warm: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.at >= 60.0 && s.at <= secs as f64)
        .collect();
    let per_min = |f: &dyn Fn(&Sample) -> f64| {
        slope(&warm.iter().map(|s| (s.at / 60.0, f(s))).collect::<Vec<_>>())
    };
    let heap_slope = per_min(&|s| s.heap as f64 / 1024.0);
    let rss_slope = per_min(&|s| s.rss as f64 / 1024.0);
    println!(
        "slopes over {} samples after the first minute: live heap {heap_slope:+.2} KiB/min, \
         rss {rss_slope:+.2} KiB/min (target: heap <= 10 KiB/min)",
        warm.len()
    );
    println!(
        "rounds {} ({:.0}/s); fds baseline {} end {}; threads baseline {} end {}",
        end.rounds,
        end.rounds as f64 / secs as f64,
        baseline.fds,
        end.fds,
        baseline.threads,
        end.threads
    );
    drop(rt);
    let _ = std::fs::remove_dir_all(&dir);
}

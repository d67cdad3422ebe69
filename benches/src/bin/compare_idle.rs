//! What a runtime costs while it is (nearly) idle: whole-process CPU time (getrusage, user +
//! system) over a fixed window for weft, tokio and smol, 2 workers each, on
//! (a) a runtime with nothing to do, (b) one task ticking a 10 ms interval, (c) 100 TCP
//! connections on loopback each receiving one 32-byte message per second (from a load thread
//! outside the runtime, the same for all three; its own CPU time is shown apart).
//!
//! Every measurement builds a fresh runtime, starts the workload, lets it settle, then measures
//! the window while the main thread sleeps; rounds are interleaved in a shuffled order.
//!
//! `cargo run --release --bin compare_idle -- [rounds (5)] [seconds (10)] [filter]`
//! (not run by CI: the default takes 3 x 3 x 5 x ~10.5 s, about 8 minutes).

use std::thread::sleep;
use std::time::Duration;

use weft_benches::harness::{median, shuffled};
use weft_benches::idle_workloads::{self as idle, IdleRt, Running};
use weft_benches::{Smol, Tokio, Weft};

const WORKERS: usize = 2;
/// Time for connections to be accepted and the first ticks to pass before the window opens.
const SETTLE: Duration = Duration::from_millis(300);

/// CPU medians below this many ms (over the whole window) are too small for a ratio: a runtime
/// with nothing to do uses a few µs in 10 s, and the ratio of two such figures is noise.
const MIN_RATIO_MS: f64 = 1.0;
const RUNTIMES: [&str; 3] = ["weft", "tokio", "smol"];

/// One measurement.
#[derive(Clone, Copy, Default)]
struct Sample {
    /// Whole-process CPU ms in the window.
    cpu: f64,
    /// The load thread's CPU ms in the window (part of `cpu`).
    load: f64,
    /// Voluntary context switches of the process in the window (sleeps, mostly).
    switches: f64,
    /// Interval ticks or bytes received in the window.
    count: f64,
}

struct Usage {
    cpu: Duration,
    switches: i64,
}

fn usage() -> Usage {
    let mut u = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a whole rusage into the pointer we give it.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, u.as_mut_ptr()) };
    // SAFETY: zero-initialised and then filled by the kernel.
    let u = unsafe { u.assume_init() };
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    Usage {
        cpu: tv(u.ru_utime) + tv(u.ru_stime),
        switches: u.ru_nvcsw,
    }
}

fn measure<R: IdleRt>(start: fn(&R) -> Running, window: Duration) -> Sample {
    let rt = R::new(WORKERS);
    let run = start(&rt);
    sleep(SETTLE);
    let read = |run: &Running| {
        (
            usage(),
            run.load_cpu(),
            run.count.load(std::sync::atomic::Ordering::Relaxed),
        )
    };
    let (u0, l0, n0) = read(&run);
    sleep(window);
    let (u1, l1, n1) = read(&run);
    run.stop();
    drop(rt);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    Sample {
        cpu: ms(u1.cpu - u0.cpu),
        load: ms(l1 - l0),
        switches: (u1.switches - u0.switches) as f64,
        count: (n1 - n0) as f64,
    }
}

struct Scenario {
    name: &'static str,
    unit: &'static str,
    weft: fn(&Weft) -> Running,
    tokio: fn(&Tokio) -> Running,
    smol: fn(&Smol) -> Running,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rounds: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5);
    let secs: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10.0);
    let filter = args.get(3).cloned().unwrap_or_default();
    let window = Duration::from_secs_f64(secs);
    let scenarios: Vec<Scenario> = [
        Scenario {
            name: "(a) nothing to do",
            unit: "-",
            weft: idle::start_nothing,
            tokio: idle::start_nothing,
            smol: idle::start_nothing,
        },
        Scenario {
            name: "(b) one 10 ms interval",
            unit: "ticks",
            weft: idle::start_interval,
            tokio: idle::start_interval,
            smol: idle::start_interval,
        },
        Scenario {
            name: "(c) 100 idle TCP connections, 1 message/s each",
            unit: "bytes",
            weft: idle::start_connections,
            tokio: idle::start_connections,
            smol: idle::start_connections,
        },
    ]
    .into_iter()
    .filter(|s| s.name.contains(filter.as_str()))
    .collect();

    // samples[scenario][runtime][round]
    let mut samples = vec![vec![Vec::<Sample>::new(); 3]; scenarios.len()];
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    for round in 0..rounds {
        for (si, s) in scenarios.iter().enumerate() {
            for which in shuffled(3, &mut seed) {
                let sample = match which {
                    0 => measure(s.weft, window),
                    1 => measure(s.tokio, window),
                    _ => measure(s.smol, window),
                };
                samples[si][which].push(sample);
            }
        }
        eprintln!("round {}/{rounds} done", round + 1);
    }

    println!(
        "idle cost: CPU over {secs} s, {WORKERS} workers each, {rounds} interleaved rounds, \
         medians; cpu = whole process (getrusage user+sys), rt = cpu minus the load thread; \
         x = median of per-round ratios weft/peer (< 1: weft cheaper)"
    );
    for (si, s) in scenarios.iter().enumerate() {
        println!("{}", s.name);
        println!(
            "  {:<6} {:>9} {:>8} {:>9} {:>8} {:>10} {:>12} {:>7} {:>7}",
            "", "cpu ms", "% core", "rt ms", "load ms", "vol. csw", s.unit, "cpu x", "rt x"
        );
        for (k, name) in RUNTIMES.iter().enumerate() {
            let col = |f: fn(&Sample) -> f64| {
                median(&mut samples[si][k].iter().map(f).collect::<Vec<_>>())
            };
            // A ratio of two near-zero CPU times (a runtime with nothing to do) says nothing:
            // below MIN_RATIO_MS on either side it prints as "-".
            let ratio = |f: fn(&Sample) -> f64| {
                let resolvable = |k: usize| {
                    median(&mut samples[si][k].iter().map(f).collect::<Vec<_>>()) >= MIN_RATIO_MS
                };
                if !resolvable(0) || !resolvable(k) {
                    return format!("{:>7}", "-");
                }
                let mut r: Vec<f64> = (0..rounds)
                    .map(|i| f(&samples[si][0][i]) / f(&samples[si][k][i]).max(1e-9))
                    .collect();
                format!("{:>7.2}", median(&mut r))
            };
            let rt = |x: &Sample| x.cpu - x.load;
            println!(
                "  {:<6} {:>9.1} {:>8.3} {:>9.1} {:>8.1} {:>10.0} {:>12.0} {} {}",
                name,
                col(|x| x.cpu),
                col(|x| x.cpu) / (secs * 10.0),
                col(rt),
                col(|x| x.load),
                col(|x| x.switches),
                col(|x| x.count),
                ratio(|x| x.cpu),
                ratio(rt),
            );
        }
    }
}

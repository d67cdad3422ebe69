//! The interleaved-rounds runner shared by the `compare_*` binaries (the same method as
//! `src/bin/compare.rs`, for any number of contenders): every round runs every benchmark on every
//! contender in a rotating order, timing wall and CPU time; the report gives medians and the median
//! of the per-round ratios of the first contender (weft) to each other one, which is robust on a
//! noisy shared machine.

use std::time::{Duration, Instant};

/// Process CPU time (user + system, all threads).
pub fn cpu_time() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a whole rusage into the pointer we give it.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    // SAFETY: zero-initialised and then filled by the kernel.
    let u = unsafe { usage.assume_init() };
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    tv(u.ru_utime) + tv(u.ru_stime)
}

/// One way of running a benchmark: a name and one run of the workload.
pub struct Contender<'a> {
    pub name: &'static str,
    pub run: Box<dyn FnMut() + 'a>,
}

impl<'a> Contender<'a> {
    pub fn new(name: &'static str, run: impl FnMut() + 'a) -> Self {
        Contender {
            name,
            run: Box::new(run),
        }
    }
}

/// A benchmark: `iters` runs per measurement, `ops` operations per run (for per-op figures).
pub struct Bench<'a> {
    pub name: String,
    pub iters: usize,
    pub ops: usize,
    pub contenders: Vec<Contender<'a>>,
}

/// Per benchmark, per contender, per round: (wall µs, cpu µs) of one run.
pub struct Results {
    pub names: Vec<String>,
    pub ops: Vec<usize>,
    pub contenders: Vec<Vec<&'static str>>,
    pub samples: Vec<Vec<Vec<(f64, f64)>>>,
}

/// The median (sorts `v`).
pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// `0..n` in a pseudo-random order (xorshift; deterministic across runs of the program).
pub fn shuffled(n: usize, seed: &mut u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        order.swap(i, (*seed % (i as u64 + 1)) as usize);
    }
    order
}

/// Runs `rounds` interleaved rounds (plus one unmeasured warm-up run of everything first).
pub fn run(benches: &mut [Bench<'_>], rounds: usize) -> Results {
    for b in benches.iter_mut() {
        for c in b.contenders.iter_mut() {
            (c.run)();
        }
    }
    eprintln!("warm-up done");
    let mut samples: Vec<Vec<Vec<(f64, f64)>>> = benches
        .iter()
        .map(|b| vec![Vec::new(); b.contenders.len()])
        .collect();
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    for round in 0..rounds {
        for (bi, b) in benches.iter_mut().enumerate() {
            let n = b.contenders.len();
            // A fresh order every round (not a rotation, which always puts the same contender
            // right after the same other one: a runtime that runs just after the single-thread
            // epoll loop, say, finds its second CPU slower to wake and loses ~15%).
            for which in shuffled(n, &mut seed) {
                let c = &mut b.contenders[which];
                let (w0, c0) = (Instant::now(), cpu_time());
                for _ in 0..b.iters {
                    (c.run)();
                }
                let (w, cpu) = (w0.elapsed(), cpu_time() - c0);
                let it = b.iters as f64;
                samples[bi][which].push((w.as_secs_f64() * 1e6 / it, cpu.as_secs_f64() * 1e6 / it));
            }
        }
        eprintln!("round {}/{rounds} done", round + 1);
    }
    Results {
        names: benches.iter().map(|b| b.name.clone()).collect(),
        ops: benches.iter().map(|b| b.ops).collect(),
        contenders: benches
            .iter()
            .map(|b| b.contenders.iter().map(|c| c.name).collect())
            .collect(),
        samples,
    }
}

impl Results {
    /// Median (wall, cpu) µs per run of contender `k` in benchmark `b`.
    pub fn median(&self, b: usize, k: usize) -> (f64, f64) {
        let s = &self.samples[b][k];
        let mut w: Vec<f64> = s.iter().map(|x| x.0).collect();
        let mut c: Vec<f64> = s.iter().map(|x| x.1).collect();
        (median(&mut w), median(&mut c))
    }

    /// Median over rounds of contender 0's (wall, cpu) divided by contender `k`'s.
    pub fn ratio(&self, b: usize, k: usize) -> (f64, f64) {
        let s = &self.samples[b];
        let mut w: Vec<f64> = (0..s[0].len()).map(|i| s[0][i].0 / s[k][i].0).collect();
        let mut c: Vec<f64> = (0..s[0].len()).map(|i| s[0][i].1 / s[k][i].1).collect();
        (median(&mut w), median(&mut c))
    }

    /// Prints one block per benchmark: each contender's median wall and CPU µs per run, ns per op,
    /// and the weft/peer ratios.
    pub fn print(&self, rounds: usize) {
        println!(
            "{rounds} interleaved rounds; medians per run (wall / cpu); ratio = median over rounds of \
             weft/peer (< 1.0: weft faster / cheaper)"
        );
        for (b, name) in self.names.iter().enumerate() {
            let ops = self.ops[b] as f64;
            println!("{name}  ({} ops per run)", self.ops[b]);
            println!(
                "  {:<10} {:>12} {:>12} {:>11} {:>11} {:>12} {:>9} {:>9}",
                "", "wall µs", "cpu µs", "wall ns/op", "cpu ns/op", "ops/s", "wall x", "cpu x"
            );
            for (k, cname) in self.contenders[b].iter().enumerate() {
                let (w, c) = self.median(b, k);
                let (rw, rc) = if k == 0 { (1.0, 1.0) } else { self.ratio(b, k) };
                println!(
                    "  {:<10} {:>12.0} {:>12.0} {:>11.0} {:>11.0} {:>12.0} {:>9.2} {:>9.2}",
                    cname,
                    w,
                    c,
                    w * 1e3 / ops,
                    c * 1e3 / ops,
                    ops / (w * 1e-6),
                    rw,
                    rc
                );
            }
        }
        println!("(wall x / cpu x: weft divided by that row, median of per-round ratios)");
    }
}

/// Reads `[rounds] [filter]` from the command line.
pub fn args(default_rounds: usize) -> (usize, String) {
    let args: Vec<String> = std::env::args().collect();
    let rounds = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(default_rounds);
    let filter = args.get(2).cloned().unwrap_or_default();
    (rounds, filter)
}

//! Instructions per operation, counted by valgrind's callgrind: spawn, yield, ping-pong round,
//! chained spawn and mpsc message on weft, tokio and smol, each current-thread and with one worker.
//!
//! Each figure comes from two runs of the same program, one of `n` operations and one of `3n`,
//! each in its own process under `valgrind --tool=callgrind`: `(Ir(3n) - Ir(n)) / 2n`, so start-up,
//! thread creation and exit cancel out. Counts of the current-thread runtimes repeat to the
//! instruction; the one-worker runtimes move by a few instructions per operation between runs
//! (which thread valgrind runs when decides how often a worker parks), hence `--reps`.
//!
//! ```text
//! cargo build --release --bin instr
//! flock /tmp/weft-bench.lock target/release/instr [--reps K] [--scale F] [--rt LIST]
//!     [--workload LIST] [--keep DIR] [--exe PATH]
//! ```
//!
//! - `--rt weft-ct,tokio-mt1`: only these runtimes (default: all six).
//! - `--workload spawn,mpsc`: only these workloads (default: all five).
//! - `--reps K`: measure each figure K times, print the median (and the spread if K > 1).
//! - `--scale F`: multiply every run length by F (default 1).
//! - `--keep DIR`: keep the callgrind output files there, for `callgrind_annotate`.
//! - `--exe PATH`: run PATH (another build of this binary, say from an older commit) instead of
//!   this one; its counts are printed the same way.
//!
//! `instr run RUNTIME WORKLOAD N` runs one workload once, without valgrind (what the driver runs
//! under it).

use std::path::{Path, PathBuf};
use std::process::Command;

use weft_benches::counted;
use weft_benches::current_thread::{SmolCt, TokioCt, WeftCt};
use weft_benches::{Rt, Smol, Tokio, Weft};

/// The runtimes, in table order: three current-thread ones, then three with one worker.
const RUNTIMES: [&str; 6] = [
    "weft-ct",
    "tokio-ct",
    "smol-ct",
    "weft-mt1",
    "tokio-mt1",
    "smol-mt1",
];

/// The workloads and their shorter run length `n` (the longer one is `3n`).
const WORKLOADS: [(&str, usize); 5] = [
    ("spawn", 10_000),
    ("yield", 20_000),
    ("ping_pong", 2_000),
    ("chained_spawn", 5_000),
    ("mpsc", 50_000),
];

fn run_workload<R: Rt>(workload: &str, n: usize, mpsc: fn(&R, usize)) {
    let rt = R::new(1);
    match workload {
        "spawn" => counted::spawn(&rt, n),
        "yield" => counted::yield_now(&rt, n),
        "ping_pong" => counted::ping_pong(&rt, n),
        "chained_spawn" => counted::chained_spawn(&rt, n),
        "mpsc" => mpsc(&rt, n),
        other => panic!("unknown workload {other:?}: one of {WORKLOADS:?}"),
    }
}

/// `instr run RUNTIME WORKLOAD N`.
fn run(runtime: &str, workload: &str, n: usize) {
    match runtime {
        "weft-ct" => run_workload::<WeftCt>(workload, n, counted::mpsc_weft),
        "tokio-ct" => run_workload::<TokioCt>(workload, n, counted::mpsc_tokio),
        "smol-ct" => run_workload::<SmolCt>(workload, n, counted::mpsc_smol),
        "weft-mt1" => run_workload::<Weft>(workload, n, counted::mpsc_weft),
        "tokio-mt1" => run_workload::<Tokio>(workload, n, counted::mpsc_tokio),
        "smol-mt1" => run_workload::<Smol>(workload, n, counted::mpsc_smol),
        other => panic!("unknown runtime {other:?}: one of {RUNTIMES:?}"),
    }
}

/// Runs `exe run RUNTIME WORKLOAD N` under callgrind and returns the instructions it executed.
fn count(exe: &Path, dir: &Path, runtime: &str, workload: &str, n: usize, rep: usize) -> u64 {
    let out = dir.join(format!("callgrind.{runtime}.{workload}.{n}.{rep}.out"));
    let status = Command::new(std::env::var_os("VALGRIND").unwrap_or("valgrind".into()))
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg("-q")
        .arg(exe)
        .args(["run", runtime, workload, &n.to_string()])
        .status()
        .unwrap_or_else(|e| {
            panic!("could not start valgrind ({e}): install it (apt-get install valgrind) or set VALGRIND")
        });
    assert!(
        status.success(),
        "{runtime} {workload} {n} under callgrind: {status}"
    );
    let text = std::fs::read_to_string(&out).expect("callgrind output file");
    text.lines()
        .find_map(|l| {
            l.strip_prefix("summary:")
                .or_else(|| l.strip_prefix("totals:"))
        })
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no summary line in {}", out.display()))
}

/// The median (the mean of the middle two for an even count).
fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len().is_multiple_of(2) {
        (v[mid - 1] + v[mid]) / 2.0
    } else {
        v[mid]
    }
}

struct Options {
    reps: usize,
    scale: f64,
    runtimes: Vec<String>,
    workloads: Vec<String>,
    keep: Option<PathBuf>,
    exe: PathBuf,
}

fn list(arg: Option<String>, what: &str) -> Vec<String> {
    arg.unwrap_or_else(|| panic!("{what} needs a value"))
        .split(',')
        .map(str::to_owned)
        .collect()
}

fn options(mut args: impl Iterator<Item = String>) -> Options {
    let mut o = Options {
        reps: 1,
        scale: 1.0,
        runtimes: RUNTIMES.iter().map(|s| s.to_string()).collect(),
        workloads: WORKLOADS.iter().map(|(w, _)| w.to_string()).collect(),
        keep: None,
        exe: std::env::current_exe().expect("own path"),
    };
    while let Some(a) = args.next() {
        match a.as_str() {
            "--reps" => o.reps = args.next().and_then(|s| s.parse().ok()).expect("--reps K"),
            "--scale" => o.scale = args.next().and_then(|s| s.parse().ok()).expect("--scale F"),
            "--rt" => o.runtimes = list(args.next(), "--rt"),
            "--workload" => o.workloads = list(args.next(), "--workload"),
            "--keep" => o.keep = Some(args.next().expect("--keep DIR").into()),
            "--exe" => o.exe = args.next().expect("--exe PATH").into(),
            other => panic!("unknown argument {other:?} (see the file's docs)"),
        }
    }
    for r in &o.runtimes {
        assert!(
            RUNTIMES.contains(&r.as_str()),
            "unknown runtime {r:?}: one of {RUNTIMES:?}"
        );
    }
    for w in &o.workloads {
        assert!(
            WORKLOADS.iter().any(|(name, _)| name == w),
            "unknown workload {w:?}: one of {WORKLOADS:?}"
        );
    }
    o
}

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("run") {
        let (rt, wl, n) = (args.nth(1), args.next(), args.next());
        let n = n
            .and_then(|s| s.parse().ok())
            .expect("instr run RUNTIME WORKLOAD N");
        run(&rt.expect("runtime"), &wl.expect("workload"), n);
        return;
    }
    let o = options(args);
    let dir = match &o.keep {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("weft-instr-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).expect("output directory");

    // per[workload][runtime] = median instructions per operation, with the spread.
    let mut per = vec![vec![None::<(f64, f64, f64)>; RUNTIMES.len()]; WORKLOADS.len()];
    for (wi, (workload, base)) in WORKLOADS.iter().enumerate() {
        if !o.workloads.iter().any(|w| w == workload) {
            continue;
        }
        let n = ((*base as f64 * o.scale) as usize).max(min_n(workload));
        for (ri, runtime) in RUNTIMES.iter().enumerate() {
            if !o.runtimes.iter().any(|r| r == runtime) {
                continue;
            }
            let mut v: Vec<f64> = (0..o.reps)
                .map(|rep| {
                    let short = count(&o.exe, &dir, runtime, workload, n, rep);
                    let long = count(&o.exe, &dir, runtime, workload, 3 * n, rep);
                    (long as f64 - short as f64) / (2 * n) as f64
                })
                .collect();
            let (lo, hi) = (
                v.iter().cloned().fold(f64::INFINITY, f64::min),
                v.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
            );
            let m = median(&mut v);
            eprintln!(
                "{runtime:>9} {workload:<13} {m:>8.1} (n = {n}, {} reps: {lo:.1}..{hi:.1})",
                o.reps
            );
            per[wi][ri] = Some((m, lo, hi));
        }
    }
    if o.keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }

    println!(
        "instructions per operation (callgrind, (Ir(3n) - Ir(n)) / 2n, median of {} rep(s)); \
         ratio = weft / the better peer of the same flavour",
        o.reps
    );
    print!("{:<14}", "workload");
    for r in RUNTIMES {
        print!(" {r:>9}");
    }
    println!(" {:>9} {:>9}", "ct ratio", "mt1 ratio");
    for (wi, (workload, _)) in WORKLOADS.iter().enumerate() {
        if per[wi].iter().all(Option::is_none) {
            continue;
        }
        print!("{workload:<14}");
        for cell in &per[wi] {
            match cell {
                Some((m, _, _)) => print!(" {m:>9.1}"),
                None => print!(" {:>9}", "-"),
            }
        }
        let ratio = |weft: usize, peers: [usize; 2]| {
            let w = per[wi][weft]?.0;
            let best = peers
                .iter()
                .filter_map(|&p| per[wi][p].map(|c| c.0))
                .reduce(f64::min)?;
            Some(w / best)
        };
        for r in [ratio(0, [1, 2]), ratio(3, [4, 5])] {
            match r {
                Some(r) => print!(" {r:>9.3}"),
                None => print!(" {:>9}", "-"),
            }
        }
        println!();
    }
    if o.reps > 1 {
        println!("spread (min..max over reps):");
        for (wi, (workload, _)) in WORKLOADS.iter().enumerate() {
            for (ri, runtime) in RUNTIMES.iter().enumerate() {
                if let Some((_, lo, hi)) = per[wi][ri] {
                    println!("  {workload:<14} {runtime:<9} {lo:.1}..{hi:.1}");
                }
            }
        }
    }
}

/// The smallest `n` a workload accepts (yield spreads `n` over its tasks).
fn min_n(workload: &str) -> usize {
    if workload == "yield" {
        counted::YIELD_TASKS
    } else {
        1
    }
}

//! Which part of `compare_net`'s setting changes a runtime's echo time: the runtimes that also live
//! in the process (idle), and who runs between two timed runs.
//!
//! `netmix <run> <alive> [runs] [conns] [size] [trips]`
//!
//! - `run`: comma-separated contenders that take turns, in rotating order as in `compare_net`
//!   (`weft`, `tokio`, `smol`, `epoll`); every one is timed.
//! - `alive`: comma-separated runtimes built (with their echo servers) but never run (`-`: none).
//!
//! Prints, per contender, the median wall and CPU time per run and the CPUs used (cpu / wall).

use weft_benches::harness::{cpu_time, median};
use weft_benches::net_workloads as n;
use weft_benches::{Rt, Smol, Tokio, Weft};

use std::time::Instant;

const BUF: usize = 16 * 1024;

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let list = |i: usize| -> Vec<String> {
        a.get(i)
            .map(|s| {
                s.split(',')
                    .filter(|x| !x.is_empty() && *x != "-")
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    };
    let arg = |i: usize, d: usize| a.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let run = list(1);
    let alive = list(2);
    let (runs, c, size, k) = (arg(3, 15), arg(4, 50), arg(5, 64), arg(6, 400));
    let wants = |name: &str| run.iter().chain(alive.iter()).any(|x| x == name);

    let weft = wants("weft").then(|| Weft::new(2));
    let tokio = wants("tokio").then(|| Tokio::new(2));
    let smol = wants("smol").then(|| Smol::new(2));
    let ceiling = wants("epoll").then(n::EpollCeiling::new);
    let aw = weft.as_ref().map(|w| n::server_weft(w, BUF).addr);
    let at = tokio.as_ref().map(|t| n::server_tokio(t, BUF).addr);
    let asm = smol.as_ref().map(|s| n::server_smol(s, BUF).addr);

    let one = |name: &str| match name {
        "weft" => n::echo_weft(weft.as_ref().unwrap(), aw.unwrap(), c, size, k),
        "tokio" => n::echo_tokio(tokio.as_ref().unwrap(), at.unwrap(), c, size, k),
        "smol" => n::echo_smol(smol.as_ref().unwrap(), asm.unwrap(), c, size, k),
        "epoll" => ceiling.as_ref().unwrap().echo(c, size, k),
        other => panic!("unknown contender {other}"),
    };
    for name in &run {
        one(name);
    }
    let mut samples: Vec<Vec<(f64, f64)>> = vec![Vec::new(); run.len()];
    for round in 0..runs {
        for i in 0..run.len() {
            let which = (round + i) % run.len();
            let (w0, c0) = (Instant::now(), cpu_time());
            one(&run[which]);
            let (w, cpu) = (w0.elapsed(), cpu_time() - c0);
            samples[which].push((w.as_secs_f64() * 1e3, cpu.as_secs_f64() * 1e3));
        }
    }
    println!("{c} conn x {k} x {size} B, {runs} rounds, alive besides: {alive:?}");
    for (i, name) in run.iter().enumerate().skip(1) {
        let mut r: Vec<f64> = (0..runs)
            .map(|j| samples[0][j].0 / samples[i][j].0)
            .collect();
        println!(
            "  wall {}/{name}: median of per-round ratios {:.3}",
            run[0],
            median(&mut r)
        );
    }
    for (name, s) in run.iter().zip(samples) {
        let mut w: Vec<f64> = s.iter().map(|x| x.0).collect();
        let mut cp: Vec<f64> = s.iter().map(|x| x.1).collect();
        let mut cpus: Vec<f64> = s.iter().map(|x| x.1 / x.0).collect();
        println!(
            "  {name:6} wall {:7.1} ms  cpu {:7.1} ms  cpus {:.2}",
            median(&mut w),
            median(&mut cp),
            median(&mut cpus)
        );
    }
}

//! Servers in their own processes, loaded by an outside load generator (wrk, redis-benchmark) in
//! another process: what `compare_http` and `compare_kv` share.
//!
//! A server is this same benchmark binary started with `serve NAME` (or an outside server such as
//! redis-server); it prints `PORT n` once it listens. Its CPU time is read from
//! `/proc/<pid>/stat` before and after each load run, so it counts the server's threads only, not
//! the load generator's nor this orchestrating process's.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A server process, killed on drop.
pub struct Server {
    pub name: &'static str,
    pub child: Child,
    pub addr: SocketAddr,
}

impl Server {
    /// Starts this binary as `serve <name>` and waits for its `PORT n` line.
    pub fn own(name: &'static str) -> Server {
        let exe = std::env::current_exe().unwrap();
        let mut child = Command::new(exe)
            .args(["serve", name])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port: u16 = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("server {name} printed {line:?} instead of its port"));
        Server {
            name,
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        }
    }

    /// Starts an outside program listening on `port`, waiting until it accepts connections.
    pub fn outside(name: &'static str, mut command: Command, port: u16) -> Server {
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(addr).is_err() {
            assert!(Instant::now() < deadline, "{name} did not listen on {addr}");
            std::thread::sleep(Duration::from_millis(20));
        }
        Server { name, child, addr }
    }

    /// The server's CPU time so far (user + system, every thread).
    pub fn cpu(&self) -> Duration {
        cpu_time(self.child.id())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// User plus system CPU time of process `pid`, from `/proc/<pid>/stat`.
pub fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // SAFETY: sysconf only reads a configuration value.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as u64;
    Duration::from_micros(ticks * 1_000_000 / per_second)
}

/// A free TCP port on loopback (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Prints `PORT n` for the orchestrator (a server process's first line).
pub fn announce(port: u16) {
    println!("PORT {port}");
}

/// `0..n` shuffled by a xorshift seed (the order contenders run in within a round).
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

/// One load run's result: requests done, requests per second, and the server's CPU time.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub requests: f64,
    pub rps: f64,
    pub cpu: Duration,
}

impl Sample {
    /// Server CPU time per request, in microseconds.
    pub fn cpu_us_per_request(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / self.requests
    }
}

/// The median of `v` (sorted in place).
pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// Prints, per server, the median requests/s and CPU µs per request over the rounds, then the
/// median of the per-round ratios of the first server to each other one.
pub fn report(names: &[&str], samples: &[Vec<Sample>]) {
    println!(
        "{:<14} {:>14} {:>16} {:>10}",
        "server", "requests/s", "cpu µs/request", "cpus used"
    );
    for (name, s) in names.iter().zip(samples) {
        let mut rps: Vec<f64> = s.iter().map(|x| x.rps).collect();
        let mut cpu: Vec<f64> = s.iter().map(Sample::cpu_us_per_request).collect();
        let mut cpus: Vec<f64> = s
            .iter()
            .map(|x| x.cpu.as_secs_f64() * x.rps / x.requests)
            .collect();
        println!(
            "{:<14} {:>14.0} {:>16.2} {:>10.2}",
            name,
            median(&mut rps),
            median(&mut cpu),
            median(&mut cpus)
        );
    }
    for k in 1..names.len() {
        let mut rps: Vec<f64> = (0..samples[0].len())
            .map(|r| samples[0][r].rps / samples[k][r].rps)
            .collect();
        let mut cpu: Vec<f64> = (0..samples[0].len())
            .map(|r| samples[0][r].cpu_us_per_request() / samples[k][r].cpu_us_per_request())
            .collect();
        println!(
            "{} / {}: requests/s x{:.3}, cpu per request x{:.3} (medians of per-round ratios)",
            names[0],
            names[k],
            median(&mut rps),
            median(&mut cpu)
        );
    }
}

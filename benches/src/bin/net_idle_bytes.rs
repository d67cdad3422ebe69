//! Heap bytes per idle TCP connection, weft vs tokio vs smol: a counting global allocator
//! (this binary only; never installed in the timing runs) measures live heap before and after
//! opening N loopback connections to an echo server in the same runtime. One connection = the
//! client's stream (held idle) + the server's accepted stream + its echo task parked in `read`
//! with a 64-byte buffer; the server side alone is measured too, with plain std clients.
//!
//! `cargo run --release --bin net_idle_bytes -- [connections]` (4 descriptors per connection stay
//! open per runtime: mind `ulimit -n`)

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use weft_benches::alloc_count::{live_bytes, Counting};
use weft_benches::net_workloads as n;
use weft_benches::{Rt, Smol, Tokio, Weft};

#[global_allocator]
static ALLOC: Counting = Counting;

const WORKERS: usize = 2;
const BUF: usize = 64;

fn settle(server: &n::Server, want: usize) {
    let t0 = Instant::now();
    while server.accepted.load(Ordering::Acquire) < want {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "server accepted only {} of {want}",
            server.accepted.load(Ordering::Acquire)
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // Let the last echo tasks be polled once and park in read.
    std::thread::sleep(Duration::from_millis(200));
}

macro_rules! measure {
    ($rt:expr, $server:expr, $connect:expr, $conns:expr) => {{
        let rt = $rt;
        let server = $server(&rt, BUF);
        let addr = server.addr;
        // Warm: a first batch grows the runtime's lazily sized tables; it is kept open so the
        // measured batch does not reuse its freed slots.
        let warm = rt.block_on($connect(addr, 64));
        settle(&server, 64);
        let before = live_bytes();
        let held = rt.block_on($connect(addr, $conns));
        settle(&server, 64 + $conns);
        let after = live_bytes();
        let both = (after - before) as f64 / $conns as f64;
        // Server side only: clients are plain blocking std sockets from this thread (their Vec
        // is allocated before the measurement).
        let mut plain = Vec::with_capacity($conns);
        let before = live_bytes();
        for _ in 0..$conns {
            plain.push(std::net::TcpStream::connect(addr).unwrap());
        }
        settle(&server, 64 + 2 * $conns);
        let server_only = (live_bytes() - before) as f64 / $conns as f64;
        // Connections and runtime are leaked: teardown is not measured.
        std::mem::forget((warm, held, plain));
        std::mem::forget(rt);
        (both, server_only)
    }};
}

async fn connect_weft(addr: std::net::SocketAddr, k: usize) -> Vec<weft::net::TcpStream> {
    let mut v = Vec::with_capacity(k);
    for _ in 0..k {
        let s = weft::net::TcpStream::connect(addr).await.unwrap();
        s.set_nodelay(true).unwrap();
        v.push(s);
    }
    v
}

async fn connect_tokio(addr: std::net::SocketAddr, k: usize) -> Vec<tokio::net::TcpStream> {
    let mut v = Vec::with_capacity(k);
    for _ in 0..k {
        let s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.set_nodelay(true).unwrap();
        v.push(s);
    }
    v
}

async fn connect_smol(
    addr: std::net::SocketAddr,
    k: usize,
) -> Vec<async_io::Async<std::net::TcpStream>> {
    let mut v = Vec::with_capacity(k);
    for _ in 0..k {
        let s = async_io::Async::<std::net::TcpStream>::connect(addr)
            .await
            .unwrap();
        s.get_ref().set_nodelay(true).unwrap();
        v.push(s);
    }
    v
}

fn main() {
    let conns: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000);
    // weft's and tokio's connect must run inside the runtime: spawn it there.
    let w = {
        let rt = Weft::new(WORKERS);
        let sp = rt.spawner();
        measure!(
            rt,
            n::server_weft,
            |a, k| Weft::spawn(&sp, connect_weft(a, k)),
            conns
        )
    };
    let t = {
        let rt = Tokio::new(WORKERS);
        let sp = rt.spawner();
        measure!(
            rt,
            n::server_tokio,
            |a, k| Tokio::spawn(&sp, connect_tokio(a, k)),
            conns
        )
    };
    let s = measure!(Smol::new(WORKERS), n::server_smol, connect_smol, conns);
    println!(
        "heap bytes per idle loopback connection ({conns} connections, {WORKERS} workers, {BUF} B echo buffer)"
    );
    println!("        {:>10} {:>12}", "both ends", "server side");
    println!("weft    {:>10.0} {:>12.0}", w.0, w.1);
    println!("tokio   {:>10.0} {:>12.0}", t.0, t.1);
    println!("smol    {:>10.0} {:>12.0}", s.0, s.1);
    println!("weft/tokio {:>7.2} {:>12.2}", w.0 / t.0, w.1 / t.1);
    println!("weft/smol  {:>7.2} {:>12.2}", w.0 / s.0, w.1 / s.1);
    println!("(both ends = client stream held idle + accepted stream + echo task parked in read;");
    println!(" server side = accepted stream + echo task, clients being plain std sockets)");
}

//! examples/kv (a Redis-protocol server) on weft, the same server on tokio, and the real
//! redis-server, each loaded by `redis-benchmark -t set,get -P 16 -c 50` in its own process.
//!
//! ```text
//! cargo run --release --bin compare_kv [rounds=7] [requests=1000000]
//! ```
//!
//! The weft and tokio servers share the example's protocol and store code (`resp.rs`,
//! `store.rs`, compiled in here as they are); only the accept loop and the connection task differ:
//! weft runs `examples/kv/server.rs` itself, tokio a line-for-line port of it below. Both run 2
//! worker threads; redis-server is single-threaded (no persistence). Requests/s are
//! redis-benchmark's (SET and GET averaged); server CPU time comes from `/proc/<pid>/stat`.

#[path = "../../../examples/kv/resp.rs"]
mod resp;
#[path = "../../../examples/kv/server.rs"]
mod server;
#[path = "../../../examples/kv/store.rs"]
mod store;

use std::process::Command;

use weft_benches::proc_load::{announce, free_port, report, shuffled, Sample, Server};
use weft_benches::Rt;

const WORKERS: usize = 2;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("serve") {
        serve(&args[2]);
        return;
    }
    let arg = |i: usize, d: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let (rounds, requests) = (arg(1, 7), arg(2, 1_000_000));
    if Command::new("redis-benchmark")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("compare_kv needs redis-benchmark (apt-get install redis-tools)");
        std::process::exit(2);
    }
    let mut servers = vec![Server::own("weft"), Server::own("tokio")];
    let port = free_port();
    let mut redis = Command::new("redis-server");
    redis.args(["--port", &port.to_string(), "--bind", "127.0.0.1"]);
    redis.args(["--save", "", "--appendonly", "no", "--daemonize", "no"]);
    if Command::new("redis-server")
        .arg("--version")
        .output()
        .is_ok()
    {
        servers.push(Server::outside("redis-server", redis, port));
    } else {
        eprintln!("redis-server is not installed (apt-get install redis-server): left out");
    }
    let names: Vec<&str> = servers.iter().map(|s| s.name).collect();
    eprintln!(
        "{rounds} rounds, redis-benchmark -t set,get -P 16 -c 50 -n {requests}; servers: {names:?}"
    );
    for s in &servers {
        load(s, requests / 10); // warm-up
    }
    let mut samples = vec![Vec::new(); servers.len()];
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    for round in 0..rounds {
        for i in shuffled(servers.len(), &mut seed) {
            let sample = load(&servers[i], requests);
            eprintln!(
                "round {round} {:<12} {:>10.0} req/s {:>7.3} µs cpu/req",
                servers[i].name,
                sample.rps,
                sample.cpu_us_per_request()
            );
            samples[i].push(sample);
        }
    }
    report(&names, &samples);
}

/// One redis-benchmark run (SET then GET, `n` requests each) against `server`.
fn load(server: &Server, n: usize) -> Sample {
    let cpu0 = server.cpu();
    let out = Command::new("redis-benchmark")
        .args(["-h", "127.0.0.1", "-p", &server.addr.port().to_string()])
        .args(["-t", "set,get", "-P", "16", "-c", "50", "-q"])
        .args(["-n", &n.to_string()])
        .output()
        .expect("run redis-benchmark");
    let cpu = server.cpu() - cpu0;
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "\n");
    assert!(out.status.success(), "redis-benchmark failed: {text}");
    let rps: Vec<f64> = ["SET", "GET"]
        .iter()
        .map(|t| {
            text.lines()
                .find(|l| l.starts_with(&format!("{t}: ")) && l.contains("requests per second"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no {t} result from {}: {text}", server.name))
        })
        .collect();
    let requests = 2.0 * n as f64;
    // The mean of the two rates; the CPU covers both runs (and the benchmark's set-up, which is
    // the same for every server).
    Sample {
        requests,
        rps: (rps[0] + rps[1]) / 2.0,
        cpu,
    }
}

/// Server mode: `compare_kv serve weft|tokio`.
fn serve(name: &str) {
    match name {
        "weft" => {
            let rt = weft_benches::Weft::new(WORKERS);
            rt.block_on(async {
                let listener = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                announce(listener.local_addr().unwrap().port());
                server::run(listener).await
            })
            .unwrap();
        }
        "tokio" => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(WORKERS)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(tokio_server::run());
        }
        other => panic!("unknown server {other}"),
    }
}

/// examples/kv/server.rs on tokio: the same loop, tokio's socket and `select!`.
mod tokio_server {
    use std::collections::BTreeSet;
    use std::sync::Arc;
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    use weft::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

    use super::resp::{self, Reply};
    use super::store::{Effect, Message, Store};

    const READ_CHUNK: usize = 16 << 10;

    pub async fn run() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        super::announce(listener.local_addr().unwrap().port());
        let store = Arc::new(Store::default());
        let sweeper = store.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                sweeper.sweep();
            }
        });
        let mut next_id = 0u64;
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            next_id += 1;
            tokio::spawn(connection(stream, store.clone(), next_id));
        }
    }

    struct Subscriptions {
        tx: UnboundedSender<Message>,
        rx: UnboundedReceiver<Message>,
        channels: BTreeSet<Vec<u8>>,
    }

    enum Event {
        Read(std::io::Result<usize>),
        Message(Message),
    }

    async fn connection(mut stream: TcpStream, store: Arc<Store>, id: u64) {
        let mut input = vec![0u8; READ_CHUNK];
        let (mut start, mut filled) = (0, 0);
        let mut out = Vec::with_capacity(READ_CHUNK);
        let mut args = Vec::new();
        let mut subs: Option<Subscriptions> = None;
        loop {
            let mut close = false;
            loop {
                let pending = &input[start..filled];
                match resp::parse(pending, &mut args) {
                    Ok(Some(n)) => {
                        let command = &pending[..n];
                        close = run_command(&store, id, command, &args, &mut out, &mut subs);
                        start += n;
                        if close {
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        Reply(&mut out).error(&format!("ERR Protocol error: {}", e.0));
                        close = true;
                        break;
                    }
                }
            }
            if !out.is_empty() {
                if stream.write_all(&out).await.is_err() {
                    break;
                }
                out.clear();
            }
            if close {
                break;
            }
            input.copy_within(start..filled, 0);
            filled -= start;
            start = 0;
            if filled == input.len() {
                input.resize(input.len() * 2, 0);
            }
            let event = match &mut subs {
                None => Event::Read(stream.read(&mut input[filled..]).await),
                Some(s) => {
                    tokio::select! {
                        read = stream.read(&mut input[filled..]) => Event::Read(read),
                        Some(message) = s.rx.recv() => Event::Message(message),
                    }
                }
            };
            match event {
                Event::Read(Ok(0) | Err(_)) => break,
                Event::Read(Ok(n)) => filled += n,
                Event::Message((channel, message)) => {
                    let mut reply = Reply(&mut out);
                    reply.array(3);
                    reply.bulk(b"message");
                    reply.bulk(&channel);
                    reply.bulk(&message);
                }
            }
        }
        if let Some(s) = subs {
            for channel in &s.channels {
                store.unsubscribe(channel, id);
            }
        }
    }

    fn run_command(
        store: &Store,
        id: u64,
        buf: &[u8],
        args: &[std::ops::Range<usize>],
        out: &mut Vec<u8>,
        subs: &mut Option<Subscriptions>,
    ) -> bool {
        if subs.is_some() {
            let name = args.first().map(|r| buf[r.clone()].to_ascii_uppercase());
            if !matches!(
                name.as_deref(),
                Some(b"SUBSCRIBE" | b"UNSUBSCRIBE" | b"QUIT")
            ) {
                Reply(out).error("ERR only SUBSCRIBE / UNSUBSCRIBE / QUIT in this context");
                return false;
            }
        }
        match store.execute(buf, args, out) {
            Effect::None => false,
            Effect::Close => true,
            Effect::Subscribe(channels) => {
                let s = subs.get_or_insert_with(|| {
                    let (tx, rx) = unbounded_channel();
                    Subscriptions {
                        tx,
                        rx,
                        channels: BTreeSet::new(),
                    }
                });
                for channel in channels {
                    store.subscribe(&channel, id, &s.tx);
                    s.channels.insert(channel.clone());
                    let mut reply = Reply(out);
                    reply.array(3);
                    reply.bulk(b"subscribe");
                    reply.bulk(&channel);
                    reply.integer(s.channels.len() as i64);
                }
                false
            }
            Effect::Unsubscribe(channels) => {
                if let Some(s) = subs {
                    let leaving: Vec<Vec<u8>> = if channels.is_empty() {
                        s.channels.iter().cloned().collect()
                    } else {
                        channels
                    };
                    for channel in leaving {
                        store.unsubscribe(&channel, id);
                        s.channels.remove(&channel);
                    }
                    if s.channels.is_empty() {
                        *subs = None;
                    }
                }
                false
            }
        }
    }
}

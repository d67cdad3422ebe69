//! A tour of weft, layer by layer. Run it with `cargo run --release --example tour`.
//!
//! Each section prints what it shows and how long it took, so the concurrency is visible in the
//! timings: work that overlaps takes as long as its longest piece, not the sum.

use std::time::{Duration, Instant};

use weft::task::JoinHandle;

fn section(title: &str) {
    println!("\n== {title}");
}

/// Tasks: spawn many, gather their results in spawn order (asyncio.gather).
async fn tasks_and_gather() {
    section("tasks: spawn 10,000 and gather their results in order");
    let start = Instant::now();
    let handles: Vec<JoinHandle<u64>> = (0..10_000u64)
        .map(|i| weft::spawn(async move { i * i }))
        .collect();
    let squares: Vec<u64> = weft::future::join_all(handles)
        .await
        .into_iter()
        .map(|r| r.expect("squaring never panics"))
        .collect();
    assert!(squares
        .iter()
        .enumerate()
        .all(|(i, &sq)| sq == (i as u64) * (i as u64)));
    println!(
        "   {} results, first five {:?}, in {:.2?}",
        squares.len(),
        &squares[..5],
        start.elapsed()
    );
}

/// A panic in one task reaches whoever awaits it; the others carry on.
async fn panics_reach_the_joiner() {
    section("panics: a failing task reports to its joiner, the others carry on");
    println!("   \"flaky-download\" panics on purpose; the panic hook reports it in one line:");
    let ok = weft::spawn(async { "fine" });
    let failing = weft::task::Builder::new()
        .name("flaky-download")
        .spawn(async {
            weft::task::yield_now().await;
            panic!("connection reset while downloading");
        });
    println!("   ok task        -> {:?}", ok.await);
    match failing.await {
        Err(e) if e.is_panic() => println!("   failing task   -> JoinError: {e}"),
        other => unreachable!("the task panics, got {other:?}"),
    }

    let sleeper = weft::spawn(weft::time::sleep(Duration::from_secs(3600)));
    sleeper.abort();
    println!(
        "   aborted task   -> cancelled = {}",
        sleeper.await.unwrap_err().is_cancelled()
    );
}

/// Blocking work runs on the blocking pool, concurrently, without stalling the workers.
async fn blocking_pool() {
    section("spawn_blocking: two 3-second blocking jobs");
    let start = Instant::now();
    let job = |name: &'static str| {
        weft::spawn_blocking(move || {
            std::thread::sleep(Duration::from_secs(3)); // a synchronous library call
            name
        })
    };
    let (a, b) = weft::join!(job("resize image"), job("hash archive"));
    let elapsed = start.elapsed();
    println!(
        "   {} + {} took {:.2?} (~3 s, not 6: they ran side by side)",
        a.unwrap(),
        b.unwrap(),
        elapsed
    );
}

/// Timers: concurrent sleeps, a timeout that cancels a slow call, an interval.
async fn timers() {
    section("timers: two 3-second API calls, concurrently");
    async fn api_call(name: &str, latency: Duration) -> String {
        weft::time::sleep(latency).await;
        format!("{name}: 200 OK")
    }
    let start = Instant::now();
    let (a, b) = weft::join!(
        api_call("GET /users", Duration::from_secs(3)),
        api_call("GET /orders", Duration::from_secs(3)),
    );
    println!("   {a}; {b}; both in {:.2?} (~3 s, not 6)", start.elapsed());

    section("timeout: a slow call is cancelled after 500 ms");
    let start = Instant::now();
    match weft::time::timeout(
        Duration::from_millis(500),
        api_call("GET /slow", Duration::from_secs(10)),
    )
    .await
    {
        Ok(reply) => println!("   unexpected reply {reply}"),
        Err(elapsed) => println!("   {elapsed} after {:.2?}", start.elapsed()),
    }

    section("interval: five ticks, 100 ms apart");
    let start = Instant::now();
    let mut ticks = weft::time::interval(Duration::from_millis(100));
    for n in 0..5 {
        ticks.tick().await;
        println!("   tick {n} at {:>4} ms", start.elapsed().as_millis());
    }
}

/// Sockets: an echo server and 100 concurrent clients (asyncio's start_server / open_connection).
async fn tcp_echo() -> std::io::Result<()> {
    use weft::net::{TcpListener, TcpStream};

    section("tcp: an echo server and 100 concurrent clients");
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = weft::spawn(async move {
        // One task per connection, as asyncio's start_server runs one handler per client.
        while let Ok((conn, _peer)) = listener.accept().await {
            weft::spawn(async move {
                let mut buf = vec![0; 1024];
                loop {
                    match conn.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if conn.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                        }
                    }
                }
            });
        }
    });

    let start = Instant::now();
    let clients: Vec<_> = (0..100)
        .map(|i| {
            weft::spawn(async move {
                let stream = TcpStream::connect(addr).await?;
                let mut echoed = Vec::new();
                for round in 0..10 {
                    let msg = format!("client {i} round {round}\n");
                    stream.write_all(msg.as_bytes()).await?;
                    let mut buf = vec![0; msg.len()];
                    stream.read_exact(&mut buf).await?;
                    echoed.extend_from_slice(&buf);
                }
                std::io::Result::Ok(echoed.len())
            })
        })
        .collect();
    let mut bytes = 0;
    for client in weft::future::join_all(clients).await {
        bytes += client.expect("client task")?;
    }
    println!(
        "   100 clients x 10 round trips, {bytes} bytes echoed byte-exact, in {:.2?}",
        start.elapsed()
    );
    server.abort();
    Ok(())
}

/// Files: written and read on the blocking pool, a directory listed while files are read.
async fn files() -> std::io::Result<()> {
    use weft::stream::StreamExt;

    section("files: write, read back, list a directory");
    let dir = std::env::temp_dir().join(format!("weft-tour-{}", std::process::id()));
    weft::fs::create_dir_all(&dir).await?;
    let start = Instant::now();
    let writes: Vec<_> = (0..20)
        .map(|i| {
            let path = dir.join(format!("note-{i:02}.txt"));
            weft::spawn(async move { weft::fs::write(path, format!("note number {i}\n")).await })
        })
        .collect();
    for w in weft::future::join_all(writes).await {
        w.expect("write task")?;
    }
    let first = weft::fs::read_to_string(dir.join("note-07.txt")).await?;
    let mut entries = weft::fs::read_dir(&dir).await?;
    let mut names = Vec::new();
    while let Some(entry) = entries.next().await {
        names.push(entry?.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    println!(
        "   wrote {} files concurrently, read back {:?}, listed {}..{} in {:.2?}",
        names.len(),
        first.trim(),
        names.first().map(String::as_str).unwrap_or(""),
        names.last().map(String::as_str).unwrap_or(""),
        start.elapsed()
    );
    weft::fs::remove_dir_all(&dir).await?;
    Ok(())
}

/// `crates/weft/../../examples/tour.rs` (how cargo names an example declared by the facade's
/// manifest) as `examples/tour.rs`.
fn tidy_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            ".." if parts.last().is_some_and(|last| *last != "..") => {
                parts.pop();
            }
            "." => {}
            _ => parts.push(part),
        }
    }
    parts.join("/")
}

fn main() {
    // A one-line report for panics, naming the thread and file:line (the default hook prints a
    // paragraph); the JoinError carries the same message to the joiner.
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(non-string panic)");
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", tidy_path(l.file()), l.line()));
        let thread = std::thread::current();
        eprintln!(
            "   [panic on {}{}] {message}",
            thread.name().unwrap_or("?"),
            place.unwrap_or_default()
        );
    }));
    let start = Instant::now();
    weft::run(async {
        tasks_and_gather().await;
        panics_reach_the_joiner().await;
        blocking_pool().await;
        timers().await;
        tcp_echo().await.expect("the TCP section runs on loopback");
        files()
            .await
            .expect("the files section runs in the temp dir");
    });
    println!("\ntour finished in {:.2?}", start.elapsed());
}

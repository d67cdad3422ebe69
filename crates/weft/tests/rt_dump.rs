//! `Handle::dump()`: 50 tasks waiting on different weft resources; the dump names each resource
//! and the line that awaits it, on both flavours, and prints a table.
#![allow(missing_docs)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use std::future::poll_fn;
use std::pin::Pin;

use weft::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use weft::runtime::{Builder, Runtime};
use weft::task::Resource;

const HOUR: Duration = Duration::from_secs(3600);

/// Per task name: the resource and the line that awaits it (`None`: a line inside futures-io,
/// whose forwarding impls poll weft's `AsyncRead`/`AsyncWrite` impls for futures-util's extension
/// futures).
type Lines = Arc<Mutex<HashMap<String, (Resource, Option<u32>)>>>;

fn note(lines: &Lines, name: &str, resource: Resource, line: u32) {
    lines
        .lock()
        .unwrap()
        .insert(name.to_owned(), (resource, Some(line)));
}

/// A task that waits inside an extension future of futures-util: the resource is known, the
/// line is futures-io's.
fn note_ext(lines: &Lines, name: &str, resource: Resource) {
    lines
        .lock()
        .unwrap()
        .insert(name.to_owned(), (resource, None));
}

async fn tcp_pair() -> (weft::net::TcpStream, weft::net::TcpStream) {
    let listener = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = weft::net::TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

/// A stream whose send buffer is full (its peer never reads), so writes wait.
async fn full_tcp_pair() -> (weft::net::TcpStream, weft::net::TcpStream) {
    let (client, server) = tcp_pair().await;
    let chunk = [0u8; 64 * 1024];
    loop {
        match client.try_write(&chunk) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("{e}"),
        }
    }
    (client, server)
}

/// How many kinds of waits `fifty_waiting_tasks` spreads its tasks over.
const KINDS: usize = 31;

fn fifty_waiting_tasks(rt: Runtime) {
    let lines: Lines = Arc::default();
    let held = Arc::new(weft::sync::Mutex::new(()));
    let (guard_tx, guard_rx) = std::sync::mpsc::channel::<Box<dyn std::any::Any + Send>>();
    let mut keep = Vec::new();
    // Things a waiting task needs alive on the other side (senders, held guards, ...).
    let mut other_ends: Vec<Box<dyn std::any::Any + Send>> = Vec::new();
    rt.block_on(async {
        // The mutex stays locked by this test for the whole dump.
        let guard = held.clone().lock_owned().await;
        guard_tx.send(Box::new(guard)).unwrap();
        // An RwLock held for writing (readers wait) and one held for reading (writers wait).
        let written = Arc::new(weft::sync::RwLock::new(()));
        guard_tx
            .send(Box::new(written.clone().write_owned().await))
            .unwrap();
        let read = Arc::new(weft::sync::RwLock::new(()));
        guard_tx
            .send(Box::new(read.clone().read_owned().await))
            .unwrap();
        let mut seen_kinds = std::collections::HashSet::new();
        for i in 0..50 {
            let name = format!("task-{i}");
            let l = lines.clone();
            let n = name.clone();
            let b = weft::task::Builder::new().name(name.clone());
            seen_kinds.insert(i % KINDS);
            match i % KINDS {
                0 => keep.push(b.spawn(async move {
                    note(&l, &n, Resource::Sleep, line!() + 1);
                    weft::time::sleep(HOUR).await;
                })),
                1 => {
                    let (tx, mut rx) = weft::sync::mpsc::channel::<u8>(1);
                    keep.push(b.spawn(async move {
                        note(&l, &n, Resource::Recv, line!() + 1);
                        rx.recv().await;
                        drop(tx);
                    }));
                }
                2 => {
                    let (tx, rx) = weft::sync::mpsc::channel::<u8>(1);
                    tx.try_send(0).unwrap();
                    keep.push(b.spawn(async move {
                        note(&l, &n, Resource::Send, line!() + 1);
                        let _ = tx.send(1).await;
                        drop(rx);
                    }));
                }
                3 => {
                    let m = held.clone();
                    keep.push(b.spawn(async move {
                        note(&l, &n, Resource::Lock, line!() + 1);
                        let _g = m.lock().await;
                    }));
                }
                4 => {
                    let listener = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                    keep.push(b.spawn(async move {
                        note(&l, &n, Resource::Accept, line!() + 1);
                        let _ = listener.accept().await;
                    }));
                }
                5 => {
                    // The awaiting line, not the awaited task's spawn site.
                    let other = weft::spawn(std::future::pending::<()>());
                    keep.push(b.spawn(async move {
                        note(&l, &n, Resource::Join, line!() + 1);
                        let _ = other.await;
                    }));
                }
                6 => {
                    let (tx, rx) = weft::sync::oneshot::channel::<u8>();
                    other_ends.push(Box::new(tx));
                    keep.push(b.spawn(async move {
                        note(&l, &n, Resource::OneshotRecv, line!() + 1);
                        let _ = rx.await;
                    }));
                }
                7 => {
                    let (tx, mut rx) = weft::sync::broadcast::channel::<u8>(4);
                    other_ends.push(Box::new(tx));
                    keep.push(b.spawn(async move {
                        note(&l, &n, Resource::BroadcastRecv, line!() + 1);
                        let _ = rx.recv().await;
                    }));
                }
                8 => {
                    let (tx, mut rx) = weft::sync::watch::channel(0u8);
                    other_ends.push(Box::new(tx));
                    keep.push(b.spawn(async move {
                        note(&l, &n, Resource::WatchChanged, line!() + 1);
                        let _ = rx.changed().await;
                    }));
                }
                9 => {
                    let lock = written.clone();
                    keep.push(b.spawn(async move {
                        note(&l, &n, Resource::ReadLock, line!() + 1);
                        let _g = lock.read().await;
                    }));
                }
                10 => {
                    let lock = read.clone();
                    keep.push(b.spawn(async move {
                        note(&l, &n, Resource::WriteLock, line!() + 1);
                        let _g = lock.write().await;
                    }));
                }
                11 => {
                    let sem = Arc::new(weft::sync::Semaphore::new(0));
                    keep.push(b.spawn(async move {
                        note(&l, &n, Resource::Acquire, line!() + 1);
                        let _p = sem.acquire().await;
                    }));
                }
                12 => {
                    let notify = Arc::new(weft::sync::Notify::new());
                    keep.push(b.spawn(async move {
                        note(&l, &n, Resource::Notified, line!() + 1);
                        notify.notified().await;
                    }));
                }
                13 => {
                    let barrier = Arc::new(weft::sync::Barrier::new(2));
                    keep.push(b.spawn(async move {
                        note(&l, &n, Resource::Barrier, line!() + 1);
                        barrier.wait().await;
                    }));
                }
                14 => keep.push(b.spawn(async move {
                    // A future weft knows nothing of: the dump shows the deadline.
                    note(&l, &n, Resource::Sleep, line!() + 1);
                    let _ = weft::time::timeout(HOUR, std::future::pending::<()>()).await;
                })),
                15 => keep.push(b.spawn(async move {
                    let mut every_hour = weft::time::interval(HOUR);
                    every_hour.tick().await; // the first tick is at once
                    note(&l, &n, Resource::Sleep, line!() + 1);
                    every_hour.tick().await;
                })),
                16 => {
                    let (mut stream, peer) = tcp_pair().await;
                    other_ends.push(Box::new(peer));
                    keep.push(b.spawn(async move {
                        let mut buf = [0u8; 8];
                        note(&l, &n, Resource::Read, line!() + 1);
                        let _ = poll_fn(|cx| Pin::new(&mut stream).poll_read(cx, &mut buf)).await;
                    }));
                }
                17 => {
                    let (mut stream, peer) = tcp_pair().await;
                    other_ends.push(Box::new(peer));
                    keep.push(b.spawn(async move {
                        let mut buf = [0u8; 8];
                        note_ext(&l, &n, Resource::Read);
                        let _ = AsyncReadExt::read(&mut stream, &mut buf).await;
                    }));
                }
                18 => {
                    let (mut stream, peer) = full_tcp_pair().await;
                    other_ends.push(Box::new(peer));
                    keep.push(b.spawn(async move {
                        note(&l, &n, Resource::Write, line!() + 1);
                        let _ = poll_fn(|cx| Pin::new(&mut stream).poll_write(cx, b"more")).await;
                    }));
                }
                19 => {
                    let (stream, peer) = full_tcp_pair().await;
                    other_ends.push(Box::new(peer));
                    keep.push(b.spawn(async move {
                        note(&l, &n, Resource::Writable, line!() + 1);
                        let _ = stream.writable().await;
                    }));
                }
                20 => {
                    let (stream, peer) = tcp_pair().await;
                    other_ends.push(Box::new(peer));
                    keep.push(b.spawn(async move {
                        note(&l, &n, Resource::Readable, line!() + 1);
                        let _ = stream.readable().await;
                    }));
                }
                21 => {
                    let socket = weft::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
                    keep.push(b.spawn(async move {
                        let mut buf = [0u8; 8];
                        note(&l, &n, Resource::Read, line!() + 1);
                        let _ = socket.recv_from(&mut buf).await;
                    }));
                }
                22 => {
                    let (stream, peer) = weft::net::UnixStream::pair().unwrap();
                    other_ends.push(Box::new(peer));
                    keep.push(b.spawn(async move {
                        let mut buf = [0u8; 8];
                        note(&l, &n, Resource::Read, line!() + 1);
                        let _ = stream.peek(&mut buf).await;
                    }));
                }
                23 => {
                    let (fd, peer) = std::os::unix::net::UnixStream::pair().unwrap();
                    other_ends.push(Box::new(peer));
                    let fd = weft::io::Async::new(fd).unwrap();
                    keep.push(b.spawn(async move {
                        note(&l, &n, Resource::Readable, line!() + 1);
                        let _ = fd.readable().await;
                    }));
                }
                24 => {
                    let mut child = weft::process::Command::new("sleep")
                        .arg("3600")
                        .stdout(std::process::Stdio::piped())
                        .kill_on_drop(true)
                        .spawn()
                        .unwrap();
                    let mut out = child.stdout.take().unwrap();
                    other_ends.push(Box::new(child));
                    keep.push(b.spawn(async move {
                        let mut buf = [0u8; 8];
                        note(&l, &n, Resource::Read, line!() + 1);
                        let _ = poll_fn(|cx| Pin::new(&mut out).poll_read(cx, &mut buf)).await;
                    }));
                }
                25 => {
                    let mut child = weft::process::Command::new("sleep")
                        .arg("3600")
                        .kill_on_drop(true)
                        .spawn()
                        .unwrap();
                    keep.push(b.spawn(async move {
                        note(&l, &n, Resource::ChildWait, line!() + 1);
                        let _ = child.wait().await;
                    }));
                }
                26 => {
                    let mut set = weft::task::JoinSet::new();
                    set.spawn(std::future::pending::<()>());
                    keep.push(b.spawn(async move {
                        note(&l, &n, Resource::Join, line!() + 1);
                        let _ = set.join_next().await;
                    }));
                }
                27 => {
                    let kind = weft::signal::unix::SignalKind::user_defined2();
                    let mut signal = weft::signal::unix::signal(kind).unwrap();
                    keep.push(b.spawn(async move {
                        note(&l, &n, Resource::Signal, line!() + 1);
                        let _ = signal.recv().await;
                    }));
                }
                28 => {
                    // A listener that never accepts, its backlog full: connecting waits.
                    let socket = weft::net::TcpSocket::new_v4().unwrap();
                    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
                    let listener = socket.listen(0).unwrap();
                    let addr = listener.local_addr().unwrap();
                    let mut queued = Vec::new();
                    loop {
                        let attempt = weft::net::TcpStream::connect(addr);
                        match weft::time::timeout(Duration::from_millis(50), attempt).await {
                            Ok(stream) => queued.push(stream),
                            Err(_) => break,
                        }
                        assert!(queued.len() < 1000, "the backlog never filled");
                    }
                    other_ends.push(Box::new((listener, queued)));
                    keep.push(b.spawn(async move {
                        note(&l, &n, Resource::Connect, line!() + 1);
                        let _ = weft::net::TcpStream::connect(addr).await;
                    }));
                }
                29 => {
                    // The stream's own `read` (found before `AsyncReadExt::read`, which is in
                    // scope): the awaiting line is known.
                    let (stream, peer) = tcp_pair().await;
                    other_ends.push(Box::new(peer));
                    keep.push(b.spawn(async move {
                        let mut buf = [0u8; 8];
                        note(&l, &n, Resource::Read, line!() + 1);
                        let _ = stream.read(&mut buf).await;
                    }));
                }
                30 => {
                    let (stream, peer) = full_tcp_pair().await;
                    other_ends.push(Box::new(peer));
                    keep.push(b.spawn(async move {
                        note(&l, &n, Resource::Write, line!() + 1);
                        let _ = stream.write_all(&[7u8; 256 * 1024]).await;
                    }));
                }
                _ => unreachable!(),
            }
        }
        assert_eq!(seen_kinds.len(), KINDS);
    });
    let _guards: Vec<_> = guard_rx.try_iter().collect();
    // Wait until every named task has been polled once and is idle (inside block_on, so that a
    // current-thread runtime runs its tasks meanwhile).
    let deadline = Instant::now() + Duration::from_secs(20);
    let dump = rt.block_on(async {
        loop {
            let dump = weft::runtime::Handle::current().dump();
            let ready = dump
                .tasks()
                .iter()
                .filter(|t| t.name.is_some() && t.waiting_on.is_some())
                .count();
            if ready == 50 {
                break dump;
            }
            assert!(
                Instant::now() < deadline,
                "only {ready} tasks waiting:\n{dump}"
            );
            weft::time::sleep(Duration::from_millis(5)).await;
        }
    });
    let lines = lines.lock().unwrap();
    let mut seen = 0;
    for t in dump.tasks() {
        let Some(name) = &t.name else {
            // The tasks awaited through their JoinHandle: pending, never waiting on weft.
            assert_eq!(t.waiting_on, None, "{t}");
            continue;
        };
        let (resource, line) = lines[name];
        let w = t.waiting_on.unwrap();
        assert_eq!(w.resource, Some(resource), "{t}");
        match line {
            Some(line) => {
                assert_eq!(w.at.file(), file!(), "{t}");
                assert_eq!(w.at.line(), line, "{t}");
            }
            // futures-io's forwarding impl for `&mut T`, which futures-util's `Read` polls.
            None => assert!(w.at.file().contains("futures-io"), "{t}"),
        }
        assert_eq!(t.state, weft::task::TaskState::Idle, "{t}");
        // A JoinSet's FuturesUnordered may yield back once (it wakes itself) before it waits.
        if !(resource == Resource::Join && t.polls == 2) {
            assert_eq!(t.polls, 1, "{t}");
        }
        assert!(t.age < Duration::from_secs(60), "{t}");
        seen += 1;
    }
    assert_eq!(seen, 50);
    let table = dump.to_string();
    let mut rows = table.lines();
    let header = rows.next().unwrap();
    assert!(header.starts_with("ID  "), "{table}");
    let waiting_col = header.find("WAITING ON").unwrap();
    for row in rows {
        // Aligned: every row's last column starts under its header.
        if row.contains(" at ") && (row.contains("task-")) {
            let col = &row[waiting_col..];
            assert!(
                lines
                    .values()
                    .any(|(r, _)| col.starts_with(&format!("{} at ", r.as_str()))),
                "{row}\n{table}"
            );
        }
    }
    println!("{table}");
    drop(other_ends);
}

#[test]
fn fifty_waiting_tasks_current_thread() {
    fifty_waiting_tasks(Builder::new_current_thread().build().unwrap());
}

#[test]
fn fifty_waiting_tasks_multi_thread() {
    fifty_waiting_tasks(
        Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap(),
    );
}

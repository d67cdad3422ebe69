//! `Handle::dump()`: 50 tasks waiting on different weft resources; the dump names each resource
//! and the line that awaits it, on both flavours, and prints a table.
#![allow(missing_docs)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use weft::runtime::{Builder, Runtime};
use weft::task::Resource;

const HOUR: Duration = Duration::from_secs(3600);

type Lines = Arc<Mutex<HashMap<String, (Resource, u32)>>>;

fn note(lines: &Lines, name: &str, resource: Resource, line: u32) {
    lines
        .lock()
        .unwrap()
        .insert(name.to_owned(), (resource, line));
}

fn fifty_waiting_tasks(rt: Runtime) {
    let lines: Lines = Arc::default();
    let held = Arc::new(weft::sync::Mutex::new(()));
    let (guard_tx, guard_rx) = std::sync::mpsc::channel();
    let mut keep = Vec::new();
    rt.block_on(async {
        // The mutex stays locked by this test for the whole dump.
        let guard = held.clone().lock_owned().await;
        guard_tx.send(guard).unwrap();
        for i in 0..50 {
            let name = format!("task-{i}");
            let l = lines.clone();
            let n = name.clone();
            let b = weft::task::Builder::new().name(name.clone());
            match i % 6 {
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
                _ => {
                    let other = weft::spawn(std::future::pending::<()>());
                    let spawned = line!() - 1;
                    keep.push(b.spawn(async move {
                        note(&l, &n, Resource::Join, spawned);
                        let _ = other.await;
                    }));
                }
            }
        }
    });
    let _guard = guard_rx.recv().unwrap();
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
        assert_eq!(w.at.file(), file!(), "{t}");
        assert_eq!(w.at.line(), line, "{t}");
        assert_eq!(t.state, weft::task::TaskState::Idle, "{t}");
        assert_eq!(t.polls, 1, "{t}");
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
            let col = row[waiting_col..].split_whitespace().next().unwrap();
            assert!(
                ["sleep", "recv", "send", "lock", "accept", "join"].contains(&col),
                "{row}\n{table}"
            );
        }
    }
    println!("{table}");
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

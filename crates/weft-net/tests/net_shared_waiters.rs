//! Several tasks waiting at once on one socket (shared through `Arc`): every waiter is woken,
//! none is stranded. A source keeps one waker per waiting task and direction, so these must all
//! pass; a slot holding one waker (where each poller overwrites the last) would strand all but
//! the last poller. Both flavours.
//!
//! The "one at a time" tests hand out one connection or datagram per round and wait for it to be
//! taken before the next: each round's readiness event wakes every waiter, one wins and the others
//! must register again behind a failed syscall without missing the next event.

mod support;

use std::future::poll_fn;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::{flavors, join, TempDir};
use weft_net::{TcpListener, TcpStream, UdpSocket, UnixDatagram, UnixListener, UnixStream};

/// Waiting tasks per test.
const WAITERS: usize = 8;

/// How long a step may take before the test calls it a lost wake-up.
const STEP: Duration = Duration::from_secs(10);

/// Waits until `count` reaches `n`, then lets the tasks that counted reach their wait.
async fn all_waiting(count: &AtomicUsize, n: usize) {
    weft_io::time::timeout(STEP, async {
        while count.load(Ordering::SeqCst) < n {
            weft_core::future::yield_now().await;
        }
    })
    .await
    .expect("every waiting task started");
    // The counter moves just before each task's first poll of its wait; a short sleep lets every
    // one of them register.
    weft_io::time::sleep(Duration::from_millis(20)).await;
}

/// Waits until `count` reaches `n`; a lost wake-up leaves it short and fails here.
async fn reaches(count: &AtomicUsize, n: usize, what: &str) {
    if weft_io::time::timeout(STEP, async {
        while count.load(Ordering::SeqCst) < n {
            weft_io::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await
    .is_err()
    {
        panic!(
            "{what}: {} of {n} after {STEP:?} (a lost wake-up)",
            count.load(Ordering::SeqCst)
        );
    }
}

flavors! {
    async fn tcp_accept_from_eight_tasks_one_connection_at_a_time() {
        let listener = Arc::new(TcpListener::bind("127.0.0.1:0").await.unwrap());
        let addr = listener.local_addr().unwrap();
        let (started, taken) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let tasks: Vec<_> = (0..WAITERS)
            .map(|_| {
                let (listener, started, taken) = (listener.clone(), started.clone(), taken.clone());
                weft_runtime::spawn(async move {
                    started.fetch_add(1, Ordering::SeqCst);
                    let (s, _) = listener.accept().await.unwrap();
                    taken.fetch_add(1, Ordering::SeqCst);
                    s.write_all(b"x").await.unwrap();
                })
            })
            .collect();
        all_waiting(&started, WAITERS).await;
        let mut clients = Vec::new();
        for round in 1..=WAITERS {
            clients.push(TcpStream::connect(addr).await.unwrap());
            reaches(&taken, round, "connections accepted").await;
        }
        for t in tasks {
            join(t).await;
        }
        for c in clients {
            let mut b = [0u8; 1];
            c.read_exact(&mut b).await.unwrap();
        }
    }

    async fn tcp_poll_accept_from_eight_tasks() {
        // The poll form keeps one entry per task (no key to remove it by): still every task wakes.
        let listener = Arc::new(TcpListener::bind("127.0.0.1:0").await.unwrap());
        let addr = listener.local_addr().unwrap();
        let (started, taken) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let tasks: Vec<_> = (0..WAITERS)
            .map(|_| {
                let (listener, started, taken) = (listener.clone(), started.clone(), taken.clone());
                weft_runtime::spawn(async move {
                    started.fetch_add(1, Ordering::SeqCst);
                    let (s, _) = poll_fn(|cx| listener.poll_accept(cx)).await.unwrap();
                    taken.fetch_add(1, Ordering::SeqCst);
                    s
                })
            })
            .collect();
        all_waiting(&started, WAITERS).await;
        let mut clients = Vec::new();
        for round in 1..=WAITERS {
            clients.push(TcpStream::connect(addr).await.unwrap());
            reaches(&taken, round, "connections accepted by poll_accept").await;
        }
        for t in tasks {
            join(t).await;
        }
    }

    async fn unix_accept_from_eight_tasks_one_connection_at_a_time() {
        let dir = TempDir::new();
        let path = dir.path("shared.sock");
        let listener = Arc::new(UnixListener::bind(&path).unwrap());
        let (started, taken) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let tasks: Vec<_> = (0..WAITERS)
            .map(|_| {
                let (listener, started, taken) = (listener.clone(), started.clone(), taken.clone());
                weft_runtime::spawn(async move {
                    started.fetch_add(1, Ordering::SeqCst);
                    let (s, _) = listener.accept().await.unwrap();
                    taken.fetch_add(1, Ordering::SeqCst);
                    s
                })
            })
            .collect();
        all_waiting(&started, WAITERS).await;
        let mut clients = Vec::new();
        for round in 1..=WAITERS {
            clients.push(UnixStream::connect(&path).await.unwrap());
            reaches(&taken, round, "unix connections accepted").await;
        }
        for t in tasks {
            join(t).await;
        }
    }

    async fn tcp_stream_readable_and_peek_wake_every_task() {
        // `&TcpStream` shared by eight tasks waiting `readable` and eight waiting in `peek`:
        // one byte from the peer wakes all sixteen (readiness is not consumed by a waiter).
        let (client, server) = support::tcp_pair().await;
        let server = Arc::new(server);
        let (started, done) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let mut tasks = Vec::new();
        for i in 0..2 * WAITERS {
            let (server, started, done) = (server.clone(), started.clone(), done.clone());
            tasks.push(weft_runtime::spawn(async move {
                started.fetch_add(1, Ordering::SeqCst);
                if i % 2 == 0 {
                    server.readable().await.unwrap();
                } else {
                    let mut b = [0u8; 1];
                    assert_eq!(server.peek(&mut b).await.unwrap(), 1);
                    assert_eq!(&b, b"p");
                }
                done.fetch_add(1, Ordering::SeqCst);
            }));
        }
        all_waiting(&started, 2 * WAITERS).await;
        assert_eq!(done.load(Ordering::SeqCst), 0, "nothing was readable yet");
        client.write_all(b"p").await.unwrap();
        reaches(&done, 2 * WAITERS, "readable/peek waiters woken").await;
        for t in tasks {
            join(t).await;
        }
    }

    async fn tcp_stream_writable_wakes_every_task() {
        // Fill the send path until `WouldBlock`, park eight tasks in `writable`, drain the peer.
        let (client, server) = support::tcp_pair().await;
        let server = Arc::new(server);
        let chunk = vec![7u8; 64 * 1024];
        let mut sent = 0usize;
        loop {
            match server.try_write(&chunk) {
                Ok(n) => sent += n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("try_write: {e}"),
            }
        }
        let (started, done) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let tasks: Vec<_> = (0..WAITERS)
            .map(|_| {
                let (server, started, done) = (server.clone(), started.clone(), done.clone());
                weft_runtime::spawn(async move {
                    started.fetch_add(1, Ordering::SeqCst);
                    server.writable().await.unwrap();
                    done.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        all_waiting(&started, WAITERS).await;
        // (No check that none is done yet: loopback TCP may grow its buffers after the
        // `WouldBlock` and report the room on its own; that edge must wake all eight as well.)
        let client = client;
        let mut buf = vec![0u8; sent];
        client.read_exact(&mut buf).await.unwrap();
        reaches(&done, WAITERS, "writable waiters woken").await;
        for t in tasks {
            join(t).await;
        }
    }

    async fn udp_recv_from_eight_tasks_one_datagram_at_a_time() {
        let socket = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        let addr = socket.local_addr().unwrap();
        let sender = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let (started, got) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let tasks: Vec<_> = (0..WAITERS)
            .map(|_| {
                let (socket, started, got) = (socket.clone(), started.clone(), got.clone());
                weft_runtime::spawn(async move {
                    started.fetch_add(1, Ordering::SeqCst);
                    let mut b = [0u8; 4];
                    let (n, _) = socket.recv_from(&mut b).await.unwrap();
                    assert_eq!(n, 1);
                    got.fetch_add(1, Ordering::SeqCst);
                    b[0]
                })
            })
            .collect();
        all_waiting(&started, WAITERS).await;
        for round in 1..=WAITERS {
            sender.send_to(&[round as u8], addr).await.unwrap();
            reaches(&got, round, "datagrams received").await;
        }
        let mut seen = Vec::new();
        for t in tasks {
            seen.push(join(t).await);
        }
        seen.sort_unstable();
        assert_eq!(seen, (1..=WAITERS as u8).collect::<Vec<_>>());
    }

    async fn udp_recv_from_eight_tasks_burst() {
        // All datagrams at once: one edge for eight queued datagrams, eight waiters.
        let socket = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        let addr = socket.local_addr().unwrap();
        let sender = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let started = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..WAITERS)
            .map(|_| {
                let (socket, started) = (socket.clone(), started.clone());
                weft_runtime::spawn(async move {
                    started.fetch_add(1, Ordering::SeqCst);
                    let mut b = [0u8; 4];
                    assert_eq!(socket.recv(&mut b).await.unwrap(), 1);
                    b[0]
                })
            })
            .collect();
        all_waiting(&started, WAITERS).await;
        for i in 0..WAITERS {
            sender.send_to(&[i as u8], addr).await.unwrap();
        }
        let mut seen = Vec::new();
        for t in tasks {
            seen.push(
                weft_io::time::timeout(STEP, join(t))
                    .await
                    .expect("every receiver got a datagram (a lost wake-up otherwise)"),
            );
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..WAITERS as u8).collect::<Vec<_>>());
    }

    async fn unix_datagram_recv_from_eight_tasks_one_at_a_time() {
        let (a, b) = UnixDatagram::pair().unwrap();
        let b = Arc::new(b);
        let (started, got) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let tasks: Vec<_> = (0..WAITERS)
            .map(|_| {
                let (b, started, got) = (b.clone(), started.clone(), got.clone());
                weft_runtime::spawn(async move {
                    started.fetch_add(1, Ordering::SeqCst);
                    let mut buf = [0u8; 4];
                    assert_eq!(b.recv(&mut buf).await.unwrap(), 1);
                    got.fetch_add(1, Ordering::SeqCst);
                    buf[0]
                })
            })
            .collect();
        all_waiting(&started, WAITERS).await;
        for round in 1..=WAITERS {
            a.send(&[round as u8]).await.unwrap();
            reaches(&got, round, "unix datagrams received").await;
        }
        let mut seen = Vec::new();
        for t in tasks {
            seen.push(join(t).await);
        }
        seen.sort_unstable();
        assert_eq!(seen, (1..=WAITERS as u8).collect::<Vec<_>>());
    }
}

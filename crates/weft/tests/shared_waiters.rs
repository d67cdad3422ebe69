//! Several tasks waiting at once on one shared resource, and every one of them woken: the
//! channels' receivers and `closed` futures, locks, `Notify`, cancellation tokens, timers due at
//! the same instant, the blocking pool's queue, file clones, child processes, and several threads
//! in `block_on` of one current-thread runtime. Both runtime flavours.
//!
//! A slot that keeps one waker (a timer entry, an `AtomicWaker`) polled by several tasks would
//! keep only the last poller's waker and strand the others; every test here parks all its waiters
//! first, then triggers once, and fails on a timeout if any waiter is left behind. (Sockets shared
//! through `Arc`/`&` are covered in weft-net's `net_shared_waiters.rs`, signal listeners in
//! weft-signal's `signal_recv.rs`.)

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use weft::sync::{broadcast, mpsc, watch, Barrier, CancellationToken, Mutex, Notify, Semaphore};

/// Waiting tasks per test.
const WAITERS: usize = 8;

/// How long the waiters may take to finish once woken before the test calls it a lost wake-up.
const STEP: Duration = Duration::from_secs(10);

/// Both flavours, with a blocking pool of one thread (so blocking jobs queue behind each other).
macro_rules! on_both_flavours {
    ($($(#[$meta:meta])* async fn $name:ident() $body:block)*) => {
        mod current_thread {
            use super::*;
            fn rt() -> weft::runtime::Runtime {
                weft::runtime::Builder::new_current_thread().max_blocking_threads(1).build().unwrap()
            }
            $( $(#[$meta])* #[test] fn $name() { rt().block_on(async $body) } )*
        }
        mod multi_thread {
            use super::*;
            fn rt() -> weft::runtime::Runtime {
                weft::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .max_blocking_threads(1)
                    .build()
                    .unwrap()
            }
            $( $(#[$meta])* #[test] fn $name() { rt().block_on(async $body) } )*
        }
    };
}

/// Spawns `WAITERS` tasks running `wait(i)`; returns once each has started and had time to
/// register, with their handles and a counter of the ones that finished. None may have finished
/// yet: the test has not triggered anything.
async fn park_waiters<F, Fut>(wait: F) -> (Vec<weft::task::JoinHandle<()>>, Arc<AtomicUsize>)
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (handles, done) = start_waiters(wait).await;
    assert_eq!(
        done.load(Ordering::SeqCst),
        0,
        "a waiter finished before it was woken"
    );
    (handles, done)
}

/// Like [`park_waiters`], for waits that end by themselves (timers, child processes, file
/// operations): some may already be done.
async fn start_waiters<F, Fut>(wait: F) -> (Vec<weft::task::JoinHandle<()>>, Arc<AtomicUsize>)
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let started = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let handles = (0..WAITERS)
        .map(|i| {
            let fut = wait(i);
            let (started, done) = (started.clone(), done.clone());
            weft::spawn(async move {
                started.fetch_add(1, Ordering::SeqCst);
                fut.await;
                done.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    while started.load(Ordering::SeqCst) < WAITERS {
        weft::task::yield_now().await;
    }
    // The counter moves just before each task's first poll of its wait: let every one register.
    weft::time::sleep(Duration::from_millis(20)).await;
    (handles, done)
}

/// Waits for every waiter to finish; a lost wake-up fails here.
async fn all_finish(handles: Vec<weft::task::JoinHandle<()>>, done: &AtomicUsize, what: &str) {
    let joined = weft::time::timeout(STEP, async {
        for h in handles {
            h.await.expect("a waiting task failed");
        }
    })
    .await;
    if joined.is_err() {
        panic!(
            "{what}: {} of {WAITERS} waiters woke within {STEP:?} (a lost wake-up)",
            done.load(Ordering::SeqCst)
        );
    }
}

on_both_flavours! {
    async fn broadcast_receivers_all_wake_on_one_send() {
        let (tx, rx) = broadcast::channel::<u32>(4);
        let (h, done) = park_waiters(|_| {
            let mut rx = rx.resubscribe();
            async move { assert_eq!(rx.recv().await, Ok(7)) }
        })
        .await;
        tx.send(7).unwrap();
        all_finish(h, &done, "broadcast receivers").await;
    }

    async fn watch_receivers_all_wake_on_one_send() {
        let (tx, rx) = watch::channel(0u32);
        let (h, done) = park_waiters(|_| {
            let mut rx = rx.clone();
            async move {
                rx.changed().await.unwrap();
                assert_eq!(*rx.borrow(), 1);
            }
        })
        .await;
        tx.send(1).unwrap();
        all_finish(h, &done, "watch receivers").await;
    }

    async fn senders_closed_wakes_every_task_sharing_the_sender() {
        // `Sender::closed(&self)`: one sender shared by several tasks, all waiting.
        let (btx, brx) = mpsc::channel::<u8>(1);
        let (utx, urx) = mpsc::unbounded_channel::<u8>();
        let (wtx, wrx) = watch::channel(0u8);
        let (xtx, xrx) = broadcast::channel::<u8>(1);
        let (btx, utx, wtx, xtx) = (Arc::new(btx), Arc::new(utx), Arc::new(wtx), Arc::new(xtx));
        let (h, done) = park_waiters(|i| {
            let (btx, utx, wtx, xtx) = (btx.clone(), utx.clone(), wtx.clone(), xtx.clone());
            async move {
                match i % 4 {
                    0 => btx.closed().await,
                    1 => utx.closed().await,
                    2 => wtx.closed().await,
                    _ => xtx.closed().await,
                }
            }
        })
        .await;
        drop((brx, urx, wrx, xrx));
        all_finish(h, &done, "Sender::closed waiters").await;
    }

    async fn bounded_senders_waiting_for_room_all_get_in() {
        let (tx, mut rx) = mpsc::channel::<usize>(1);
        tx.send(usize::MAX).await.unwrap();
        let (h, done) = park_waiters(|i| {
            let tx = tx.clone();
            async move { tx.send(i).await.unwrap() }
        })
        .await;
        let mut got = Vec::new();
        for _ in 0..=WAITERS {
            got.push(rx.recv().await.unwrap());
        }
        all_finish(h, &done, "senders waiting for room").await;
        got.sort_unstable();
        assert_eq!(got.pop(), Some(usize::MAX));
        assert_eq!(got, (0..WAITERS).collect::<Vec<_>>());
    }

    async fn notify_waiters_and_semaphore_wake_everyone() {
        let notify = Arc::new(Notify::new());
        let sem = Arc::new(Semaphore::new(0));
        let (h, done) = park_waiters(|i| {
            let (notify, sem) = (notify.clone(), sem.clone());
            async move {
                if i % 2 == 0 {
                    notify.notified().await;
                } else {
                    sem.acquire().await.unwrap().forget();
                }
            }
        })
        .await;
        notify.notify_waiters();
        sem.add_permits(WAITERS / 2);
        all_finish(h, &done, "Notify and Semaphore waiters").await;
    }

    async fn mutex_waiters_all_get_the_lock() {
        let mutex = Arc::new(Mutex::new(0usize));
        let guard = mutex.lock().await;
        let (h, done) = park_waiters(|_| {
            let mutex = mutex.clone();
            async move { *mutex.lock().await += 1 }
        })
        .await;
        drop(guard);
        all_finish(h, &done, "Mutex waiters").await;
        assert_eq!(*mutex.lock().await, WAITERS);
    }

    async fn barrier_releases_every_task() {
        let barrier = Arc::new(Barrier::new(WAITERS + 1));
        let (h, done) = park_waiters(|_| {
            let barrier = barrier.clone();
            async move {
                barrier.wait().await;
            }
        })
        .await;
        barrier.wait().await;
        all_finish(h, &done, "Barrier waiters").await;
    }

    async fn cancellation_token_wakes_every_task_and_child() {
        let token = CancellationToken::new();
        let (h, done) = park_waiters(|i| {
            let token = if i % 2 == 0 { token.clone() } else { token.child_token() };
            async move { token.cancelled().await }
        })
        .await;
        token.cancel();
        all_finish(h, &done, "cancellation waiters").await;
    }

    async fn timers_due_at_the_same_instant_all_fire() {
        // One deadline, eight `Sleep`s: each has its own timer entry (an entry keeps one waker).
        let deadline = weft::time::Instant::now() + Duration::from_millis(50);
        let (h, done) = start_waiters(|_| weft::time::sleep_until(deadline)).await;
        all_finish(h, &done, "sleeps sharing a deadline").await;
    }

    async fn join_handles_of_queued_blocking_jobs_all_resolve() {
        // More jobs than the pool's one thread: the rest wait in its queue, their tasks in
        // their JoinHandles, all at once.
        let gate = Arc::new(std::sync::Barrier::new(2));
        let g = gate.clone();
        let first = weft::spawn_blocking(move || {
            g.wait();
        });
        let (h, done) = park_waiters(|i| {
            let job = weft::spawn_blocking(move || i);
            async move { assert_eq!(job.await.unwrap(), i) }
        })
        .await;
        gate.wait();
        first.await.unwrap();
        all_finish(h, &done, "blocking jobs' JoinHandles").await;
    }

    async fn file_clones_used_from_every_task_at_once() {
        let path = std::env::temp_dir().join(format!(
            "weft-shared-waiters-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::write(&path, vec![5u8; 4096]).unwrap();
        let file = weft::fs::File::open(&path).await.unwrap();
        let mut clones = Vec::new();
        for _ in 0..WAITERS {
            clones.push(file.try_clone().await.unwrap());
        }
        let clones = Arc::new(std::sync::Mutex::new(clones));
        let (h, done) = start_waiters(|_| {
            let f = clones.lock().unwrap().pop().unwrap();
            async move {
                // Each clone has its own operation in flight; they share the OS cursor.
                assert_eq!(f.metadata().await.unwrap().len(), 4096);
                let mut f = f;
                let mut b = [0u8; 16];
                let n = weft::io::AsyncReadExt::read(&mut f, &mut b).await.unwrap();
                assert!(b[..n].iter().all(|&x| x == 5));
            }
        })
        .await;
        all_finish(h, &done, "file clones").await;
        std::fs::remove_file(&path).unwrap();
    }

    async fn children_waited_at_once_all_exit() {
        let (h, done) = start_waiters(|i| {
            let mut child = weft::process::Command::new("sh")
                .arg("-c")
                .arg(format!("sleep 0.05; exit {i}"))
                .spawn()
                .expect("spawn sh");
            async move {
                let status = child.wait().await.unwrap();
                assert_eq!(status.code(), Some(i as i32));
            }
        })
        .await;
        all_finish(h, &done, "child processes").await;
    }
}

#[test]
fn threads_waiting_for_the_current_thread_core_all_get_it() {
    // Several threads in `block_on` of one current-thread runtime: one drives, the others wait
    // for the core in a list of wakers, and each must get its turn.
    let rt = Arc::new(
        weft::runtime::Builder::new_current_thread()
            .build()
            .unwrap(),
    );
    let threads: Vec<_> = (0..WAITERS)
        .map(|i| {
            let rt = rt.clone();
            std::thread::spawn(move || {
                rt.block_on(async move {
                    weft::time::sleep(Duration::from_millis(5)).await;
                    i
                })
            })
        })
        .collect();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let out: Vec<usize> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        let _ = tx.send(out);
    });
    let out = rx
        .recv_timeout(STEP)
        .expect("every block_on caller finished (a lost wake-up otherwise)");
    assert_eq!(out, (0..WAITERS).collect::<Vec<_>>());
}

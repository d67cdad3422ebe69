//! `Send`, `Sync` and `Unpin` for every public type and future of weft-sync.
#![cfg(not(loom))]

use weft_sync::*;

fn send<T: Send>(_: &T) {}
fn sync<T: Sync>(_: &T) {}
fn unpin<T: Unpin>(_: &T) {}
fn send_sync<T: Send + Sync>(t: &T) {
    send(t);
    sync(t);
}

#[test]
fn channels_are_send_sync_and_unpin() {
    let (tx, rx) = mpsc::channel::<String>(1);
    send_sync(&tx);
    send_sync(&rx);
    unpin(&rx);
    send(&tx.send(String::new()));
    send(&tx.reserve());
    let p = tx.try_reserve().unwrap();
    send_sync(&p);
    drop(p);
    let (utx, urx) = mpsc::unbounded_channel::<String>();
    send_sync(&utx);
    send_sync(&urx);
    unpin(&urx);
    let (otx, orx) = oneshot::channel::<String>();
    send_sync(&otx);
    send_sync(&orx);
    unpin(&orx);
    let (btx, brx) = broadcast::channel::<String>(1);
    send_sync(&btx);
    send_sync(&brx);
    unpin(&brx);
    let (wtx, wrx) = watch::channel(String::new());
    send_sync(&wtx);
    send_sync(&wrx);
}

#[test]
fn receivers_are_unpin_even_for_unpin_hostile_values() {
    // `PhantomPinned` values are never pinned by the channels, so receivers stay Unpin.
    let (_tx, rx) = mpsc::channel::<std::marker::PhantomPinned>(1);
    unpin(&rx);
    let (_tx, rx) = mpsc::unbounded_channel::<std::marker::PhantomPinned>();
    unpin(&rx);
}

#[test]
fn locks_and_their_futures() {
    let m = Mutex::new(0u8);
    send_sync(&m);
    send(&m.lock());
    let g = m.try_lock().unwrap();
    send_sync(&g);
    drop(g);
    let l = RwLock::new(0u8);
    send_sync(&l);
    send(&l.read());
    send(&l.write());
    let s = Semaphore::new(1);
    send_sync(&s);
    send(&s.acquire());
    let n = Notify::new();
    send_sync(&n);
    let notified = n.notified();
    send_sync(&notified);
    unpin(&notified);
    let b = Barrier::new(1);
    send_sync(&b);
    send(&b.wait());
    let t = CancellationToken::new();
    send_sync(&t);
    let c = t.cancelled();
    send_sync(&c);
    unpin(&c);
}

#[test]
fn mutex_of_non_sync_value_is_sync() {
    // Like std's Mutex: only `T: Send` is needed to share the lock.
    let m = Mutex::new(std::cell::Cell::new(1));
    sync(&m);
}

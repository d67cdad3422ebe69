//! Auto traits of every public type and future of weft-io: losing `Send` or `Sync` by accident
//! breaks users, so each is asserted here.

use std::os::unix::net::UnixStream;

use weft_io::io::Async;
use weft_io::time::{Elapsed, Instant, Interval, MissedTickBehavior, Sleep, Timeout};
use weft_io::{Driver, DriverConfig, EnterGuard, Handle};

fn send<T: Send>() {}
fn sync<T: Sync>() {}
fn unpin<T: Unpin>() {}

fn all<T: Send + Sync + Unpin>() {
    send::<T>();
    sync::<T>();
    unpin::<T>();
}

fn future_is_send<F: std::future::Future + Send>(_: &F) {}

#[test]
fn public_types_are_send_sync_unpin() {
    all::<Driver>();
    all::<DriverConfig>();
    all::<Handle>();
    all::<Async<UnixStream>>();
    // A `Sleep` carries the timer entry the wheel points at: pinned, like tokio's.
    send::<Sleep>();
    sync::<Sleep>();
    send::<Timeout<Sleep>>();
    sync::<Timeout<Sleep>>();
    all::<Interval>();
    all::<Instant>();
    all::<Elapsed>();
    all::<MissedTickBehavior>();
    // The guard is tied to the thread that entered.
    unpin::<EnterGuard>();
}

/// `Sleep` is `!Unpin` on purpose (the wheel points into it), and so is a `Timeout`.
#[test]
fn sleep_and_timeout_are_not_unpin() {
    trait MaybeUnpin {
        const UNPIN: bool = false;
    }
    impl<T: ?Sized> MaybeUnpin for T {}
    struct Probe<T: ?Sized>(std::marker::PhantomData<T>);
    impl<T: ?Sized + Unpin> Probe<T> {
        const UNPIN: bool = true;
    }
    const { assert!(!<Probe<Sleep>>::UNPIN) };
    const { assert!(!<Probe<Timeout<std::future::Ready<()>>>>::UNPIN) };
    const { assert!(<Probe<Interval>>::UNPIN) };
}

#[test]
fn futures_are_send() {
    let driver = Driver::new(DriverConfig::default()).unwrap();
    let _guard = driver.handle().enter();
    let (a, _b) = UnixStream::pair().unwrap();
    let a = Async::new(a).unwrap();
    let mut interval = weft_io::time::interval(std::time::Duration::from_secs(1));
    future_is_send(&a.readable());
    future_is_send(&a.writable());
    future_is_send(&a.read_with(|_| Ok(())));
    future_is_send(&a.write_with(|_| Ok(())));
    future_is_send(&interval.tick());
    future_is_send(&weft_io::time::advance(std::time::Duration::ZERO));
    future_is_send(&weft_io::time::sleep(std::time::Duration::ZERO));
}

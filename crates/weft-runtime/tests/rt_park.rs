//! The park hook on both flavours: idle threads wait in it, wakes reach it, tasks woken from
//! inside it run, busy runtimes still turn it, and shutdown calls it once.
#![allow(missing_docs)]

mod support;

use std::any::Any;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

use support::*;
use weft_runtime::{spawn, Builder, Handle, Park, Runtime};

/// A fake driver: "events" are wakers registered with it, dispatched on every park.
#[derive(Default)]
struct TestHook {
    parks_blocking: AtomicUsize,
    parks_zero: AtomicUsize,
    shutdowns: AtomicUsize,
    /// Wakers to wake on the next park, with the flag to set first.
    events: Mutex<Vec<(Arc<AtomicBool>, Waker)>>,
    notified: Mutex<bool>,
    cv: Condvar,
}

impl TestHook {
    fn dispatch(&self) -> bool {
        let events = std::mem::take(&mut *self.events.lock().unwrap());
        let any = !events.is_empty();
        for (flag, waker) in events {
            flag.store(true, SeqCst);
            waker.wake();
        }
        any
    }

    /// A future that completes once the hook dispatched it (like an I/O readiness event).
    ///
    /// The event is due as soon as it is registered, so registering it unparks the hook, as a
    /// real driver's poller wakes when the OS reports readiness: otherwise a worker already
    /// waiting in `park` (multi-thread: the task registered on another worker) would sleep on
    /// with the event undelivered, and the test would hang.
    fn event(self: &Arc<Self>) -> impl std::future::Future<Output = ()> {
        let hook = self.clone();
        let flag = Arc::new(AtomicBool::new(false));
        std::future::poll_fn(move |cx| {
            if flag.load(SeqCst) {
                return Poll::Ready(());
            }
            hook.events
                .lock()
                .unwrap()
                .push((flag.clone(), cx.waker().clone()));
            hook.unpark();
            Poll::Pending
        })
    }
}

impl Park for TestHook {
    fn park(&self, timeout: Option<Duration>) {
        match timeout {
            Some(t) if t.is_zero() => {
                self.parks_zero.fetch_add(1, SeqCst);
                self.dispatch();
            }
            _ => {
                self.parks_blocking.fetch_add(1, SeqCst);
                if self.dispatch() {
                    return;
                }
                let mut n = self.notified.lock().unwrap();
                while !*n {
                    n = self.cv.wait(n).unwrap();
                }
                *n = false;
                drop(n);
                self.dispatch();
            }
        }
    }

    fn unpark(&self) {
        *self.notified.lock().unwrap() = true;
        self.cv.notify_one();
    }

    fn shutdown(&self) {
        self.shutdowns.fetch_add(1, SeqCst);
    }

    fn as_any(&self) -> &(dyn Any + Send + Sync) {
        self
    }
}

/// Flavour 0 is current-thread, 1 is multi-thread.
fn runtime(flavour: usize, hook: &Arc<TestHook>) -> (&'static str, Runtime) {
    if flavour == 0 {
        (
            "current_thread",
            Builder::new_current_thread()
                .park_hook(hook.clone())
                .build()
                .unwrap(),
        )
    } else {
        (
            "multi_thread",
            Builder::new_multi_thread()
                .worker_threads(2)
                .park_hook(hook.clone())
                .build()
                .unwrap(),
        )
    }
}

#[test]
fn park_hook_is_found_again_by_downcast() {
    let hook = Arc::new(TestHook::default());
    for flavour in 0..2 {
        let (name, rt) = runtime(flavour, &hook);
        let found = rt.block_on(async {
            let handle = Handle::current();
            let hook = weft_runtime::park_hook(&handle).expect("hook installed");
            hook.as_any().downcast_ref::<TestHook>().is_some()
        });
        assert!(found, "{name}");
        let plain = Builder::new_current_thread().build().unwrap();
        assert!(weft_runtime::park_hook(plain.handle()).is_none());
    }
}

#[test]
fn tasks_woken_from_inside_the_hook_run() {
    for flavour in 0..2 {
        let hook = Arc::new(TestHook::default());
        let (name, rt) = runtime(flavour, &hook);
        let out = rt.block_on(async {
            let hs: Vec<_> = (0..8)
                .map(|i| {
                    let ev = hook.event();
                    spawn(async move {
                        ev.await;
                        i
                    })
                })
                .collect();
            let mut sum = 0;
            for h in hs {
                sum += h.await.unwrap();
            }
            sum
        });
        assert_eq!(out, 28, "{name}");
        assert!(
            hook.parks_blocking.load(SeqCst) > 0,
            "{name}: nobody waited in the hook"
        );
        drop(rt);
        assert_eq!(
            hook.shutdowns.load(SeqCst),
            1,
            "{name}: shutdown called once"
        );
    }
}

#[test]
fn wake_from_outside_unparks_the_hook() {
    for flavour in 0..2 {
        let hook = Arc::new(TestHook::default());
        let (name, rt) = runtime(flavour, &hook);
        let (tx, rx) = oneshot();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            tx.send(5);
        });
        let out =
            rt.block_on(async move { spawn(async move { rx.await.unwrap() }).await.unwrap() });
        assert_eq!(out, 5, "{name}");
        t.join().unwrap();
    }
}

#[test]
fn busy_runtime_turns_the_hook_without_blocking() {
    let hook = Arc::new(TestHook::default());
    let rt = Builder::new_current_thread()
        .park_hook(hook.clone())
        .event_interval(16)
        .build()
        .unwrap();
    rt.block_on(async {
        let a = spawn(async {
            for _ in 0..1000 {
                yield_now().await;
            }
        });
        let b = spawn(async {
            for _ in 0..1000 {
                yield_now().await;
            }
        });
        a.await.unwrap();
        b.await.unwrap();
    });
    assert!(hook.parks_zero.load(SeqCst) >= 1000 / 16);

    let hook = Arc::new(TestHook::default());
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .park_hook(hook.clone())
        .event_interval(16)
        .build()
        .unwrap();
    // One worker, always busy: the events only get dispatched by its zero-timeout turns.
    let ev = hook.event();
    let done = rt.block_on(rt.spawn(async move {
        let waiter = spawn(ev);
        while !waiter.is_finished() {
            yield_now().await;
        }
        true
    }));
    assert!(done.unwrap());
    assert!(hook.parks_zero.load(SeqCst) >= 1);
}

/// One multi-thread worker, always busy with a yielding task; `io` also keeps an event pending in
/// the hook. Returns how many zero-timeout turns the worker made.
fn zero_turns_while_busy(io: bool) -> usize {
    const YIELDS: usize = 61 * 100;
    let hook = Arc::new(TestHook::default());
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .park_hook(hook.clone())
        .event_interval(61)
        .build()
        .unwrap();
    let h = hook.clone();
    rt.block_on(rt.spawn(async move {
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let reader = io.then(|| {
            spawn(async move {
                // Like a socket that is readable again every time it is read.
                while !s.load(SeqCst) {
                    h.event().await;
                }
            })
        });
        for _ in 0..YIELDS {
            yield_now().await;
        }
        stop.store(true, SeqCst);
        if let Some(reader) = reader {
            reader.await.unwrap();
        }
    }))
    .unwrap();
    hook.parks_zero.load(SeqCst)
}

#[test]
fn busy_worker_turns_the_hook_sooner_while_turns_bring_wakes() {
    // Nothing arrives: a turn every `event_interval` (61) ticks.
    let idle = zero_turns_while_busy(false);
    assert!((90..=110).contains(&idle), "{idle} turns in 6100 ticks");
    // Every turn wakes the reader: the next turn comes after 16 ticks.
    let fed = zero_turns_while_busy(true);
    assert!(fed >= 3 * idle, "{fed} turns with wakes vs {idle} without");
}

/// A park maker that makes a fresh `TestHook` for each runtime and remembers what it was told.
#[derive(Debug, Default)]
struct MakeTestHook;

static MADE: Mutex<Vec<weft_runtime::builder::ParkSettings>> = Mutex::new(Vec::new());

impl weft_runtime::builder::MakePark for MakeTestHook {
    fn make_park(
        &self,
        settings: &weft_runtime::builder::ParkSettings,
    ) -> std::io::Result<Option<Arc<dyn Park>>> {
        MADE.lock().unwrap().push(*settings);
        Ok(Some(Arc::new(TestHook::default())))
    }
}

#[test]
fn a_park_maker_makes_one_hook_per_runtime() {
    type HookedBuilder = weft_runtime::builder::Builder<MakeTestHook>;
    let mut builder = HookedBuilder::new_current_thread();
    let a = builder.build().unwrap();
    let b = builder.build().unwrap();
    let c = HookedBuilder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let hook_of = |h: &Handle| weft_runtime::park_hook(h).expect("made").clone();
    let (ha, hb) = (hook_of(a.handle()), hook_of(b.handle()));
    assert!(!Arc::ptr_eq(&ha, &hb), "two runtimes shared a hook");
    assert!(ha.as_any().downcast_ref::<TestHook>().is_some());
    // Each runtime drives its own hook and shuts it down once.
    let hc = hook_of(c.handle());
    assert_eq!(c.block_on(c.spawn(async { 5 })).unwrap(), 5);
    drop((a, b, c));
    for hook in [&ha, &hb, &hc] {
        let hook = hook
            .as_any()
            .downcast_ref::<TestHook>()
            .expect("a TestHook");
        assert_eq!(hook.shutdowns.load(SeqCst), 1);
    }
    let made = MADE.lock().unwrap();
    let flavors: Vec<_> = made.iter().map(|s| s.flavor).collect();
    use weft_runtime::RuntimeFlavor::*;
    assert_eq!(flavors, [CurrentThread, CurrentThread, MultiThread]);
    assert!(made.iter().all(|s| !s.start_paused));
}

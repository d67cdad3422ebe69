//! Loom models of parking: an unpark is never lost (with and without the park hook), and the idle
//! protocol never leaves a pushed task unseen by a parking worker.
#![cfg(loom)]
#![allow(missing_docs)]

use std::time::Duration;

use loom::sync::atomic::{AtomicBool, Ordering::SeqCst};
use loom::sync::{Arc, Condvar, Mutex};
use loom::thread;
use weft_runtime::__loom::Idle;
use weft_runtime::__loom::Inject;
use weft_runtime::__loom::{ParkHookSlot, Parker};
use weft_runtime::park::Park;

#[test]
fn unpark_is_not_lost_condvar() {
    loom::model(|| {
        let parker = Parker::new(Arc::new(ParkHookSlot::new(None)));
        let unparker = parker.unparker();
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        let t = thread::spawn(move || {
            f.store(true, SeqCst);
            unparker.unpark();
        });
        while !flag.load(SeqCst) {
            parker.park();
        }
        t.join().unwrap();
    });
}

/// A hook whose `park(None)` blocks until `unpark` (loom primitives, so loom sees the wait).
/// It also checks the contract that `park` is never entered by two threads at once.
struct TestHook {
    notified: Mutex<bool>,
    cv: Condvar,
    inside: AtomicBool,
}

impl TestHook {
    fn new() -> Self {
        TestHook {
            notified: Mutex::new(false),
            cv: Condvar::new(),
            inside: AtomicBool::new(false),
        }
    }
}

impl Park for TestHook {
    fn park(&self, timeout: Option<Duration>) {
        assert!(
            !self.inside.swap(true, SeqCst),
            "two threads inside Park::park at once"
        );
        self.park_inner(timeout);
        self.inside.store(false, SeqCst);
    }

    fn unpark(&self) {
        *self.notified.lock().unwrap() = true;
        self.cv.notify_one();
    }

    fn as_any(&self) -> &(dyn std::any::Any + Send + Sync) {
        self
    }
}

impl TestHook {
    fn park_inner(&self, timeout: Option<Duration>) {
        let mut n = self.notified.lock().unwrap();
        if timeout.is_none() {
            while !*n {
                n = self.cv.wait(n).unwrap();
            }
        }
        *n = false;
    }
}

#[test]
fn unpark_is_not_lost_in_hook() {
    loom::model(|| {
        let hook = std::sync::Arc::new(TestHook::new());
        let parker = Parker::new(Arc::new(ParkHookSlot::new(Some(hook))));
        let unparker = parker.unparker();
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        let t = thread::spawn(move || {
            f.store(true, SeqCst);
            unparker.unpark();
        });
        while !flag.load(SeqCst) {
            parker.park();
        }
        t.join().unwrap();
    });
}

#[test]
fn hook_holder_and_condvar_sleeper_both_wake() {
    loom::model(|| {
        let hook = std::sync::Arc::new(TestHook::new());
        let slot = Arc::new(ParkHookSlot::new(Some(hook)));
        let a = Parker::new(slot.clone());
        let b = Parker::new(slot);
        let (ua, ub) = (a.unparker(), b.unparker());
        let flag = Arc::new(AtomicBool::new(false));
        let fb = flag.clone();
        let tb = thread::spawn(move || {
            while !fb.load(SeqCst) {
                b.park();
            }
        });
        let t = thread::spawn(move || {
            flag.store(true, SeqCst);
            ua.unpark();
            ub.unpark();
        });
        // `a` parks once; whichever of the two holds the hook token, both return.
        a.park();
        t.join().unwrap();
        tb.join().unwrap();
    });
}

/// One worker running the scheduler's idle protocol against one producer that pushes a task
/// into the injector and notifies: the worker always ends up with the task.
#[test]
fn idle_protocol_no_lost_task() {
    loom::model(|| {
        let idle = Arc::new(Idle::new(1));
        let inject = Arc::new(Inject::new());
        let parker = Parker::new(Arc::new(ParkHookSlot::new(None)));
        let unparker = parker.unparker();

        let producer = {
            let (idle, inject) = (idle.clone(), inject.clone());
            thread::spawn(move || {
                inject.push(7usize).unwrap();
                if let Some(worker) = idle.worker_to_notify() {
                    assert_eq!(worker, 0);
                    unparker.unpark();
                }
            })
        };

        let notify = |idle: &Idle| {
            if let Some(worker) = idle.worker_to_notify() {
                assert_eq!(worker, 0);
                parker.unparker().unpark();
            }
        };

        let mut searching = false;
        let got = loop {
            if let Some(v) = inject.pop() {
                if searching {
                    idle.transition_worker_from_searching();
                }
                break v;
            }
            if !searching && idle.transition_worker_to_searching() {
                searching = true;
                continue;
            }
            if idle.transition_worker_to_parked(0, searching) && !inject.is_empty() {
                notify(&idle);
            }
            loop {
                parker.park();
                if !idle.is_parked(0) {
                    break;
                }
            }
            searching = true;
        };
        assert_eq!(got, 7);
        producer.join().unwrap();
    });
}

/// An idle thread parking (it may take the hook token and block in the hook) races a busy thread
/// turning the hook with a zero timeout: never both inside `park`, and the idle one still wakes.
#[test]
fn zero_timeout_turn_never_overlaps_a_blocking_park() {
    loom::model(|| {
        let hook = std::sync::Arc::new(TestHook::new());
        let slot = Arc::new(ParkHookSlot::new(Some(hook)));
        let idle = Parker::new(slot.clone());
        let unparker = idle.unparker();
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        let busy = thread::spawn(move || {
            slot.turn_without_blocking();
            f.store(true, SeqCst);
            unparker.unpark();
        });
        while !flag.load(SeqCst) {
            idle.park();
        }
        busy.join().unwrap();
    });
}

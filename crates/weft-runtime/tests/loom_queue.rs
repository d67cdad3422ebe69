//! Loom models of the local run queue: owner push/pop racing with stealers, overflow included
//! (the queue holds 4 slots under loom).
#![cfg(loom)]
#![allow(missing_docs)]

use loom::sync::Arc;
use loom::thread;
use weft_runtime::__loom::queue;
use weft_runtime::__loom::Inject;

fn drain(q: &mut queue::Local<usize>, into: &mut Vec<usize>) {
    while let Some(v) = q.pop() {
        into.push(v);
    }
}

#[test]
fn push_pop_vs_steal() {
    loom::model(|| {
        let (steal, mut local) = queue::local::<usize>();
        let inject = Arc::new(Inject::new());
        let thief = thread::spawn(move || {
            let (_s, mut mine) = queue::local();
            let mut got = Vec::new();
            for _ in 0..2 {
                if let Some(v) = steal.steal_into(&mut mine) {
                    got.push(v);
                }
                drain(&mut mine, &mut got);
            }
            got
        });
        let mut got = Vec::new();
        for i in 0..6 {
            local.push_back_or_overflow(i, &*inject);
            if i % 3 == 0 {
                if let Some(v) = local.pop() {
                    got.push(v);
                }
            }
        }
        drain(&mut local, &mut got);
        got.extend(thief.join().unwrap());
        while let Some(v) = inject.pop() {
            got.push(v);
        }
        got.sort_unstable();
        assert_eq!(
            got,
            (0..6).collect::<Vec<_>>(),
            "lost or duplicated elements"
        );
    });
}

#[test]
fn two_stealers() {
    loom::model(|| {
        let (steal, mut local) = queue::local::<usize>();
        let inject = Arc::new(Inject::new());
        for i in 0..4 {
            local.push_back_or_overflow(i, &*inject);
        }
        let thieves: Vec<_> = (0..2)
            .map(|_| {
                let steal = steal.clone();
                thread::spawn(move || {
                    let (_s, mut mine) = queue::local();
                    let mut got = Vec::new();
                    if let Some(v) = steal.steal_into(&mut mine) {
                        got.push(v);
                    }
                    drain(&mut mine, &mut got);
                    got
                })
            })
            .collect();
        let mut got = Vec::new();
        if let Some(v) = local.pop() {
            got.push(v);
        }
        for t in thieves {
            got.extend(t.join().unwrap());
        }
        drain(&mut local, &mut got);
        assert!(inject.is_empty());
        got.sort_unstable();
        assert_eq!(got, vec![0, 1, 2, 3]);
    });
}

#[test]
fn overflow_while_stealing() {
    loom::model(|| {
        let (steal, mut local) = queue::local::<usize>();
        let inject = Arc::new(Inject::new());
        for i in 0..4 {
            local.push_back_or_overflow(i, &*inject);
        }
        let thief = thread::spawn(move || {
            let (_s, mut mine) = queue::local();
            let mut got = Vec::new();
            if let Some(v) = steal.steal_into(&mut mine) {
                got.push(v);
            }
            drain(&mut mine, &mut got);
            got
        });
        // The ring is full: this push either overflows half to the injector or finds room freed
        // by the thief.
        local.push_back_or_overflow(4, &*inject);
        local.push_back_or_overflow(5, &*inject);
        let mut got = thief.join().unwrap();
        drain(&mut local, &mut got);
        while let Some(v) = inject.pop() {
            got.push(v);
        }
        got.sort_unstable();
        assert_eq!(got, (0..6).collect::<Vec<_>>());
    });
}

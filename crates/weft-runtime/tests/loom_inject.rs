//! Loom model of the global injector: concurrent pushes, pops and close lose nothing.
#![cfg(loom)]
#![allow(missing_docs)]

use loom::sync::Arc;
use loom::thread;
use weft_runtime::__loom::Inject;

#[test]
fn push_pop_close() {
    loom::model(|| {
        let q = Arc::new(Inject::new());
        let producers: Vec<_> = (0..2)
            .map(|p| {
                let q = q.clone();
                thread::spawn(move || {
                    let mut refused = Vec::new();
                    for i in 0..2 {
                        if let Err(v) = q.push(p * 10 + i) {
                            refused.push(v);
                        }
                    }
                    refused
                })
            })
            .collect();
        let mut got = Vec::new();
        if let Some(v) = q.pop() {
            got.push(v);
        }
        q.close();
        for p in producers {
            got.extend(p.join().unwrap());
        }
        got.extend(q.take_all());
        assert!(q.is_empty());
        got.sort_unstable();
        assert_eq!(got, vec![0, 1, 10, 11]);
    });
}

#[test]
fn len_is_seen_after_push() {
    loom::model(|| {
        let q = Arc::new(Inject::new());
        let q2 = q.clone();
        let t = thread::spawn(move || {
            q2.push(1).unwrap();
        });
        let first = q.pop();
        t.join().unwrap();
        let second = q.pop();
        // Exactly one of the pops got it.
        assert_eq!(first.into_iter().chain(second).collect::<Vec<_>>(), vec![1]);
    });
}

//! Loom model of the tail protocol (`weft_fs::tail`): a `File` dropped with buffered bytes while
//! its last job may be finishing. Whatever the interleaving, the bytes are written exactly once,
//! after the job's own work, and the tail ends idle.
#![cfg(loom)]
#![allow(missing_docs)]

use loom::sync::{Arc, Mutex};
use loom::thread;
use weft_fs::tail::Tail;

type Log = Arc<Mutex<Vec<&'static str>>>;

/// A pool job: its own work, then rule 2.
fn job(tail: &Tail<&'static str>, log: &Log, own: &'static str) {
    log.lock().unwrap().push(own);
    tail.finish(|orphan| log.lock().unwrap().push(orphan));
}

#[test]
fn dropped_bytes_run_once_after_the_job_in_flight() {
    loom::model(|| {
        let tail = Arc::new(Tail::new());
        let log: Log = Arc::new(Mutex::new(Vec::new()));

        // The File spawned one operation (rule 1) ...
        tail.begin();
        let worker = {
            let (tail, log) = (tail.clone(), log.clone());
            thread::spawn(move || job(&tail, &log, "op"))
        };

        // ... and is dropped with bytes buffered (rule 3), racing with the job's end.
        let extra = tail.hand_over("dropped").map(|w| {
            let (tail, log) = (tail.clone(), log.clone());
            // A new job for them, which ends with rule 2 like every job.
            thread::spawn(move || {
                log.lock().unwrap().push(w);
                tail.finish(|orphan| log.lock().unwrap().push(orphan));
            })
        });

        worker.join().unwrap();
        if let Some(extra) = extra {
            extra.join().unwrap();
        }
        let log = log.lock().unwrap();
        assert_eq!(
            log.iter().filter(|w| **w == "dropped").count(),
            1,
            "{log:?}"
        );
        // When the bytes were orphaned to the running job, they come after its work.
        assert_eq!(log[0], "op", "{log:?}");
        assert!(!tail.is_busy());
    });
}

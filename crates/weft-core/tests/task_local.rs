//! Task-locals at the task-cell level: a task runs with the context it inherited at spawn, never
//! with the one of the code that happens to run it.
#![allow(missing_docs)]

use std::sync::{Arc, Mutex};

use weft_core::task::{self, Runnable, Schedule, ScheduleInfo, SpawnOptions};
use weft_core::task_local;

task_local! {
    static KEY: u32;
}

#[derive(Default)]
struct Queue(Mutex<Vec<Runnable>>);

impl Schedule for Queue {
    fn schedule(&self, task: Runnable, _info: ScheduleInfo) {
        self.0.lock().unwrap().push(task);
    }
}

fn read() -> Option<u32> {
    KEY.try_with(|v| *v).ok()
}

#[test]
fn a_task_run_inside_a_scope_sees_only_what_it_inherited() {
    let queue = Arc::new(Queue::default());
    let (plain, plain_handle) = task::spawn(async { read() }, queue.clone(), SpawnOptions::new());
    let (inheriting, inheriting_handle) = KEY.sync_scope(1, || {
        task::spawn(async { read() }, queue.clone(), SpawnOptions::new())
    });
    // Both are run by code inside another scope of the same key.
    KEY.sync_scope(2, || {
        plain.run();
        inheriting.run();
        assert_eq!(
            read(),
            Some(2),
            "the runner's own context is back after each run"
        );
    });
    let plain = futures_executor::block_on(plain_handle).unwrap();
    let inheriting = futures_executor::block_on(inheriting_handle).unwrap();
    assert_eq!((plain, inheriting), (None, Some(1)));
}

#[test]
fn a_never_run_task_drops_its_context_with_its_cell() {
    struct Probe(#[allow(dead_code)] Arc<()>);
    task_local! { static PROBE: Probe; }
    let probe = Arc::new(());
    let queue = Arc::new(Queue::default());
    let (runnable, handle) = PROBE.sync_scope(Probe(probe.clone()), || {
        task::spawn(
            async { PROBE.with(|_| ()) },
            queue.clone(),
            SpawnOptions::new(),
        )
    });
    assert_eq!(Arc::strong_count(&probe), 2);
    drop(runnable); // cancelled
    assert!(futures_executor::block_on(handle)
        .unwrap_err()
        .is_cancelled());
    assert_eq!(Arc::strong_count(&probe), 1);
}

#[test]
fn a_panic_inside_a_scope_restores_the_outer_context() {
    let caught = std::panic::catch_unwind(|| KEY.sync_scope(5, || panic!("inside")));
    assert!(caught.is_err());
    assert_eq!(read(), None);
    let caught = futures_executor::block_on(KEY.scope(6, async {
        let inner = std::panic::catch_unwind(|| {
            futures_executor::block_on(KEY.scope(7, async { panic!("deeper") }))
        });
        assert!(inner.is_err());
        read()
    }));
    assert_eq!(caught, Some(6));
}

#[test]
fn a_task_run_inside_another_tasks_scope_neither_sees_nor_passes_on_that_scope() {
    let queue = Arc::new(Queue::default());
    // `inner` inherited nothing; it reads, and spawns a child that reads.
    let child_queue = queue.clone();
    let (inner, inner_handle) = task::spawn(
        async move {
            let (child, child_handle) =
                task::spawn(async { read() }, child_queue, SpawnOptions::new());
            child.run();
            (read(), futures_executor::block_on(child_handle).unwrap())
        },
        queue.clone(),
        SpawnOptions::new(),
    );
    // `outer` runs `inner` inside its own scope (as a LocalSet inside a task would), then reads.
    let (outer, outer_handle) = task::spawn(
        KEY.scope(7, async move {
            inner.run();
            read()
        }),
        queue,
        SpawnOptions::new(),
    );
    outer.run();
    assert_eq!(
        futures_executor::block_on(inner_handle).unwrap(),
        (None, None),
        "the inner task and its child see nothing of the outer task's scope"
    );
    assert_eq!(
        futures_executor::block_on(outer_handle).unwrap(),
        Some(7),
        "the outer task's scope is back after the inner task's poll"
    );
}

//! `AbortHandle` and `task::id` / `try_id` on both runtime flavours.
#![allow(missing_docs)]

mod support;

use std::collections::HashSet;
use std::future::pending;

use support::{oneshot, runtimes, yield_now, DropCounter};
use weft_runtime::task::{self, TaskId};
use weft_runtime::{spawn, spawn_blocking, Builder};

#[test]
fn id_inside_a_task_is_its_join_handles_id() {
    for rt in runtimes() {
        rt.block_on(async {
            let handles: Vec<_> = (0..20)
                .map(|_| {
                    spawn(async {
                        let before = task::id();
                        yield_now().await;
                        assert_eq!(task::id(), before, "the id is stable across polls");
                        before
                    })
                })
                .collect();
            let mut seen = HashSet::new();
            for h in handles {
                let expected = h.id();
                assert_eq!(h.await.unwrap(), expected);
                assert!(seen.insert(expected));
            }
        });
    }
}

#[test]
fn try_id_is_none_outside_tasks_and_some_in_blocking_tasks() {
    assert_eq!(task::try_id(), None);
    for rt in runtimes() {
        rt.block_on(async {
            assert_eq!(task::try_id(), None, "block_on's future is not a task");
            let h = spawn_blocking(task::try_id);
            let expected = h.id();
            assert_eq!(h.await.unwrap(), Some(expected));
            // A task polled inside another poll does not leave its id behind.
            let outer: TaskId = spawn(async {
                let id = task::id();
                spawn(async {}).await.unwrap();
                assert_eq!(task::id(), id);
                id
            })
            .await
            .unwrap();
            assert_ne!(Some(outer), task::try_id());
        });
    }
}

#[test]
fn id_outside_a_task_panics_with_advice() {
    let err = std::panic::catch_unwind(task::id).unwrap_err();
    let msg = support::panic_message(&*err);
    assert!(
        msg.contains("outside a task") && msg.contains("try_id"),
        "{msg}"
    );
}

#[test]
fn id_is_set_while_a_cancelled_future_is_dropped() {
    struct RecordId(Option<support::Sender<Option<TaskId>>>);
    impl Drop for RecordId {
        fn drop(&mut self) {
            self.0.take().unwrap().send(task::try_id());
        }
    }
    for rt in runtimes() {
        rt.block_on(async {
            let (tx, rx) = oneshot();
            let guard = RecordId(Some(tx));
            let h = spawn(async move {
                let _guard = guard;
                pending::<()>().await;
            });
            let id = h.id();
            yield_now().await;
            h.abort();
            assert_eq!(rx.await.unwrap(), Some(id));
        });
    }
}

#[test]
fn abort_handle_cancels_from_another_thread_and_outlives_the_join_handle() {
    for rt in runtimes() {
        rt.block_on(async {
            let drops = DropCounter::default();
            let token = drops.token();
            let h = spawn(async move {
                let _token = token;
                pending::<()>().await;
            });
            let abort = h.abort_handle();
            assert_eq!(abort.id(), h.id());
            assert!(!abort.is_finished());
            yield_now().await;
            let remote = abort.clone();
            std::thread::spawn(move || remote.abort()).join().unwrap();
            let err = h.await.unwrap_err();
            assert!(err.is_cancelled());
            assert_eq!(err.id(), abort.id());
            assert!(abort.is_finished());
            assert_eq!(drops.count(), 1);
            abort.abort(); // a finished task: nothing happens
        });
    }
}

#[test]
fn abort_handle_of_a_finished_task_changes_nothing() {
    for rt in runtimes() {
        rt.block_on(async {
            let h = spawn(async { 5 });
            let abort = h.abort_handle();
            while !abort.is_finished() {
                yield_now().await;
            }
            abort.abort();
            assert_eq!(h.await.unwrap(), 5);
        });
    }
}

#[test]
fn abort_handle_is_clone_send_sync_for_any_output() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<task::AbortHandle>();
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let h = weft_runtime::spawn_local(async { std::rc::Rc::new(1) });
        let abort = h.abort_handle();
        let dbg = format!("{abort:?}");
        assert!(dbg.starts_with("AbortHandle { id: "), "{dbg}");
        assert_eq!(*h.await.unwrap(), 1);
        assert!(abort.is_finished());
    });
}

//! `Builder::unhandled_panic(UnhandledPanic::ShutdownRuntime)` on both flavours: the first panic
//! nobody retrieves cancels every task and makes `block_on` panic with it; handled panics and the
//! default policy change nothing.
#![allow(missing_docs)]

mod support;

use std::future::pending;
use std::panic::{catch_unwind, AssertUnwindSafe};

use support::{runtimes_with_policy, yield_now, DropCounter};
use weft_runtime::{spawn, Runtime, UnhandledPanic};

fn block_on_panic<T>(rt: &Runtime, f: impl std::future::Future<Output = T>) -> String {
    let caught = catch_unwind(AssertUnwindSafe(|| rt.block_on(f)));
    match caught {
        Ok(_) => panic!("block_on returned instead of panicking"),
        Err(payload) => support::panic_message(&*payload),
    }
}

#[test]
fn a_detached_panic_shuts_the_runtime_down_and_block_on_panics_with_it() {
    for rt in runtimes_with_policy(UnhandledPanic::ShutdownRuntime) {
        let drops = DropCounter::default();
        let tokens = (drops.token(), drops.token());
        let msg = block_on_panic(&rt, async move {
            let (a, b) = tokens;
            // Two bystanders: cancelled by the shutdown.
            let _a = spawn(async move {
                let _a = a;
                pending::<()>().await
            });
            drop(spawn(async move {
                let _b = b;
                pending::<()>().await
            }));
            drop(
                weft_runtime::task::Builder::new()
                    .name("doomed")
                    .spawn(async { panic!("nobody saw this") }),
            );
            pending::<()>().await
        });
        assert!(msg.contains("nobody saw this"), "{msg}");
        assert!(msg.contains("\"doomed\""), "{msg}");
        assert!(msg.contains("UnhandledPanic::ShutdownRuntime"), "{msg}");
        assert_eq!(
            drops.count(),
            2,
            "every task was cancelled before block_on panicked"
        );
        // The runtime stays shut down: a later block_on panics the same way at once.
        let again = block_on_panic(&rt, async { 1 });
        assert_eq!(again, msg);
    }
}

#[test]
fn a_join_handle_dropped_holding_a_panic_counts_as_unhandled() {
    for rt in runtimes_with_policy(UnhandledPanic::ShutdownRuntime) {
        let msg = block_on_panic(&rt, async {
            let h = spawn(async { panic!("dropped unread") });
            while !h.is_finished() {
                yield_now().await;
            }
            drop(h);
            pending::<()>().await
        });
        assert!(msg.contains("dropped unread"), "{msg}");
    }
}

#[test]
fn a_panic_someone_awaits_is_handled() {
    for rt in runtimes_with_policy(UnhandledPanic::ShutdownRuntime) {
        let out = rt.block_on(async {
            let err = spawn(async { panic!("seen") }).await.unwrap_err();
            assert!(err.is_panic());
            spawn(async { 5 }).await.unwrap()
        });
        assert_eq!(out, 5);
    }
}

#[test]
fn by_default_the_runtime_carries_on() {
    for rt in runtimes_with_policy(UnhandledPanic::default()) {
        let out = rt.block_on(async {
            let h = spawn(async { panic!("ignored") });
            let id = h.id();
            drop(h);
            // Wait until the panicking task is gone, then keep using the runtime.
            while rt_has_task(id) {
                yield_now().await;
            }
            spawn(async { 7 }).await.unwrap()
        });
        assert_eq!(out, 7);
    }
}

fn rt_has_task(id: weft_runtime::task::TaskId) -> bool {
    weft_runtime::Handle::current()
        .live_tasks()
        .iter()
        .any(|t| t.id == id)
}

//! A hundred thousand tasks inheriting one task-local leave no reference and no task behind, on
//! both runtime flavours.
//!
//! The only test of its binary: it compares the process-wide `live_task_count` before and after,
//! which tests running beside it in the same process would move.
#![allow(missing_docs)]

mod support;

use std::sync::Arc;

use support::{runtimes, yield_now};
use weft_core::task_local;
use weft_runtime::spawn;

#[test]
fn a_hundred_thousand_inheriting_tasks_leave_no_reference_behind() {
    /// A value that knows how many copies of its probe exist.
    struct Probe(#[allow(dead_code)] Arc<()>);
    task_local! { static PROBE: Probe; }
    for rt in runtimes() {
        let probe = Arc::new(());
        let tasks_before = weft_core::task::live_task_count();
        rt.block_on(PROBE.scope(Probe(probe.clone()), async {
            let handles: Vec<_> = (0..100_000u32)
                .map(|i| {
                    spawn(async move {
                        if i % 2 == 0 {
                            yield_now().await;
                        }
                        PROBE.with(|p| Arc::strong_count(&p.0))
                    })
                })
                .collect();
            for h in handles {
                // The one node of the scope is shared: the probe is counted twice (ours, the
                // node's), however many tasks inherited it.
                assert_eq!(h.await.unwrap(), 2);
            }
        }));
        assert_eq!(
            Arc::strong_count(&probe),
            1,
            "every inherited reference was released"
        );
        drop(rt);
        assert!(weft_core::task::live_task_count() <= tasks_before);
    }
}

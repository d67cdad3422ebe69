//! The runtime's behaviour suite, written once (tests/suites/rt_common.rs) and run on both
//! scheduler flavours. The facade runs the same suite again with the reactor installed.
#![allow(missing_docs)]

mod support;

use weft_runtime::Builder;

macro_rules! rt_suite {
    () => {
        mod current_thread {
            #[allow(unused_imports)]
            use super::*;
            fn rt() -> weft_runtime::Runtime {
                weft_runtime::Builder::new_current_thread().build().unwrap()
            }
            #[allow(dead_code)]
            const MULTI: bool = false;
            include!("suites/rt_common.rs");
        }
        mod multi_thread {
            #[allow(unused_imports)]
            use super::*;
            fn rt() -> weft_runtime::Runtime {
                weft_runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .build()
                    .unwrap()
            }
            #[allow(dead_code)]
            const MULTI: bool = true;
            include!("suites/rt_common.rs");
        }
    };
}

rt_suite!();

mod extra {
    use super::support::*;
    use weft_runtime::Builder;

    #[test]
    fn block_on_inside_spawn_blocking_is_allowed() {
        for rt in [
            Builder::new_current_thread().build().unwrap(),
            Builder::new_multi_thread()
                .worker_threads(2)
                .build()
                .unwrap(),
        ] {
            let handle = rt.handle().clone();
            let out = rt.block_on(async move {
                weft_runtime::spawn_blocking(move || {
                    // A blocking thread is not inside the runtime: it may block on a future.
                    let other = Builder::new_current_thread().build().unwrap();
                    let a = other.block_on(async { 1 });
                    let b =
                        handle.block_on(async { weft_runtime::spawn(async { 2 }).await.unwrap() });
                    a + b
                })
                .await
                .unwrap()
            });
            assert_eq!(out, 3);
            drop(yield_now());
        }
    }
}

//! The executor's whole behaviour suite (weft-runtime's tests/suites/rt_common.rs) again, on
//! runtimes built by the facade: weft-io's reactor and timers installed as the park hook.
#![allow(missing_docs)]

#[path = "../../weft-runtime/tests/support/mod.rs"]
mod support;

use weft::runtime::Builder;

mod current_thread {
    #[allow(unused_imports)]
    use super::*;
    fn rt() -> weft::runtime::Runtime {
        Builder::new_current_thread().build().unwrap()
    }
    #[allow(dead_code)]
    const MULTI: bool = false;
    include!("../../weft-runtime/tests/suites/rt_common.rs");

    #[test]
    fn the_reactor_is_installed() {
        assert!(weft_runtime::park_hook(rt().handle()).is_some());
    }
}

mod multi_thread {
    #[allow(unused_imports)]
    use super::*;
    fn rt() -> weft::runtime::Runtime {
        Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap()
    }
    #[allow(dead_code)]
    const MULTI: bool = true;
    include!("../../weft-runtime/tests/suites/rt_common.rs");

    #[test]
    fn the_reactor_is_installed() {
        assert!(weft_runtime::park_hook(rt().handle()).is_some());
    }
}

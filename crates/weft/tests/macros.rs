//! End-to-end tests of `#[weft::main]` and `#[weft::test]` through the facade.

use std::time::Duration;

use weft::runtime::{Handle, RuntimeFlavor};

#[weft::test]
async fn current_thread_by_default() {
    assert_eq!(
        Handle::current().runtime_flavor(),
        RuntimeFlavor::CurrentThread
    );
    assert_eq!(weft::spawn(async { 1 + 1 }).await.unwrap(), 2);
}

#[weft::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_thread() -> Result<(), weft::task::JoinError> {
    assert_eq!(
        Handle::current().runtime_flavor(),
        RuntimeFlavor::MultiThread
    );
    weft::spawn(async {}).await
}

#[weft::test(start_paused = true)]
async fn paused_clock_jumps_an_hour_at_once() {
    let wall = std::time::Instant::now();
    let virtual_start = weft::time::Instant::now();
    weft::time::sleep(Duration::from_secs(3600)).await;
    assert!(virtual_start.elapsed() >= Duration::from_secs(3600));
    assert!(wall.elapsed() < Duration::from_secs(60));
}

#[weft::test(unhandled_panic = "shutdown_runtime")]
#[should_panic(expected = "a detached task failed")]
async fn a_detached_panic_fails_the_test_when_asked() {
    drop(weft::spawn(async { panic!("a detached task failed") }));
    weft::time::sleep(Duration::from_secs(3600)).await;
}

#[weft::test(flavor = "multi_thread", unhandled_panic = "ignore")]
async fn ignoring_unhandled_panics_is_the_default_and_can_be_spelled_out() {
    drop(weft::spawn(async { panic!("ignored") }));
    weft::spawn(async {}).await.unwrap();
}

#[weft::test]
#[should_panic(expected = "boom")]
async fn should_panic_works() {
    panic!("boom");
}

mod renamed {
    pub use ::weft as my_weft;

    #[weft::test(crate = crate::renamed::my_weft)]
    async fn renamed_path() {
        my_weft::task::yield_now().await;
    }
}

#[weft::main(flavor = "current_thread")]
async fn not_named_main() -> u8 {
    7
}

#[test]
fn main_on_another_name() {
    assert_eq!(not_named_main(), 7);
}

#[weft::main(flavor = "multi_thread", worker_threads = 3)]
async fn multi_main() -> usize {
    Handle::current().live_tasks().len() + 3
}

#[test]
fn main_multi_thread_returns_its_output() {
    assert!(multi_main() >= 3);
}

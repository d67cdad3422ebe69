//! `Handle::metrics()` on the facade's runtimes: the reactor and timer counters move.
#![allow(missing_docs)]

use std::time::Duration;

use weft::runtime::Builder;

#[test]
fn timers_and_io_events_are_counted_on_both_flavours() {
    for rt in [
        Builder::new_current_thread().build().unwrap(),
        Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap(),
    ] {
        let m = rt.handle().metrics();
        let (timers, ready) = (m.timers_fired_count(), m.io_driver_ready_count());
        rt.block_on(async {
            weft::time::sleep(Duration::from_millis(2)).await;
            let listener = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let client = weft::spawn(async move { weft::net::TcpStream::connect(addr).await });
            let _conn = listener.accept().await.unwrap();
            client.await.unwrap().unwrap();
        });
        // The driver counts a batch of fired timers after waking their tasks: wait for it.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while m.timers_fired_count() == timers {
            assert!(std::time::Instant::now() < deadline, "{m:?}");
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(m.io_driver_ready_count() > ready, "{m:?}");
    }
}

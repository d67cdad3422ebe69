//! The pieces hyper asks of a runtime, used directly: `HyperIo` over TCP and Unix sockets,
//! HTTP/2 multiplexing on one connection (its streams are `HyperExecutor` tasks), and
//! `HyperTimer` (sleep, reset earlier and later, the runtime's clock).

mod support;

use std::convert::Infallible;
use std::future::poll_fn;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::rt::Timer;
use hyper::service::service_fn;
use hyper::{Request, Response};
use support::{flavors, join, start_default_server};
use weft_hyper::{HyperExecutor, HyperIo, HyperTimer};
use weft_net::{TcpStream, UnixStream};

flavors! {
    async fn fifty_http2_streams_share_one_connection() {
        let addr = start_default_server().await;
        let stream = TcpStream::connect(addr).await.unwrap();
        let (sender, connection) =
            hyper::client::conn::http2::handshake(HyperExecutor::new(), HyperIo::new(stream))
                .await
                .unwrap();
        weft_runtime::spawn(connection);
        let tasks: Vec<_> = (0..50)
            .map(|n| {
                let mut sender = sender.clone();
                weft_runtime::spawn(async move {
                    let request = Request::get(format!("http://{addr}/slow?ms={}", 50 + n % 7))
                        .body(Empty::<Bytes>::new())
                        .unwrap();
                    let response = sender.send_request(request).await.unwrap();
                    assert_eq!(response.version(), hyper::Version::HTTP_2);
                    response.into_body().collect().await.unwrap().to_bytes()
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(join(task).await, "slow");
        }
    }

    async fn hyper_io_serves_http1_over_a_unix_socket_pair() {
        let (client, server) = UnixStream::pair().unwrap();
        let served = Arc::new(AtomicUsize::new(0));
        let count = served.clone();
        weft_runtime::spawn(async move {
            let echo = service_fn(move |req: Request<Incoming>| {
                count.fetch_add(1, Ordering::SeqCst);
                async move {
                    let body = req.into_body().collect().await?.to_bytes();
                    Ok::<_, hyper::Error>(Response::new(Full::new(body)))
                }
            });
            hyper::server::conn::http1::Builder::new()
                .serve_connection(HyperIo::new(server), echo)
                .await
        });
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(HyperIo::new(client)).await.unwrap();
        weft_runtime::spawn(connection);
        for size in [0usize, 1, 8191, 8192, 1 << 20] {
            let payload = Bytes::from((0..size).map(|i| (i % 251) as u8).collect::<Vec<_>>());
            let request = Request::post("/echo")
                .header("host", "unix")
                .body(Full::new(payload.clone()))
                .unwrap();
            poll_fn(|cx| sender.poll_ready(cx)).await.unwrap();
            let response = sender.send_request(request).await.unwrap();
            assert_eq!(response.into_body().collect().await.unwrap().to_bytes(), payload);
        }
        assert_eq!(served.load(Ordering::SeqCst), 5);
    }

    async fn the_timer_sleeps_and_resets_both_ways() {
        let timer = HyperTimer::new();
        let start = std::time::Instant::now();
        timer.sleep(Duration::from_millis(30)).await;
        assert!(start.elapsed() >= Duration::from_millis(30));

        // Reset to later: waits for the new deadline.
        let start = std::time::Instant::now();
        let mut sleep = timer.sleep(Duration::from_millis(10));
        timer.reset(&mut sleep, timer.now() + Duration::from_millis(60));
        sleep.as_mut().await;
        assert!(start.elapsed() >= Duration::from_millis(60));

        // Reset to earlier, after a first poll armed it for an hour.
        let start = std::time::Instant::now();
        let mut sleep = timer.sleep(Duration::from_secs(3600));
        assert!(futures_util::poll!(sleep.as_mut()).is_pending());
        timer.reset(&mut sleep, timer.now() + Duration::from_millis(20));
        sleep.as_mut().await;
        assert!(start.elapsed() < Duration::from_secs(30));

        // A deadline in the past is already due; a completed sleep reset waits again.
        timer.sleep_until(std::time::Instant::now() - Duration::from_millis(5)).await;
        let mut done = timer.sleep(Duration::ZERO);
        done.as_mut().await;
        timer.reset(&mut done, timer.now() + Duration::from_millis(20));
        assert!(futures_util::poll!(done.as_mut()).is_pending());
        done.as_mut().await;
    }

    async fn an_executor_with_a_handle_spawns_onto_that_runtime() {
        let handle = weft_runtime::Handle::current();
        let executor = HyperExecutor::with_handle(handle);
        let (tx, rx) = weft_sync::oneshot::channel();
        // From a thread that has no runtime: the handle says where the task goes.
        std::thread::spawn(move || {
            hyper::rt::Executor::execute(&executor, async move {
                let _ = tx.send(weft_runtime::Handle::try_current().is_ok());
            });
        })
        .join()
        .unwrap();
        assert!(rx.await.unwrap(), "the task did not run on a weft runtime");
    }
}

/// hyper's timeouts follow the runtime's clock: in paused time an hour-long timer sleep
/// completes as soon as every task is idle, and `now` moves with it.
#[test]
fn the_timer_follows_paused_time() {
    let driver =
        Arc::new(weft_io::Driver::new(weft_io::DriverConfig::new().start_paused(true)).unwrap());
    let io = driver.handle();
    let rt = weft_runtime::Builder::new_current_thread()
        .park_hook(driver)
        .build()
        .unwrap();
    rt.block_on(async move {
        let timer = HyperTimer::with_handle(io);
        let before = timer.now();
        timer.sleep(Duration::from_secs(3600)).await;
        assert!(timer.now() - before >= Duration::from_secs(3600));
    });
}

/// The serving side of `Infallible` services compiles with the default server too (a type check
/// that the bounds of `serve` accept the simplest service).
#[test]
fn serve_accepts_an_infallible_service_fn() {
    support::run(support::Flavor::CurrentThread, async {
        let listener = weft_net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hello = service_fn(|_req| async {
            Ok::<_, Infallible>(Response::new(Full::new(Bytes::from("hi"))))
        });
        weft_runtime::spawn(std::future::IntoFuture::into_future(weft_hyper::serve(
            listener, hello,
        )));
        let client = weft_hyper::Client::new();
        let response = client.get(format!("http://{addr}/")).await.unwrap();
        assert_eq!(
            response.into_body().collect().await.unwrap().to_bytes(),
            "hi"
        );
    });
}

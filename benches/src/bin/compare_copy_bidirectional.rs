//! `copy_bidirectional` throughput: weft's against tokio's, each on its own 2-worker runtime, as
//! the inner loop of a proxy on one loopback connection: client <-> proxy (copy_bidirectional)
//! <-> echo server. The client writes `BYTES` and reads them back at the same time, so both
//! directions of the proxy carry `BYTES`. Interleaved rounds in one process; each library's
//! default buffer sizes (weft 64 KiB, tokio 8 KiB per direction), and tokio with 64 KiB too.
//!
//! `cargo run --release --bin compare_copy_bidirectional -- [rounds] [filter]`

use weft_benches::harness::{self, Bench, Contender};

const WORKERS: usize = 2;
/// Bytes each way per run.
const BYTES: usize = 256 << 20;
/// The client's and the echo server's read/write size.
const CHUNK: usize = 64 << 10;

fn weft_run(rt: &weft::runtime::Runtime) {
    use weft::io::{AsyncReadExt, AsyncWriteExt};
    use weft::net::{TcpListener, TcpStream};
    rt.block_on(async {
        let echo = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let echo_addr = echo.local_addr().unwrap();
        let echo_task = weft::spawn(async move {
            let (mut s, _) = echo.accept().await.unwrap();
            let mut buf = vec![0u8; CHUNK];
            loop {
                let n = s.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                s.write_all(&buf[..n]).await.unwrap();
            }
            s.close().await.unwrap();
        });
        let front = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let front_addr = front.local_addr().unwrap();
        let proxy = weft::spawn(async move {
            let (mut a, _) = front.accept().await.unwrap();
            let mut b = TcpStream::connect(echo_addr).await.unwrap();
            weft::io::copy_bidirectional(&mut a, &mut b).await.unwrap()
        });
        let client = TcpStream::connect(front_addr).await.unwrap();
        let (mut rd, mut wr) = client.into_split();
        let writer = weft::spawn(async move {
            let buf = vec![7u8; CHUNK];
            let mut left = BYTES;
            while left > 0 {
                let n = left.min(CHUNK);
                wr.write_all(&buf[..n]).await.unwrap();
                left -= n;
            }
            wr.close().await.unwrap();
        });
        let mut buf = vec![0u8; CHUNK];
        let mut got = 0;
        loop {
            let n = rd.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            got += n;
        }
        assert_eq!(got, BYTES);
        writer.await.unwrap();
        let (ab, ba) = proxy.await.unwrap();
        assert_eq!((ab, ba), (BYTES as u64, BYTES as u64));
        echo_task.await.unwrap();
    })
}

/// `bufs`: tokio's default (8 KiB) when `None`, else that size in each direction.
fn tokio_run(rt: &tokio::runtime::Runtime, bufs: Option<usize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    rt.block_on(async {
        let echo = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let echo_addr = echo.local_addr().unwrap();
        let echo_task = tokio::spawn(async move {
            let (mut s, _) = echo.accept().await.unwrap();
            let mut buf = vec![0u8; CHUNK];
            loop {
                let n = s.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                s.write_all(&buf[..n]).await.unwrap();
            }
            s.shutdown().await.unwrap();
        });
        let front = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let front_addr = front.local_addr().unwrap();
        let proxy = tokio::spawn(async move {
            let (mut a, _) = front.accept().await.unwrap();
            let mut b = TcpStream::connect(echo_addr).await.unwrap();
            match bufs {
                None => tokio::io::copy_bidirectional(&mut a, &mut b).await.unwrap(),
                Some(n) => tokio::io::copy_bidirectional_with_sizes(&mut a, &mut b, n, n)
                    .await
                    .unwrap(),
            }
        });
        let client = TcpStream::connect(front_addr).await.unwrap();
        let (mut rd, mut wr) = client.into_split();
        let writer = tokio::spawn(async move {
            let buf = vec![7u8; CHUNK];
            let mut left = BYTES;
            while left > 0 {
                let n = left.min(CHUNK);
                wr.write_all(&buf[..n]).await.unwrap();
                left -= n;
            }
            wr.shutdown().await.unwrap();
        });
        let mut buf = vec![0u8; CHUNK];
        let mut got = 0;
        loop {
            let n = rd.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            got += n;
        }
        assert_eq!(got, BYTES);
        writer.await.unwrap();
        let (ab, ba) = proxy.await.unwrap();
        assert_eq!((ab, ba), (BYTES as u64, BYTES as u64));
        echo_task.await.unwrap();
    })
}

fn main() {
    let (rounds, filter) = harness::args(7);
    let weft_rt = weft::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .build()
        .unwrap();
    let tokio_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .unwrap();
    let (w, t) = (&weft_rt, &tokio_rt);
    let mut benches = vec![Bench {
        name: format!(
            "copy_bidirectional: {} MiB each way through a loopback proxy (ops = MiB)",
            BYTES >> 20
        ),
        iters: 1,
        ops: BYTES >> 20,
        contenders: vec![
            Contender::new("weft", move || weft_run(w)),
            Contender::new("tokio", move || tokio_run(t, None)),
            Contender::new("tokio 64K", move || tokio_run(t, Some(64 << 10))),
        ],
    }];
    benches.retain(|b| b.name.contains(&filter));
    let results = harness::run(&mut benches, rounds);
    results.print(rounds);
}

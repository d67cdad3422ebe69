//! Seeing inside a running program: a small TCP server with a deliberately blocking handler.
//!
//! ```text
//! cargo run --example diagnostics
//! ```
//!
//! The server answers each line with its length; a line `block` makes the handler call
//! `std::thread::sleep`, the classic bug of blocking a worker thread inside a task. The runtime is
//! built with a slow-poll threshold, so that poll is reported on stderr (asyncio's debug-mode
//! warning "Executing <Task ...> took 0.2 seconds"), with the task's name and spawn site. Then the
//! program prints a task dump (`python -m asyncio pstree`): every task, its state, age, polls, and
//! what it is waiting on, with the line that waits. While it runs, `kill -QUIT <pid>` prints the
//! same dump from outside (`dump_on_signal`), even while a worker is stuck.

use std::time::Duration;

use weft::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, LinesExt};
use weft::net::{TcpListener, TcpStream};

async fn handle(stream: TcpStream) -> std::io::Result<()> {
    let (read, mut write) = stream.split();
    let mut lines = BufReader::new(read).lines();
    while let Some(line) = lines.next_line().await? {
        if line == "block" {
            // The bug: a blocking call on a worker thread stalls every task queued behind it.
            std::thread::sleep(Duration::from_millis(300));
        }
        write
            .write_all(format!("{}\n", line.len()).as_bytes())
            .await?;
    }
    Ok(())
}

fn main() -> std::io::Result<()> {
    let rt = weft::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .slow_poll_threshold(Duration::from_millis(100))
        .dump_on_signal(weft::signal::unix::SignalKind::quit())
        .build()?;
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        weft::task::Builder::new()
            .name("acceptor")
            .spawn(async move {
                let mut n = 0;
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        return;
                    };
                    n += 1;
                    weft::task::Builder::new()
                        .name(format!("conn-{n}"))
                        .spawn(handle(stream));
                }
            });
        // A background job that waits on a queue nobody fills yet, and one on a timer.
        let (jobs, mut queue) = weft::sync::mpsc::channel::<String>(16);
        weft::task::Builder::new()
            .name("job-runner")
            .spawn(async move { while queue.recv().await.is_some() {} });
        weft::task::Builder::new()
            .name("ticker")
            .spawn(weft::time::sleep(Duration::from_secs(3600)));

        // A client: one quick line, then the one that blocks the server's handler.
        let mut client = TcpStream::connect(addr).await?;
        let mut replies = BufReader::new(&mut client);
        for line in ["hello", "block"] {
            replies
                .get_mut()
                .write_all(format!("{line}\n").as_bytes())
                .await?;
            let mut reply = String::new();
            replies.read_line(&mut reply).await?;
            println!("{line:?} -> {}", reply.trim());
        }

        weft::time::sleep(Duration::from_millis(20)).await;
        println!("\n{}", weft::runtime::Handle::current().dump());
        drop(jobs);
        std::io::Result::Ok(())
    })?;
    Ok(())
}

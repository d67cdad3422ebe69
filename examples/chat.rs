//! A chat server: every line a client sends goes to every other connected client.
//!
//! ```text
//! cargo run --example chat                  # serve on 127.0.0.1:7879; try `nc 127.0.0.1 7879`
//! cargo run --example chat -- 127.0.0.1:9000
//! cargo run --example chat -- --demo        # a server and three scripted clients, then exit
//! ```
//!
//! One `weft::sync::broadcast` channel carries every message. Each connection has a reader (its
//! lines go into the channel) and a writer (the channel's messages, except its own, go out to the
//! socket). A client too slow to keep up misses messages and is told how many
//! (`RecvError::Lagged`) instead of slowing everyone else down.

use std::net::SocketAddr;
use std::time::Duration;

use weft::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use weft::net::{TcpListener, TcpStream};
use weft::sync::broadcast;

/// A chat line and who sent it.
#[derive(Clone, Debug)]
struct Message {
    from: SocketAddr,
    text: String,
}

/// Accepts clients for ever; each gets a reader and a writer task.
async fn serve(listener: TcpListener) {
    let (hub, _) = broadcast::channel::<Message>(256);
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                eprintln!("accept failed: {e}");
                continue;
            }
        };
        let hub = hub.clone();
        weft::spawn(async move {
            let mut inbox = hub.subscribe();
            let (reader, mut writer) = stream.into_split();
            let _ = hub.send(Message {
                from: peer,
                text: format!("* {peer} joined\n"),
            });
            // The writer: everything from the hub but our own lines.
            let out = weft::spawn(async move {
                loop {
                    let message = match inbox.recv().await {
                        Ok(m) => m,
                        Err(broadcast::error::RecvError::Lagged(n)) => Message {
                            from: peer,
                            text: format!("* you missed {n} messages\n"),
                        },
                        Err(broadcast::error::RecvError::Closed) => break,
                    };
                    if message.from == peer && !message.text.starts_with("* you") {
                        continue;
                    }
                    if writer.write_all(message.text.as_bytes()).await.is_err() {
                        break;
                    }
                }
            });
            // The reader: our lines into the hub, until the client leaves.
            let mut lines = BufReader::new(reader);
            let mut line = String::new();
            while let Ok(n) = lines.read_line(&mut line).await {
                if n == 0 {
                    break;
                }
                let text = format!("{peer}: {}", line.trim_end());
                let _ = hub.send(Message {
                    from: peer,
                    text: text + "\n",
                });
                line.clear();
            }
            out.abort();
            let _ = hub.send(Message {
                from: peer,
                text: format!("* {peer} left\n"),
            });
        });
    }
}

/// A scripted client for the demo: says its lines, then prints what it heard.
async fn scripted(addr: SocketAddr, name: &str, lines: &[&str]) -> std::io::Result<Vec<String>> {
    let stream = TcpStream::connect(addr).await?;
    let (reader, mut writer) = stream.into_split();
    // Let everyone join before talking.
    weft::time::sleep(Duration::from_millis(100)).await;
    for line in lines {
        writer
            .write_all(format!("{name} says {line}\n").as_bytes())
            .await?;
        weft::time::sleep(Duration::from_millis(20)).await;
    }
    let mut heard = Vec::new();
    let mut reader = BufReader::new(reader);
    let mut line = String::new();
    // Listen until the room is quiet for 300 ms.
    while let Ok(Ok(n)) =
        weft::time::timeout(Duration::from_millis(300), reader.read_line(&mut line)).await
    {
        if n == 0 {
            break;
        }
        heard.push(line.trim_end().to_owned());
        line.clear();
    }
    Ok(heard)
}

fn main() {
    let arg = std::env::args().nth(1);
    if arg.as_deref() == Some("--demo") {
        weft::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("address");
            let server = weft::spawn(serve(listener));
            let people = [
                ("ada", ["hello", "anyone here?"]),
                ("bob", ["hi ada", "bye"]),
                ("cy", ["hey", "ok"]),
            ];
            let clients: Vec<_> = people
                .iter()
                .map(|&(name, lines)| {
                    weft::spawn(async move { (name, scripted(addr, name, &lines).await) })
                })
                .collect();
            for client in clients {
                let (name, heard) = client.await.expect("a client panicked");
                let heard = heard.expect("the client's connection failed");
                println!("{name} heard {} lines:", heard.len());
                for line in heard {
                    println!("    {line}");
                }
            }
            server.abort();
        });
        return;
    }
    let addr = arg.unwrap_or_else(|| "127.0.0.1:7879".into());
    weft::run(async move {
        let listener = TcpListener::bind(addr.as_str()).await.expect("bind");
        println!("chat server on {}", listener.local_addr().expect("address"));
        serve(listener).await;
    });
}

//! A Redis-protocol (RESP2) key-value server: GET, SET (with EX/PX/NX/XX), DEL, EXISTS, INCR,
//! EXPIRE, TTL, PING, ECHO, PUBLISH/SUBSCRIBE/UNSUBSCRIBE, pipelining, one task per connection.
//!
//! ```text
//! cargo run --release --example kv -- 127.0.0.1:6380
//! redis-cli -p 6380 set greeting hello        # OK
//! redis-cli -p 6380 get greeting              # "hello"
//! redis-benchmark -p 6380 -t set,get -P 16 -c 50 -q
//! ```
//!
//! `resp.rs` parses the protocol without copying, `store.rs` holds the sharded key space and the
//! subscriber registry (no runtime in either), `server.rs` is the weft part: the accept loop and
//! the connection task, which answers a whole batch of pipelined commands with one write.

mod resp;
mod server;
mod store;

fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:6380".to_owned());
    let result = weft::run(async move {
        let listener = weft::net::TcpListener::bind(addr.as_str()).await?;
        println!("kv: listening on {}", listener.local_addr()?);
        server::run(listener).await
    });
    if let Err(e) = result {
        eprintln!("kv: {e}");
        std::process::exit(1);
    }
}

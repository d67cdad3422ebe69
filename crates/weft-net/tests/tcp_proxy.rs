//! `copy_bidirectional` as a TCP proxy: client -> proxy -> echo server and back, byte-exact, with
//! end of stream passed through in both directions.

mod support;

use support::{flavors, join, tcp_echo_once, Tape};
use weft_io::io::{copy_bidirectional, AsyncReadExt, AsyncWriteExt};
use weft_net::{TcpListener, TcpStream};

flavors! {
    async fn proxy_relays_both_ways_until_both_close() {
        let (echo_addr, echo) = tcp_echo_once().await;
        let front = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let front_addr = front.local_addr().unwrap();
        let proxy = weft_runtime::spawn(async move {
            let (mut inbound, _) = front.accept().await.unwrap();
            let mut outbound = TcpStream::connect(echo_addr).await.unwrap();
            copy_bidirectional(&mut inbound, &mut outbound).await.unwrap()
        });
        let tape = Tape::new(7);
        const LEN: usize = 4 << 20;
        let mut data = vec![0u8; LEN];
        tape.read_at(0, &mut data);
        let client = TcpStream::connect(front_addr).await.unwrap();
        let (mut rd, mut wr) = client.into_split();
        let writer = weft_runtime::spawn(async move {
            wr.write_all(&data).await.unwrap();
            wr.close().await.unwrap(); // the proxy passes the end of stream to the server
        });
        let mut back = Vec::new();
        rd.read_to_end(&mut back).await.unwrap(); // ends when the server closes, via the proxy
        join(writer).await;
        assert_eq!(back.len(), LEN);
        assert!(tape.matches(0, &back), "the echo came back byte-exact");
        assert_eq!(join(proxy).await, (LEN as u64, LEN as u64));
        assert_eq!(join(echo).await, LEN as u64);
    }
}

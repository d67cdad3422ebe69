//! Every public type is `Send + Sync + Unpin + Debug`, and every public future is `Send`, so
//! sockets move into spawned tasks and across threads.

use std::fmt::Debug;
use std::future::Future;

use weft_net::{
    tcp, unix, TcpListener, TcpStream, UdpSocket, UnixDatagram, UnixListener, UnixStream,
};

fn assert_type<T: Send + Sync + Unpin + Debug>() {}
fn assert_send_future<F: Future + Send>(_: &F) {}

#[test]
fn public_types_are_send_sync_unpin_debug() {
    assert_type::<TcpListener>();
    assert_type::<TcpStream>();
    assert_type::<UdpSocket>();
    assert_type::<UnixListener>();
    assert_type::<UnixStream>();
    assert_type::<UnixDatagram>();
    assert_type::<tcp::Incoming<'static>>();
    assert_type::<tcp::split::ReadHalf<'static>>();
    assert_type::<tcp::split::WriteHalf<'static>>();
    assert_type::<tcp::split::OwnedReadHalf>();
    assert_type::<tcp::split::OwnedWriteHalf>();
    assert_type::<tcp::split::ReuniteError>();
    assert_type::<unix::Incoming<'static>>();
    assert_type::<unix::split::ReadHalf<'static>>();
    assert_type::<unix::split::WriteHalf<'static>>();
    assert_type::<unix::split::OwnedReadHalf>();
    assert_type::<unix::split::OwnedWriteHalf>();
    assert_type::<unix::split::ReuniteError>();
}

/// Checked at compile time only: the futures are built, never polled (no runtime needed).
#[test]
fn public_futures_are_send() {
    fn check(
        l: &TcpListener,
        s: &TcpStream,
        u: &UdpSocket,
        ul: &UnixListener,
        us: &UnixStream,
        ud: &UnixDatagram,
    ) {
        let mut buf = [0u8; 4];
        assert_send_future(&TcpListener::bind("127.0.0.1:0"));
        assert_send_future(&TcpStream::connect("127.0.0.1:1"));
        assert_send_future(&TcpStream::connect(String::from("localhost:1")));
        assert_send_future(&l.accept());
        assert_send_future(&s.peek(&mut buf));
        assert_send_future(&s.readable());
        assert_send_future(&s.writable());
        assert_send_future(&UdpSocket::bind("127.0.0.1:0"));
        assert_send_future(&u.connect("127.0.0.1:1"));
        assert_send_future(&u.send_to(b"x", "127.0.0.1:1"));
        assert_send_future(&u.recv_from(&mut buf));
        assert_send_future(&ul.accept());
        assert_send_future(&UnixStream::connect("/nonexistent"));
        assert_send_future(&us.peek(&mut buf));
        assert_send_future(&ud.recv_from(&mut buf));
        assert_send_future(&ud.send_to(b"x", "/nonexistent"));
    }
    let _ = check;
}

/// The halves' futures are `Send` too (they forward to the stream's). Compile time only.
#[test]
fn split_half_futures_are_send() {
    fn check(
        rd: &mut tcp::split::ReadHalf<'_>,
        wr: &tcp::split::WriteHalf<'_>,
        ord: &mut unix::split::OwnedReadHalf,
        owr: &unix::split::OwnedWriteHalf,
    ) {
        let mut buf = [0u8; 4];
        assert_send_future(&rd.peek(&mut buf));
        assert_send_future(&rd.readable());
        assert_send_future(&wr.writable());
        assert_send_future(&ord.peek(&mut buf));
        assert_send_future(&ord.readable());
        assert_send_future(&owr.writable());
    }
    let _ = check;
}

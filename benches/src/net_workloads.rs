//! The TCP benchmarks: echo on loopback, client and server in the same runtime, for
//! weft, tokio and smol (async-executor + `async_io::Async<TcpStream>`), and a hand-written
//! single-thread epoll loop as the ceiling. Every socket has TCP_NODELAY set.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener as StdListener, TcpStream as StdStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use futures::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::{Rt, Smol, Tokio, Weft};

/// A running echo server in a runtime: its address and how many connections it accepted.
pub struct Server {
    pub addr: SocketAddr,
    pub accepted: Arc<AtomicUsize>,
}

/// Starts a weft echo server (an accept loop spawning one echo task per connection, each with a
/// `buf`-byte heap buffer) on `rt`; it lives as long as the runtime.
pub fn server_weft(rt: &Weft, buf: usize) -> Server {
    let sp = rt.spawner();
    let accepted = Arc::new(AtomicUsize::new(0));
    let acc = accepted.clone();
    let addr = rt.block_on(Weft::spawn(&sp.clone(), async move {
        let l = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        Weft::detach(Weft::spawn(&sp.clone(), async move {
            loop {
                let (s, _) = l.accept().await.unwrap();
                s.set_nodelay(true).unwrap();
                acc.fetch_add(1, Ordering::Release);
                Weft::detach(Weft::spawn(&sp, async move {
                    let mut b = vec![0u8; buf];
                    loop {
                        match s.read(&mut b).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                if s.write_all(&b[..n]).await.is_err() {
                                    break;
                                }
                            }
                        }
                    }
                }));
            }
        }));
        addr
    }));
    Server { addr, accepted }
}

/// As [`server_weft`], with tokio.
pub fn server_tokio(rt: &Tokio, buf: usize) -> Server {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sp = rt.spawner();
    let accepted = Arc::new(AtomicUsize::new(0));
    let acc = accepted.clone();
    let addr = rt.block_on(Tokio::spawn(&sp.clone(), async move {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        Tokio::detach(Tokio::spawn(&sp.clone(), async move {
            loop {
                let (mut s, _) = l.accept().await.unwrap();
                s.set_nodelay(true).unwrap();
                acc.fetch_add(1, Ordering::Release);
                Tokio::detach(Tokio::spawn(&sp, async move {
                    let mut b = vec![0u8; buf];
                    loop {
                        match s.read(&mut b).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                if s.write_all(&b[..n]).await.is_err() {
                                    break;
                                }
                            }
                        }
                    }
                }));
            }
        }));
        addr
    }));
    Server { addr, accepted }
}

/// As [`server_weft`], with async-io's `Async<TcpListener>` on smol's executor.
pub fn server_smol(rt: &Smol, buf: usize) -> Server {
    let sp = rt.spawner();
    let accepted = Arc::new(AtomicUsize::new(0));
    let acc = accepted.clone();
    let l = async_io::Async::<StdListener>::bind(([127, 0, 0, 1], 0)).unwrap();
    let addr = l.get_ref().local_addr().unwrap();
    Smol::detach(Smol::spawn(&sp.clone(), async move {
        loop {
            let (mut s, _) = l.accept().await.unwrap();
            s.get_ref().set_nodelay(true).unwrap();
            acc.fetch_add(1, Ordering::Release);
            Smol::detach(Smol::spawn(&sp, async move {
                let mut b = vec![0u8; buf];
                loop {
                    match s.read(&mut b).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if s.write_all(&b[..n]).await.is_err() {
                                break;
                            }
                        }
                    }
                }
            }));
        }
    }));
    Server { addr, accepted }
}

/// One echo run: `conns` client tasks connect to `addr`, each does `trips` round trips of a
/// `size`-byte message, then closes.
pub fn echo_weft(rt: &Weft, addr: SocketAddr, conns: usize, size: usize, trips: usize) {
    let sp = rt.spawner();
    rt.block_on(Weft::spawn(&sp.clone(), async move {
        let hs: Vec<_> = (0..conns)
            .map(|_| {
                Weft::spawn(&sp, async move {
                    let s = weft::net::TcpStream::connect(addr).await.unwrap();
                    s.set_nodelay(true).unwrap();
                    let msg = vec![7u8; size];
                    let mut back = vec![0u8; size];
                    for _ in 0..trips {
                        s.write_all(&msg).await.unwrap();
                        s.read_exact(&mut back).await.unwrap();
                    }
                })
            })
            .collect();
        for h in hs {
            h.await;
        }
    }));
}

/// As [`echo_weft`], with tokio.
pub fn echo_tokio(rt: &Tokio, addr: SocketAddr, conns: usize, size: usize, trips: usize) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sp = rt.spawner();
    rt.block_on(Tokio::spawn(&sp.clone(), async move {
        let hs: Vec<_> = (0..conns)
            .map(|_| {
                Tokio::spawn(&sp, async move {
                    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
                    s.set_nodelay(true).unwrap();
                    let msg = vec![7u8; size];
                    let mut back = vec![0u8; size];
                    for _ in 0..trips {
                        s.write_all(&msg).await.unwrap();
                        s.read_exact(&mut back).await.unwrap();
                    }
                })
            })
            .collect();
        for h in hs {
            h.await;
        }
    }));
}

/// As [`echo_weft`], with async-io on smol's executor.
pub fn echo_smol(rt: &Smol, addr: SocketAddr, conns: usize, size: usize, trips: usize) {
    let sp = rt.spawner();
    rt.block_on(Smol::spawn(&sp.clone(), async move {
        let hs: Vec<_> = (0..conns)
            .map(|_| {
                Smol::spawn(&sp, async move {
                    let mut s = async_io::Async::<StdStream>::connect(addr).await.unwrap();
                    s.get_ref().set_nodelay(true).unwrap();
                    let msg = vec![7u8; size];
                    let mut back = vec![0u8; size];
                    for _ in 0..trips {
                        s.write_all(&msg).await.unwrap();
                        s.read_exact(&mut back).await.unwrap();
                    }
                })
            })
            .collect();
        for h in hs {
            h.await;
        }
    }));
}

// ------------------------------------------------------------------ the epoll ceiling

struct Conn {
    sock: StdStream,
    client: bool,
    out: Vec<u8>,
    out_pos: usize,
    want_out: bool,
    got: usize,
    left: usize,
    open: bool,
}

fn ctl(ep: i32, op: i32, fd: i32, events: u32, token: usize) {
    let mut ev = libc::epoll_event {
        events,
        u64: token as u64,
    };
    // SAFETY: ep and fd are open descriptors; ev is a valid epoll_event for the call.
    let r = unsafe { libc::epoll_ctl(ep, op, fd, &mut ev) };
    assert_eq!(r, 0, "epoll_ctl: {}", io::Error::last_os_error());
}

impl Conn {
    /// Writes pending output; arms EPOLLOUT while the socket is full.
    fn flush(&mut self, ep: i32, token: usize) {
        while self.out_pos < self.out.len() {
            match self.sock.write(&self.out[self.out_pos..]) {
                Ok(n) => self.out_pos += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if !self.want_out {
                        let ev = (libc::EPOLLIN | libc::EPOLLOUT) as u32;
                        ctl(ep, libc::EPOLL_CTL_MOD, self.sock.as_raw_fd(), ev, token);
                        self.want_out = true;
                    }
                    return;
                }
                Err(e) => panic!("epoll ceiling write: {e}"),
            }
        }
        self.out.clear();
        self.out_pos = 0;
        if self.want_out {
            ctl(
                ep,
                libc::EPOLL_CTL_MOD,
                self.sock.as_raw_fd(),
                libc::EPOLLIN as u32,
                token,
            );
            self.want_out = false;
        }
    }
}

/// The ceiling: one thread, non-blocking sockets, level-triggered epoll, client and server ends
/// of every connection in the same loop.
pub struct EpollCeiling {
    listener: StdListener,
}

impl Default for EpollCeiling {
    fn default() -> Self {
        Self::new()
    }
}

impl EpollCeiling {
    pub fn new() -> Self {
        EpollCeiling {
            listener: StdListener::bind("127.0.0.1:0").unwrap(),
        }
    }

    /// One echo run with the same shape as [`echo_weft`] (connections made with blocking
    /// connect/accept, then the loop).
    pub fn echo(&self, conns: usize, size: usize, trips: usize) {
        let addr = self.listener.local_addr().unwrap();
        let mut all: Vec<Conn> = Vec::with_capacity(2 * conns);
        let mut servers = Vec::with_capacity(conns);
        for _ in 0..conns {
            let c = StdStream::connect(addr).unwrap();
            let (s, _) = self.listener.accept().unwrap();
            for (sock, client) in [(c, true), (s, false)] {
                sock.set_nodelay(true).unwrap();
                sock.set_nonblocking(true).unwrap();
                let conn = Conn {
                    sock,
                    client,
                    out: Vec::with_capacity(size),
                    out_pos: 0,
                    want_out: false,
                    got: 0,
                    left: trips,
                    open: true,
                };
                if client {
                    all.push(conn);
                } else {
                    servers.push(conn);
                }
            }
        }
        all.extend(servers);
        // SAFETY: plain syscall, no pointers.
        let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        assert!(ep >= 0, "epoll_create1: {}", io::Error::last_os_error());
        let msg = vec![7u8; size];
        for (i, c) in all.iter_mut().enumerate() {
            ctl(
                ep,
                libc::EPOLL_CTL_ADD,
                c.sock.as_raw_fd(),
                libc::EPOLLIN as u32,
                i,
            );
            if c.client {
                c.out.extend_from_slice(&msg);
                c.flush(ep, i);
            }
        }
        let mut scratch = vec![0u8; 64 * 1024];
        let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 256];
        let mut done = 0;
        while done < conns {
            // SAFETY: events has room for 256 entries; ep is open.
            let n = unsafe { libc::epoll_wait(ep, events.as_mut_ptr(), events.len() as i32, -1) };
            if n < 0 {
                let e = io::Error::last_os_error();
                assert_eq!(e.kind(), io::ErrorKind::Interrupted, "epoll_wait: {e}");
                continue;
            }
            for ev in &events[..n as usize] {
                let (i, bits) = (ev.u64 as usize, ev.events);
                let c = &mut all[i];
                if !c.open {
                    continue;
                }
                if bits & libc::EPOLLOUT as u32 != 0 {
                    c.flush(ep, i);
                }
                if bits & (libc::EPOLLIN | libc::EPOLLHUP | libc::EPOLLERR) as u32 == 0 {
                    continue;
                }
                loop {
                    match c.sock.read(&mut scratch) {
                        Ok(0) => {
                            assert!(!c.client, "epoll ceiling: server closed early");
                            ctl(ep, libc::EPOLL_CTL_DEL, c.sock.as_raw_fd(), 0, i);
                            c.open = false;
                            break;
                        }
                        Ok(k) if c.client => {
                            c.got += k;
                            if c.got == size {
                                c.got = 0;
                                c.left -= 1;
                                if c.left == 0 {
                                    done += 1;
                                    ctl(ep, libc::EPOLL_CTL_DEL, c.sock.as_raw_fd(), 0, i);
                                    c.open = false;
                                    break;
                                }
                                c.out.extend_from_slice(&msg);
                                c.flush(ep, i);
                            }
                        }
                        Ok(k) => {
                            c.out.extend_from_slice(&scratch[..k]);
                            c.flush(ep, i);
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) => panic!("epoll ceiling read: {e}"),
                    }
                }
            }
        }
        // SAFETY: ep is ours and open.
        unsafe { libc::close(ep) };
    }
}

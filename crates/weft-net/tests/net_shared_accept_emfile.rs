//! Several tasks accepting on one shared listener all come back after the process ran out of
//! descriptors (TCP and Unix, 2 and 8 tasks, both flavours).
//!
//! Each test re-runs this binary as a child process (selected by [`CHILD_ENV`]) whose descriptor
//! limit is lowered, so only the child runs out. The child's tasks accept on one listener and
//! keep every connection open; the parent floods it with more connections than it can hold, so
//! its accepts fail with `EMFILE` and the listener backs off, again and again. Then the child
//! closes the connections it holds, freeing descriptors, while the kernel's queue still holds
//! plenty of connections: each task must accept one of them. A task whose wake-up at the end of
//! a back-off pause was lost never does, and the child reports how many did.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::child::{self as child_process, ChildTest};
use support::Flavor;
use weft_net::{TcpListener, TcpStream, UnixListener, UnixStream};

const CHILD_ENV: &str = "WEFT_NET_SHARED_ACCEPT_CHILD";
/// Descriptors the child may open beyond those it holds once its listener is up.
const HEADROOM: u64 = 16;
/// Connections the parent opens: more than the child can hold, fewer than a Unix listener's
/// backlog (a blocking Unix `connect` to a full queue would wait).
const FLOOD: usize = 100;
/// How long the child keeps failing with `EMFILE` before it frees descriptors: many back-off
/// pauses (50 ms each), so every task has waited out several.
const FLOODED_FOR: Duration = Duration::from_millis(600);
/// How long every task gets to accept again once descriptors are free.
const AGAIN_WITHIN: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy)]
enum Family {
    Tcp,
    Unix,
}

/// Writes each test for both flavours; the child is told apart by the test's full name.
macro_rules! shared_accept_tests {
    ($($name:ident: $family:expr, $tasks:expr;)*) => {
        mod current_thread {
            use super::*;
            $(
                #[test]
                fn $name() {
                    let name = concat!("current_thread::", stringify!($name));
                    shared_accept(Flavor::CurrentThread, $family, $tasks, name);
                }
            )*
        }

        mod multi_thread {
            use super::*;
            $(
                #[test]
                fn $name() {
                    let name = concat!("multi_thread::", stringify!($name));
                    shared_accept(Flavor::MultiThread, $family, $tasks, name);
                }
            )*
        }
    };
}

shared_accept_tests! {
    two_tcp_acceptors_accept_again_after_emfile: Family::Tcp, 2;
    eight_tcp_acceptors_accept_again_after_emfile: Family::Tcp, 8;
    two_unix_acceptors_accept_again_after_emfile: Family::Unix, 2;
    eight_unix_acceptors_accept_again_after_emfile: Family::Unix, 8;
}

fn shared_accept(flavor: Flavor, family: Family, tasks: usize, name: &str) {
    if child_process::is_child(CHILD_ENV) {
        child(flavor, family, tasks);
    } else {
        parent(family, tasks, name);
    }
}

/// A listener of either family, shared by the accepting tasks.
enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener),
}

/// An accepted connection, held open to keep its descriptor in use.
enum Conn {
    Tcp(#[allow(dead_code)] TcpStream),
    Unix(#[allow(dead_code)] UnixStream),
}

impl Listener {
    async fn accept(&self) -> std::io::Result<Conn> {
        match self {
            Listener::Tcp(l) => l.accept().await.map(|(s, _)| Conn::Tcp(s)),
            Listener::Unix(l) => l.accept().await.map(|(s, _)| Conn::Unix(s)),
        }
    }
}

/// The child: `tasks` tasks accept on one listener, keeping every connection in `held` until the
/// flood has gone on for [`FLOODED_FOR`]; then `held` is dropped and each task returns after the
/// next connection it accepts. Prints `LISTENING <addr>`, `FREEING ...`, `UNEXPECTED ERRORS <n>`
/// (accept errors other than `EMFILE`/`ENFILE`) and `ACCEPTED AGAIN <n> OF <tasks>`.
fn child(flavor: Flavor, family: Family, tasks: usize) {
    let (rt, _io) = support::runtime(flavor);
    let dir = support::TempDir::new();
    rt.block_on(async move {
        let (listener, addr) = match family {
            Family::Tcp => {
                let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = l.local_addr().unwrap().to_string();
                (Listener::Tcp(l), addr)
            }
            Family::Unix => {
                let path = dir.path("shared.sock");
                let l = UnixListener::bind(&path).unwrap();
                (Listener::Unix(l), path.to_str().unwrap().to_owned())
            }
        };
        let listener = Arc::new(listener);
        // `Some` while the flood is held; `None` once descriptors were freed.
        let held: Arc<Mutex<Option<Vec<Conn>>>> = Arc::new(Mutex::new(Some(Vec::new())));
        let errors = Arc::new(AtomicUsize::new(0));
        let unexpected = Arc::new(AtomicUsize::new(0));
        let again = Arc::new(AtomicUsize::new(0));
        child_process::limit_descriptors(HEADROOM);
        for _ in 0..tasks {
            let (listener, held) = (listener.clone(), held.clone());
            let (errors, again) = (errors.clone(), again.clone());
            let unexpected = unexpected.clone();
            weft_runtime::spawn(async move {
                loop {
                    match listener.accept().await {
                        Ok(conn) => match held.lock().unwrap().as_mut() {
                            Some(flood) => flood.push(conn),
                            None => {
                                again.fetch_add(1, Ordering::SeqCst);
                                return;
                            }
                        },
                        Err(e) if matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE)) => {
                            errors.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(e) => {
                            unexpected.fetch_add(1, Ordering::SeqCst);
                            eprintln!("unexpected accept error: {e}");
                        }
                    }
                }
            });
        }
        println!("LISTENING {addr}");

        // Out of descriptors for a while: every task runs into the back-off several times.
        while errors.load(Ordering::SeqCst) == 0 {
            weft_io::time::sleep(Duration::from_millis(5)).await;
        }
        weft_io::time::sleep(FLOODED_FOR).await;
        let flood = held.lock().unwrap().take().unwrap();
        println!(
            "FREEING {} connections after {} accept errors",
            flood.len(),
            errors.load(Ordering::SeqCst)
        );
        drop(flood);

        // Every task accepts again (the kernel's queue holds the rest of the flood).
        let deadline = std::time::Instant::now() + AGAIN_WITHIN;
        while again.load(Ordering::SeqCst) < tasks && std::time::Instant::now() < deadline {
            weft_io::time::sleep(Duration::from_millis(5)).await;
        }
        println!("UNEXPECTED ERRORS {}", unexpected.load(Ordering::SeqCst));
        println!("ACCEPTED AGAIN {} OF {tasks}", again.load(Ordering::SeqCst));
    });
}

/// The parent: floods the child's listener with [`FLOOD`] connections, holds them open, and
/// checks that every accepting task came back.
fn parent(family: Family, tasks: usize, name: &str) {
    support::raise_fd_limit();
    let child = ChildTest::spawn(name, CHILD_ENV);
    let addr = child.after_marker("LISTENING ", Duration::from_secs(30), "the child's address");
    let mut flood: Vec<Box<dyn Send>> = Vec::with_capacity(FLOOD);
    for _ in 0..FLOOD {
        flood.push(match family {
            Family::Tcp => Box::new(std::net::TcpStream::connect(&addr).expect("connect")),
            Family::Unix => {
                Box::new(std::os::unix::net::UnixStream::connect(&addr).expect("connect"))
            }
        });
    }
    let freed = child.after_marker("FREEING ", Duration::from_secs(30), "the flood phase");
    let limit = AGAIN_WITHIN + Duration::from_secs(20);
    let unexpected = child.after_marker("UNEXPECTED ERRORS ", limit, "the accept-again phase");
    let again = child.after_marker("ACCEPTED AGAIN ", limit, "the accept-again phase");
    assert_eq!(
        unexpected, "0",
        "accept failed other than with EMFILE (see stderr)"
    );
    assert!(
        !freed.starts_with(&format!("{FLOOD} ")),
        "the child held all {FLOOD} connections: the descriptor limit did not bite ({freed})"
    );
    assert_eq!(
        again,
        format!("{tasks} OF {tasks}"),
        "after running out of descriptors ({freed}), not every accepting task accepted again"
    );
    drop(flood);
}

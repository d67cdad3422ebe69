//! Instructions per `Pending` with and without the task-dump record, for callgrind:
//!
//! ```text
//! cargo build --release -p weft-runtime --example pending_cost
//! valgrind --tool=callgrind target/release/examples/pending_cost MODE N
//! ```
//!
//! One task on a current-thread runtime yields `N` times (it wakes itself and returns `Pending`):
//! `bare` records nothing; `site` records a `WaitSite` made once (what a resource future does
//! per `Pending`: one store); `wait_on` wraps each yield in `wait_on` (the site is made per
//! future, then recorded). Take `(Ir(3N) - Ir(N)) / 2N` per mode; the differences are the
//! record's cost.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use weft_core::task::{wait_on, Resource, WaitSite};

/// Returns `Pending` once (after waking itself), then `Ready`.
struct YieldOnce {
    yielded: bool,
    site: Option<WaitSite>,
}

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        if let Some(site) = self.site {
            site.record();
        }
        Poll::Pending
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().expect("MODE: bare, site or wait_on");
    let n: usize = args.next().and_then(|s| s.parse().ok()).expect("N");
    let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
    let site = WaitSite::caller(Resource::Sleep);
    // Decided once, so each mode's loop costs the same besides the record.
    let mode = match mode.as_str() {
        "bare" => 0,
        "site" => 1,
        "wait_on" => 2,
        other => panic!("unknown mode {other:?}: bare, site or wait_on"),
    };
    let task = rt.spawn(async move {
        for _ in 0..n {
            let once = |site| YieldOnce {
                yielded: false,
                site,
            };
            match mode {
                0 => once(None).await,
                1 => once(Some(site)).await,
                _ => wait_on(Resource::Sleep, once(None)).await,
            }
        }
    });
    rt.block_on(task).unwrap();
}

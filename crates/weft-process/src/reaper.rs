//! Reaping children whose `Child` was dropped before their exit was collected, so that none is
//! left a zombie.
//!
//! ```text
//!   Child dropped, still running --> task on the runtime it was spawned on: wait, reap
//!                                        | the runtime is gone or shuts down first
//!                                        v
//!                                    a thread blocked in waitpid for that one child
//!                                        | no thread could be started
//!                                        v
//!                                    LEFT: tried again at every later spawn and drop
//! ```

use std::future::poll_fn;
use std::process::Child as StdChild;

use weft_core::loom::sync::Mutex;

use crate::child::Process;

/// Children no task or thread could take: `try_wait`ed at every spawn and every adoption.
static LEFT: Mutex<Vec<StdChild>> = Mutex::new(Vec::new());

/// Takes over a still-running process whose `Child` is being dropped.
pub(crate) fn adopt(process: Process) {
    sweep();
    let runtime = process.runtime.clone();
    let orphan = Orphan(Some(process));
    match runtime {
        // A runtime that shut down drops the task at once: `Orphan::drop` takes over.
        Some(runtime) => drop(runtime.spawn(orphan.reap())),
        None => drop(orphan),
    }
}

/// Collects the exits of the children left in [`LEFT`] that have ended.
pub(crate) fn sweep() {
    let mut left = LEFT.lock();
    left.retain_mut(|child| matches!(child.try_wait(), Ok(None)));
}

/// A process being reaped in the background; if dropped unreaped (its runtime shut down), a
/// thread takes it.
struct Orphan(Option<Process>);

impl Orphan {
    async fn reap(mut self) {
        let process = self
            .0
            .as_mut()
            .expect("an orphan holds its process until reaped");
        if poll_fn(|cx| process.poll_wait(cx)).await.is_ok() {
            self.0 = None;
        }
    }
}

impl Drop for Orphan {
    fn drop(&mut self) {
        if let Some(process) = self.0.take() {
            wait_on_a_thread(process.std);
        }
    }
}

fn wait_on_a_thread(mut child: StdChild) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    let (tx, rx) = std::sync::mpsc::channel::<StdChild>();
    let spawned = std::thread::Builder::new()
        .name("weft-process-reaper".into())
        .spawn(move || {
            if let Ok(mut child) = rx.recv() {
                let _ = child.wait();
            }
        });
    match spawned {
        Ok(_) => {
            // The thread is alive and waits for the child on the channel.
            let _ = tx.send(child);
        }
        Err(_) => LEFT.lock().push(child),
    }
}

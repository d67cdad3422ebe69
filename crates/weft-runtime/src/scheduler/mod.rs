//! The two schedulers and what they share, behind one [`Handle`] enum.
//!
//! ```text
//!   scheduler::Handle ──> current_thread::Shared ─┐
//!                    └──> multi_thread::Shared ───┴─> common::Common (registry, blocking pool,
//!                                                     park hook, config)
//! ```
//!
//! Each flavour's file names only `common` and `cancel` of its siblings; this file names the
//! flavours; nothing here names the public [`Handle`](crate::Handle) or the thread context, which
//! sit above (so the files form no cycle).

pub(crate) mod cancel;
pub(crate) mod common;
pub(crate) mod current_thread;
pub(crate) mod local_inbox;
pub(crate) mod multi_thread;

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use weft_core::task::{JoinHandle, SpawnOptions};

use self::common::{Common, TaskHook};
use crate::config::RuntimeFlavor;

/// A runtime's scheduler, by flavour: what the public [`Handle`](crate::Handle) wraps and what the
/// thread context holds.
#[derive(Clone)]
pub(crate) enum Handle {
    CurrentThread(Arc<current_thread::Shared>),
    MultiThread(Arc<multi_thread::Shared>),
}

impl Handle {
    /// Spawns a `Send` future onto this runtime.
    pub(crate) fn spawn<F>(&self, future: F, opts: SpawnOptions) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self {
            Handle::CurrentThread(s) => TaskHook::spawn(s, future, opts),
            Handle::MultiThread(s) => TaskHook::spawn(s, future, opts),
        }
    }

    /// The state both flavours have.
    pub(crate) fn common(&self) -> &Common {
        match self {
            Handle::CurrentThread(s) => &s.common,
            Handle::MultiThread(s) => &s.common,
        }
    }

    /// Live tasks (local ones and those of attached `LocalSet`s included).
    pub(crate) fn num_live_tasks(&self) -> usize {
        let n = self.common().registry.len() + self.common().local_sets.live();
        match self {
            Handle::CurrentThread(s) => n + s.local_registry.len(),
            Handle::MultiThread(_) => n,
        }
    }

    /// Tasks spawned since the start (local ones and those of attached `LocalSet`s included).
    pub(crate) fn spawned_tasks_count(&self) -> u64 {
        let n = self.common().registry.spawned() + self.common().local_sets.spawned();
        match self {
            Handle::CurrentThread(s) => n + s.local_registry.spawned(),
            Handle::MultiThread(_) => n,
        }
    }

    /// Tasks in the global queue(s).
    pub(crate) fn global_queue_depth(&self) -> usize {
        match self {
            Handle::CurrentThread(s) => s.global_queue_depth(),
            Handle::MultiThread(s) => s.global_queue_depth(),
        }
    }

    pub(crate) fn flavor(&self) -> RuntimeFlavor {
        match self {
            Handle::CurrentThread(_) => RuntimeFlavor::CurrentThread,
            Handle::MultiThread(_) => RuntimeFlavor::MultiThread,
        }
    }

    /// Shuts the runtime down (idempotent); see [`Runtime`](crate::Runtime).
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) {
        match self {
            Handle::CurrentThread(s) => s.shutdown(timeout),
            Handle::MultiThread(s) => s.shutdown(timeout),
        }
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Handle").field(&self.flavor()).finish()
    }
}

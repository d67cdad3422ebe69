//! Tasks: asyncio's `Task`. Spawn them, await their [`JoinHandle`]s, cancel them with
//! [`JoinHandle::abort`].
//!
//! | weft | asyncio |
//! |---|---|
//! | [`spawn`] | `asyncio.create_task` |
//! | [`JoinHandle`] | `asyncio.Task` |
//! | [`JoinError::is_cancelled`] | `CancelledError` |
//! | [`yield_now`] | `await asyncio.sleep(0)` |
//! | [`Builder::name`] | `create_task(name=...)` |
//!
//! # Examples
//!
//! ```
//! weft::block_on(async {
//!     let task = weft::task::Builder::new().name("worker").spawn(async { "done" });
//!     assert_eq!(task.await.unwrap(), "done");
//!
//!     let sleeper = weft::spawn(std::future::pending::<()>());
//!     sleeper.abort();
//!     assert!(sleeper.await.unwrap_err().is_cancelled());
//! });
//! ```

pub use crate::join_set::JoinSet;
pub use crate::task_group::TaskGroup;
pub use weft_core::future::yield_now;
pub use weft_core::task::{JoinError, JoinHandle, TaskId};
pub use weft_runtime::task::Builder;
pub use weft_runtime::{spawn, spawn_blocking, spawn_local};

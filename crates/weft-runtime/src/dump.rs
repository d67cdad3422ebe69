//! Task dumps ([`Handle::dump`](crate::Handle::dump)): every live task with what it waits on,
//! asyncio's `all_tasks()` and `python -m asyncio pstree`.
//!
//! A dump copies the registry's references shard by shard (each shard's lock held only for a
//! reference-count increment per task), then reads each task's header without any lock: the
//! state word, the poll count and what its last poll waited on (weft-core's `WaitingOn`, written
//! by weft's resource futures). Spawns and polls go on meanwhile; nothing stops the world.
//!
//! A task's age comes from its spawn stamp on the runtime's coarse clock, which the workers
//! set whenever they read the clock anyway (when they park and wake, and every few hundred polls
//! while busy), so spawning reads no clock.

use std::fmt;
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

pub use weft_core::task::{Resource, TaskState, WaitingOn};
use weft_core::task::{TaskId, TaskRef};

/// A clock the workers set when they read the time anyway; read (one relaxed load) by spawns.
/// Its unit, the millisecond, is the resolution ages are shown with (and what lets the registry
/// keep a stamp in 40 bits: 34 years).
pub(crate) struct CoarseClock {
    epoch: Instant,
    /// Milliseconds since `epoch`, as of the last `set`.
    millis: AtomicU64,
}

impl CoarseClock {
    pub(crate) fn new() -> CoarseClock {
        CoarseClock {
            epoch: Instant::now(),
            millis: AtomicU64::new(0),
        }
    }

    /// Moves the clock to `now`, if that is a later millisecond than it reads (never backwards:
    /// another thread may have set a later time). Writing at most once a millisecond keeps the
    /// clock's cache line shared by the spawning workers instead of bouncing between them at
    /// every park and wake.
    #[inline]
    pub(crate) fn set(&self, now: Instant) {
        let millis = now.saturating_duration_since(self.epoch).as_millis() as u64;
        if millis > self.millis.load(Relaxed) {
            self.millis.store(millis, Relaxed);
        }
    }

    /// The stamp for a task spawned now: milliseconds since the runtime started.
    #[inline(always)]
    pub(crate) fn stamp(&self) -> u64 {
        self.millis.load(Relaxed)
    }

    fn age(&self, stamp: u64, now: Instant) -> Duration {
        let now = now.saturating_duration_since(self.epoch).as_millis() as u64;
        Duration::from_millis(now.saturating_sub(stamp))
    }
}

/// A snapshot of one live task, for diagnostics ([`Handle::dump`](crate::Handle::dump),
/// [`Handle::live_tasks`](crate::Handle::live_tasks)).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TaskInfo {
    /// The task's id.
    pub id: TaskId,
    /// The name given with `task::Builder::name`, if any.
    pub name: Option<String>,
    /// Where the task was spawned.
    pub spawned_at: &'static Location<'static>,
    /// Idle (waiting to be woken), scheduled (in a queue) or running (being polled).
    pub state: TaskState,
    /// How long ago it was spawned (to the runtime's coarse clock: about a millisecond on a
    /// busy runtime; a task spawned from outside while every worker slept is dated from the
    /// moment they went to sleep).
    pub age: Duration,
    /// How many times it has been polled.
    pub polls: u32,
    /// The weft resource its last poll waited on and the line that awaits it, if its last poll
    /// waited on a weft resource (shown for idle tasks only: a scheduled or running task is not
    /// waiting).
    pub waiting_on: Option<WaitingOn>,
}

impl TaskInfo {
    pub(crate) fn new(task: &TaskRef, stamp: u64, clock: &CoarseClock, now: Instant) -> TaskInfo {
        let state = task.state();
        TaskInfo {
            id: task.id(),
            name: task.name().map(str::to_owned),
            spawned_at: task.location(),
            state,
            age: clock.age(stamp, now),
            polls: task.polls(),
            waiting_on: match state {
                TaskState::Idle => task.waiting_on(),
                _ => None,
            },
        }
    }

    /// One line of the dump's table (without the header), columns as [`TaskDump`]'s `Display`.
    fn row(&self) -> [String; 7] {
        [
            self.id.to_string(),
            self.name.clone().unwrap_or_else(|| "-".to_owned()),
            self.state.as_str().to_owned(),
            format_age(self.age),
            self.polls.to_string(),
            self.spawned_at.to_string(),
            self.waiting_on
                .map_or_else(|| "-".to_owned(), |w| w.to_string()),
        ]
    }
}

impl fmt::Display for TaskInfo {
    /// One line: `task 7 ("fetch") idle 2.1s, 3 polls, spawned at src/main.rs:12, waiting on
    /// recv at src/main.rs:20`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.id)?;
        if let Some(name) = &self.name {
            write!(f, " ({name:?})")?;
        }
        write!(
            f,
            " {} {}, {} polls, spawned at {}",
            self.state.as_str(),
            format_age(self.age),
            self.polls,
            self.spawned_at
        )?;
        if let Some(w) = &self.waiting_on {
            write!(f, ", waiting on {w}")?;
        }
        Ok(())
    }
}

fn format_age(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else if d < Duration::from_secs(120) {
        format!("{:.1}s", d.as_secs_f64())
    } else {
        format!("{}m{:02}s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

/// Every live task of a runtime ([`Handle::dump`](crate::Handle::dump)), by id. `Display` prints
/// an aligned table:
///
/// ```text
/// ID  NAME      STATE  AGE    POLLS  SPAWNED AT          WAITING ON
/// 3   acceptor  idle   2.3s   14     src/main.rs:21:5    accept at src/main.rs:24:38
/// 9   -         idle   812ms  2      src/main.rs:30:9    recv at src/main.rs:33:26
/// ```
///
/// # Examples
///
/// ```
/// let rt = weft_runtime::Builder::new_current_thread().build().unwrap();
/// let _task = weft_runtime::task::Builder::new()
///     .name("waiter")
///     .spawn_on(std::future::pending::<()>(), rt.handle());
/// let dump = rt.handle().dump();
/// assert_eq!(dump.tasks().len(), 1);
/// assert_eq!(dump.tasks()[0].name.as_deref(), Some("waiter"));
/// println!("{dump}");
/// ```
#[derive(Debug, Clone, Default)]
pub struct TaskDump {
    tasks: Vec<TaskInfo>,
}

impl TaskDump {
    pub(crate) fn new(mut tasks: Vec<TaskInfo>) -> TaskDump {
        tasks.sort_by_key(|t| t.id);
        TaskDump { tasks }
    }

    /// The tasks, by id.
    pub fn tasks(&self) -> &[TaskInfo] {
        &self.tasks
    }

    /// The tasks, by id.
    pub fn into_tasks(self) -> Vec<TaskInfo> {
        self.tasks
    }

    /// The number of tasks.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether no task was alive.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }
}

const HEADERS: [&str; 7] = [
    "ID",
    "NAME",
    "STATE",
    "AGE",
    "POLLS",
    "SPAWNED AT",
    "WAITING ON",
];

impl fmt::Display for TaskDump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows: Vec<[String; 7]> = self.tasks.iter().map(TaskInfo::row).collect();
        let mut widths = HEADERS.map(str::len);
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |f: &mut fmt::Formatter<'_>, cells: [&str; 7]| -> fmt::Result {
            let mut out = String::new();
            for (i, cell) in cells.iter().enumerate() {
                if i + 1 == cells.len() {
                    out.push_str(cell);
                } else {
                    out.push_str(&format!("{cell:<w$}  ", w = widths[i]));
                }
            }
            writeln!(f, "{}", out.trim_end())
        };
        line(f, HEADERS)?;
        for row in &rows {
            line(f, row.each_ref().map(String::as_str))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_as_a_person_would_write_them() {
        assert_eq!(format_age(Duration::from_millis(812)), "812ms");
        assert_eq!(format_age(Duration::from_millis(2345)), "2.3s");
        assert_eq!(format_age(Duration::from_secs(3725)), "62m05s");
    }
}

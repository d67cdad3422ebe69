//! `JoinHandle` (await a task's output) and `JoinError` (why there is none).

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{ready, Context, Poll};

use super::cell::Header;
use super::{AbortHandle, TaskId, TaskRef};

/// An owned permission to await a task's output.
///
/// Awaiting it gives `Ok(output)`, or a [`JoinError`] if the task panicked or was cancelled.
/// Dropping it **detaches** the task: it keeps running and its output is dropped when it finishes
/// (a panic nobody will see is reported through [`Schedule::unhandled_panic`](super::Schedule)).
/// Polling it consumes one unit of the [cooperative budget](crate::coop).
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use weft_core::task::{self, Runnable, Schedule, ScheduleInfo, SpawnOptions};
///
/// #[derive(Default)]
/// struct Queue(Mutex<Vec<Runnable>>);
/// impl Schedule for Queue {
///     fn schedule(&self, task: Runnable, _info: ScheduleInfo) {
///         self.0.lock().unwrap().push(task);
///     }
/// }
///
/// let queue = Arc::new(Queue::default());
/// let (runnable, handle) = task::spawn(
///     async { panic!("boom") },
///     queue,
///     SpawnOptions::new().name("fetch"),
/// );
/// runnable.run(); // the panic is caught
/// let err = futures_executor::block_on(handle).unwrap_err();
/// assert!(err.is_panic());
/// assert!(err.to_string().ends_with("(\"fetch\") panicked: boom"));
/// ```
///
/// # Panics
///
/// Polling the handle again after it returned `Ready` panics.
///
/// # Cancel safety
///
/// Dropping a pending `poll`/`.await` of the handle loses nothing: the output stays in the task
/// until the handle is polled again or dropped.
///
/// # Invariants
///
/// `raw`, with bit 0 (`TAKEN`) cleared, points to a live task cell whose future's output is
/// `T`, and this value owns one of its references and its `JOIN_INTEREST` bit. Bit 0 is set once
/// `poll` returned `Ready`: the output was taken out of the cell.
pub struct JoinHandle<T> {
    raw: NonNull<Header>,
    _output: PhantomData<T>,
}

/// The bit of `JoinHandle::raw` that says the output was taken: the cell keeps no mark of its own
/// (its stage has no tag), and the handle, the output's only reader, knows. Free in the pointer,
/// since headers are aligned to 8.
const TAKEN: usize = 1;

const _: () = assert!(std::mem::align_of::<Header>() > TAKEN);

// SAFETY: the handle only moves a `T` out of the cell (rule 4); sending the handle sends the T.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` only reads the state word or aborts; it never touches the output.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// Wraps the handle's reference.
    ///
    /// # Safety
    ///
    /// `raw` is a freshly spawned cell whose output type is `T`; the caller hands over the
    /// reference and `JOIN_INTEREST` bit set aside for the handle.
    pub(super) unsafe fn new(raw: NonNull<Header>) -> JoinHandle<T> {
        JoinHandle {
            raw,
            _output: PhantomData,
        }
    }

    /// The cell's header pointer (without the [`TAKEN`] bit).
    #[inline]
    fn ptr(&self) -> NonNull<Header> {
        // SAFETY: clearing bit 0 of the address of an aligned header leaves it non-null.
        unsafe { NonNull::new_unchecked(self.raw.as_ptr().map_addr(|a| a & !TAKEN)) }
    }

    /// Whether `poll` returned `Ready` (the output was taken).
    #[inline]
    fn taken(&self) -> bool {
        self.raw.as_ptr().addr() & TAKEN != 0
    }

    fn header(&self) -> &Header {
        // SAFETY: invariant: we own a reference.
        unsafe { Header::from_ptr(self.ptr()) }
    }

    /// Aborts the task. An idle task is cancelled by its scheduler's next run; a running one when
    /// its current poll returns; a finished one is unaffected. The handle then resolves to a
    /// cancelled `JoinError` (unless the task finished first).
    pub fn abort(&self) {
        // SAFETY: we own a reference.
        unsafe { super::runnable::abort(self.ptr()) }
    }

    /// Whether the task has finished (output stored, panicked or cancelled), so that awaiting the
    /// handle will not wait.
    pub fn is_finished(&self) -> bool {
        self.header().state.load().is_complete()
    }

    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.header().id
    }

    /// A handle that can abort the task (and tell whether it finished) without owning its
    /// output: `Clone + Send + Sync`, whatever `T` is.
    pub fn abort_handle(&self) -> AbortHandle {
        self.header().state.ref_inc();
        // SAFETY: the reference just added is handed to the TaskRef.
        AbortHandle::new(unsafe { TaskRef::from_raw_ref(self.ptr()) })
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    // `#[track_caller]`: `.await` passes its own line, which a dump shows as what the awaiting
    // task waits on.
    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.taken() {
            polled_after_ready();
        }
        let coop = ready!(crate::coop::poll_proceed(cx));
        let mut out: Poll<Result<T, JoinError>> = Poll::Pending;
        let vtable = this.header().vtable;
        // SAFETY: we are the handle (invariant), the output is not taken, and `out` has the
        // output type the vtable writes.
        unsafe {
            (vtable.read_output)(
                this.ptr(),
                (&mut out as *mut Poll<Result<T, JoinError>>).cast(),
                cx.waker(),
            )
        };
        if out.is_ready() {
            // The output is ours now: remember it (for a second poll and for the drop).
            this.raw = this.raw.map_addr(|a| a | TAKEN);
            coop.made_progress();
        } else {
            // For dumps: the awaiting task waits here, at the line that awaits the handle.
            super::record_wait(super::Resource::Join, std::panic::Location::caller());
        }
        out
    }
}

/// A misuse of a `JoinHandle`: out of line, so that `poll` stays small.
#[cold]
#[inline(never)]
#[track_caller]
fn polled_after_ready() -> ! {
    panic!(
        "JoinHandle polled after it returned Ready: a finished JoinHandle must not be polled again"
    )
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        let vtable = self.header().vtable;
        // SAFETY: the handle's reference and JOIN_INTEREST are handed over; `taken` is whether
        // `poll` returned `Ready`.
        unsafe { (vtable.drop_join_handle)(self.ptr(), self.taken()) }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = self.header();
        f.debug_struct("JoinHandle")
            .field("id", &h.id)
            .field("name", &h.site.name())
            .field("state", &h.state)
            .finish()
    }
}

/// Why a task has no output: it panicked, or it was cancelled (aborted, or dropped by a runtime
/// shutting down).
///
/// # Examples
///
/// ```
/// # use std::sync::{Arc, Mutex};
/// # use weft_core::task::{self, Runnable, Schedule, ScheduleInfo, SpawnOptions};
/// # #[derive(Default)]
/// # struct Queue(Mutex<Vec<Runnable>>);
/// # impl Schedule for Queue {
/// #     fn schedule(&self, task: Runnable, _info: ScheduleInfo) {
/// #         self.0.lock().unwrap().push(task);
/// #     }
/// # }
/// let (runnable, handle) = task::spawn(async { 5 }, Arc::new(Queue::default()), SpawnOptions::new());
/// drop(runnable); // never run: cancelled
/// let err = futures_executor::block_on(handle).unwrap_err();
/// assert!(err.is_cancelled());
/// assert_eq!(err.to_string(), format!("task {} was cancelled", err.id()));
/// ```
pub struct JoinError {
    id: TaskId,
    name: Option<Box<str>>,
    repr: Repr,
}

enum Repr {
    Cancelled,
    Panic(SyncPayload),
}

/// A panic payload made `Sync` by never handing out `&` access to it, except to `Sync` views.
struct SyncPayload(Box<dyn Any + Send>);

// SAFETY: through `&SyncPayload` only `downcast_ref_sync` reads the payload, and only as a type
// that is itself `Sync` (`&str`, `String`); everything else needs ownership.
unsafe impl Sync for SyncPayload {}

impl SyncPayload {
    fn downcast_ref_sync<T: Any + Sync>(&self) -> Option<&T> {
        self.0.downcast_ref::<T>()
    }

    fn message(&self) -> Option<&str> {
        self.downcast_ref_sync::<&'static str>()
            .copied()
            .or_else(|| self.downcast_ref_sync::<String>().map(String::as_str))
    }
}

impl JoinError {
    pub(super) fn cancelled(header: &Header) -> JoinError {
        JoinError {
            id: header.id,
            name: header.site.name().map(Box::from),
            repr: Repr::Cancelled,
        }
    }

    pub(super) fn panic(header: &Header, payload: Box<dyn Any + Send>) -> JoinError {
        JoinError {
            id: header.id,
            name: header.site.name().map(Box::from),
            repr: Repr::Panic(SyncPayload(payload)),
        }
    }

    /// Whether the task was cancelled (aborted, or dropped un-run).
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// Whether the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// The panic payload, to inspect or to re-raise with [`std::panic::resume_unwind`].
    ///
    /// # Panics
    ///
    /// If the task was cancelled rather than panicked: check [`is_panic`](Self::is_panic) first or
    /// use [`try_into_panic`](Self::try_into_panic).
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send> {
        match self.try_into_panic() {
            Ok(payload) => payload,
            Err(err) => panic!(
                "JoinError::into_panic called on an error that is not a panic ({err}): \
                 check is_panic() first or use try_into_panic()"
            ),
        }
    }

    /// The panic payload, or the error itself if the task was cancelled.
    ///
    /// # Errors
    ///
    /// Returns `self` if the task was cancelled.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send>, JoinError> {
        match self.repr {
            Repr::Panic(SyncPayload(payload)) => Ok(payload),
            Repr::Cancelled => Err(self),
        }
    }

    /// The id of the task that failed.
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The name of the task that failed, if it had one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.id)?;
        if let Some(name) = &self.name {
            write!(f, " ({name:?})")?;
        }
        match &self.repr {
            Repr::Cancelled => f.write_str(" was cancelled"),
            Repr::Panic(payload) => match payload.message() {
                Some(msg) => write!(f, " panicked: {msg}"),
                None => f.write_str(" panicked"),
            },
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = match &self.repr {
            Repr::Cancelled => f.debug_struct("JoinError::Cancelled"),
            Repr::Panic(_) => f.debug_struct("JoinError::Panic"),
        };
        d.field("id", &self.id).field("name", &self.name);
        if let Repr::Panic(payload) = &self.repr {
            d.field("message", &payload.message());
        }
        d.finish()
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for io::Error {
    fn from(err: JoinError) -> io::Error {
        io::Error::other(err)
    }
}

/// The text of a panic payload, if it is a string (what `panic!` makes).
pub(super) fn payload_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

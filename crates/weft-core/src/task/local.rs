//! Task-locals that children inherit: asyncio's `contextvars`.
//!
//! # Design
//!
//! The values in scope form an immutable, shared linked list (the *context*): each
//! [`LocalKey::scope`] adds one node (key, value, parent context) in front of the context it is
//! first polled in, and makes that node current while it polls its future. Spawning captures the
//! current context: one reference-count increment, and the new task's future is wrapped so that
//! the context is current while the task runs. Nothing is ever copied or changed, so a child's
//! own `scope` adds a node the parent never sees, and the innermost node of a key wins.
//!
//! A task spawned outside any scope is spawned unwrapped: its cell is exactly as big as without
//! task-locals, and spawning it reads one thread-local. A task that inherited nothing sees
//! nothing, even when polled inside another future's poll: the installed context remembers the
//! task whose poll installed it (`None` outside tasks), and counts only while that task is the
//! one being polled (`current.rs`). So the runner touches no context around a poll, and a task
//! that does not use task-locals pays nothing for them per poll.
//!
//! The current context is a thread-local *borrowed* pointer: whoever installs it (a scope's
//! poll, a task's poll, [`LocalKey::sync_scope`]) owns a reference for longer than it stays
//! installed and restores the previous pointer before returning (also when unwinding).

use std::any::Any;
use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::atomic::AtomicU8;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use super::cell::Header;
use super::current;

/// One scoped value and the context it was added to.
struct Node<V: ?Sized> {
    parent: Option<Snapshot>,
    /// The address of the `LocalKey` this value belongs to.
    key: *const (),
    value: V,
}

// SAFETY: `key` is only compared, never dereferenced; the value is `Send + Sync` (the only
// `V` nodes are made with, through `Node<dyn Any + Send + Sync>`), and so is the parent.
unsafe impl<V: ?Sized + Send + Sync> Send for Node<V> {}
// SAFETY: as for Send.
unsafe impl<V: ?Sized + Send + Sync> Sync for Node<V> {}

type DynNode = Node<dyn Any + Send + Sync>;

/// A shared, immutable context: the innermost node of a chain.
#[derive(Clone)]
pub(super) struct Snapshot(Arc<DynNode>);

/// An installed context: the innermost node, and the task being polled when it was installed
/// (`None`: outside any task, in `block_on`'s own future say).
type Installed = (Option<NonNull<DynNode>>, Option<NonNull<Header>>);

thread_local! {
    /// The context of the code running on this thread; see the module docs for who may set it.
    static CURRENT: Cell<Installed> = const { Cell::new((None, None)) };
}

/// Makes `ctx` the current context until the guard drops, then restores the previous one.
///
/// The caller must keep the node `ctx` points to alive (hold a reference) until the guard drops.
struct Enter {
    prev: Installed,
    _not_send: PhantomData<*const ()>,
}

impl Enter {
    #[inline]
    fn new(ctx: Option<NonNull<DynNode>>) -> Enter {
        let installed = (ctx, current::current_task());
        let prev = CURRENT
            .try_with(|c| c.replace(installed))
            .unwrap_or((None, None));
        Enter {
            prev,
            _not_send: PhantomData,
        }
    }
}

impl Drop for Enter {
    #[inline]
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|c| c.set(self.prev));
    }
}

/// The context of the code running here: the installed one if the task being polled installed
/// it (or none is being polled and none was), else none (a task polled inside a scope's poll
/// did not inherit that scope).
#[inline]
fn current_context() -> Option<NonNull<DynNode>> {
    let (ctx, owner) = CURRENT.try_with(Cell::get).ok()?;
    let ctx = ctx?;
    (owner == current::current_task()).then_some(ctx)
}

/// The context a task spawned here inherits: `None` outside every scope (the common case: one
/// thread-local read), else one reference-count increment.
#[inline]
pub(super) fn capture() -> Option<Snapshot> {
    let ptr = current_context()?;
    // SAFETY: whoever installed `ptr` holds a reference to the node until it restores the
    // previous context, which it has not done yet (we are inside its poll or call); `ptr` came
    // from `Arc::as_ptr` of that `Arc`.
    unsafe {
        Arc::increment_strong_count(ptr.as_ptr());
        Some(Snapshot(Arc::from_raw(ptr.as_ptr())))
    }
}

fn as_raw(node: &Arc<DynNode>) -> NonNull<DynNode> {
    NonNull::from(&**node)
}

/// Looks `key` up in the current context.
fn with_current<T: 'static, R>(key: *const (), f: impl FnOnce(Option<&T>) -> R) -> R {
    let mut node = current_context();
    while let Some(ptr) = node {
        // SAFETY: the installed node is alive (see `capture`), and so are its ancestors, which it
        // owns through `parent`; `f` runs before this function returns, inside that lifetime.
        let n = unsafe { ptr.as_ref() };
        if n.key == key {
            return f(n.value.downcast_ref::<T>());
        }
        node = n.parent.as_ref().map(|p| as_raw(&p.0));
    }
    f(None)
}

/// A task's future with the context it was spawned in: the context is current while the future
/// is polled and while it is dropped.
pub(super) struct WithContext<F> {
    ctx: Snapshot,
    future: ManuallyDrop<F>,
}

impl<F> WithContext<F> {
    pub(super) fn new(ctx: Snapshot, future: F) -> WithContext<F> {
        WithContext {
            ctx,
            future: ManuallyDrop::new(future),
        }
    }
}

impl<F: Future> Future for WithContext<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: never moved out (only dropped in place, in
        // `drop`); `ctx` is not pinned and only read.
        let this = unsafe { self.get_unchecked_mut() };
        let _enter = Enter::new(Some(as_raw(&this.ctx.0)));
        // SAFETY: see above: the future stays where it is.
        unsafe { Pin::new_unchecked(&mut *this.future) }.poll(cx)
    }
}

impl<F> Drop for WithContext<F> {
    fn drop(&mut self) {
        let _enter = Enter::new(Some(as_raw(&self.ctx.0)));
        // SAFETY: dropped once, here, in place (it was pinned if polled), while `ctx` (dropped
        // after this body) keeps the installed node alive.
        unsafe { ManuallyDrop::drop(&mut self.future) };
    }
}

/// Declares task-local keys: `static NAME: T;` each, read with [`LocalKey::with`] and set for a
/// future with [`LocalKey::scope`].
///
/// Unlike a thread-local, the value belongs to the code inside the scope, whichever thread runs
/// it; and tasks spawned inside the scope inherit it for their whole life, as asyncio copies the
/// `contextvars` context into every new task.
///
/// # Examples
///
/// ```
/// weft_core::task_local! {
///     /// The request being served.
///     pub static REQUEST_ID: u64;
///     static USER: String;
/// }
///
/// let out = futures_executor::block_on(REQUEST_ID.scope(7, async {
///     USER.sync_scope("ada".to_string(), || (REQUEST_ID.get(), USER.with(|u| u.len())))
/// }));
/// assert_eq!(out, (7, 3));
/// assert!(REQUEST_ID.try_with(|_| ()).is_err()); // not in scope here
/// ```
#[macro_export]
macro_rules! task_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty; $($rest:tt)*) => {
        $(#[$attr])*
        $vis static $name: $crate::task::LocalKey<$t> = $crate::task::LocalKey::__new();
        $crate::task_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty) => {
        $(#[$attr])*
        $vis static $name: $crate::task::LocalKey<$t> = $crate::task::LocalKey::__new();
    };
}

/// A task-local key, declared with [`task_local!`](crate::task_local).
///
/// Values are shared with every task spawned inside their scope, possibly on other threads, so
/// `T` must be `Send + Sync`; for state a task changes, put a lock or an atomic in `T`.
///
/// # Examples
///
/// ```
/// weft_core::task_local! { static DEPTH: u32; }
///
/// futures_executor::block_on(DEPTH.scope(1, async {
///     assert_eq!(DEPTH.get(), 1);
///     DEPTH.scope(2, async { assert_eq!(DEPTH.get(), 2) }).await; // innermost wins
///     assert_eq!(DEPTH.get(), 1);
/// }));
/// ```
pub struct LocalKey<T: 'static> {
    /// Gives each key its own address (statics with interior mutability are never merged): the
    /// address is the key's identity in a context.
    unique: AtomicU8,
    _value: PhantomData<fn() -> T>,
}

/// Reading a task-local that is not in scope.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct AccessError {
    _private: (),
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task-local value not set: no scope of this key encloses this code or the spawn of its task")
    }
}

impl std::error::Error for AccessError {}

impl<T: 'static> LocalKey<T> {
    #[doc(hidden)]
    pub const fn __new() -> LocalKey<T> {
        LocalKey {
            unique: AtomicU8::new(0),
            _value: PhantomData,
        }
    }

    fn id(&'static self) -> *const () {
        (&self.unique as *const AtomicU8).cast()
    }

    /// Runs `future` with this key set to `value`; tasks it spawns see `value` too, for their
    /// whole life, even after this scope ends.
    ///
    /// The values of other keys are those in scope where the returned future is first polled.
    ///
    /// # Examples
    ///
    /// See [`LocalKey`].
    ///
    /// # Cancel safety
    ///
    /// Dropping the returned future drops `future` (with the value in scope) and then the value,
    /// unless tasks spawned inside still hold it.
    pub fn scope<F: Future>(&'static self, value: T, future: F) -> TaskLocalFuture<T, F>
    where
        T: Send + Sync,
    {
        TaskLocalFuture {
            key: self,
            value: Some(value),
            node: None,
            future: ManuallyDrop::new(future),
        }
    }

    /// Runs `f` with this key set to `value` (synchronous code, or a `spawn` that should inherit
    /// the value).
    ///
    /// # Examples
    ///
    /// See [`task_local!`](crate::task_local).
    pub fn sync_scope<R>(&'static self, value: T, f: impl FnOnce() -> R) -> R
    where
        T: Send + Sync,
    {
        let node = self.node(value);
        let _enter = Enter::new(Some(as_raw(&node)));
        f()
    }

    fn node(&'static self, value: T) -> Arc<DynNode>
    where
        T: Send + Sync,
    {
        let parent = capture();
        Arc::new(Node {
            parent,
            key: self.id(),
            value,
        })
    }

    /// Calls `f` with the value in scope.
    ///
    /// # Panics
    ///
    /// If no scope of this key encloses the caller (or the spawn of the caller's task): use
    /// [`try_with`](Self::try_with) where that can happen.
    #[track_caller]
    pub fn with<R>(&'static self, f: impl FnOnce(&T) -> R) -> R {
        match self.try_with(f) {
            Ok(r) => r,
            Err(err) => panic!(
                "{err}: wrap the code (or the spawn of its task) in KEY.scope(value, ..), or use \
                 try_with"
            ),
        }
    }

    /// Calls `f` with the value in scope, or returns an error if there is none.
    ///
    /// # Errors
    ///
    /// [`AccessError`] if no scope of this key encloses the caller.
    pub fn try_with<R>(&'static self, f: impl FnOnce(&T) -> R) -> Result<R, AccessError> {
        with_current::<T, _>(self.id(), |v| match v {
            Some(v) => Ok(f(v)),
            None => Err(AccessError { _private: () }),
        })
    }

    /// A clone of the value in scope.
    ///
    /// # Panics
    ///
    /// As [`with`](Self::with).
    #[track_caller]
    pub fn get(&'static self) -> T
    where
        T: Clone,
    {
        self.with(T::clone)
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalKey").finish_non_exhaustive()
    }
}

/// The future of [`LocalKey::scope`].
pub struct TaskLocalFuture<T: 'static, F> {
    key: &'static LocalKey<T>,
    /// The value until the first poll, which moves it into `node`.
    value: Option<T>,
    node: Option<Arc<DynNode>>,
    future: ManuallyDrop<F>,
}

impl<T: Send + Sync + 'static, F: Future> Future for TaskLocalFuture<T, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned (never moved out; dropped in place in `drop`);
        // the other fields are not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        if this.node.is_none() {
            let value = this
                .value
                .take()
                .expect("the value waits for the first poll");
            this.node = Some(this.key.node(value));
        }
        let node = this.node.as_ref().expect("set above");
        let _enter = Enter::new(Some(as_raw(node)));
        // SAFETY: see above.
        unsafe { Pin::new_unchecked(&mut *this.future) }.poll(cx)
    }
}

impl<T: 'static, F> Drop for TaskLocalFuture<T, F> {
    fn drop(&mut self) {
        // The future's destructor sees the value too (if it was ever polled).
        let _enter = self.node.as_ref().map(|n| Enter::new(Some(as_raw(n))));
        // SAFETY: dropped once, here, in place; `node` outlives `_enter`.
        unsafe { ManuallyDrop::drop(&mut self.future) };
    }
}

impl<T: 'static, F> fmt::Debug for TaskLocalFuture<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskLocalFuture").finish_non_exhaustive()
    }
}

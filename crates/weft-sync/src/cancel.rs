//! [`CancellationToken`]: a tree of tokens for graceful shutdown.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use weft_core::loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::*};
use weft_core::loom::sync::Arc;
use weft_core::loom::sync::Mutex;

use crate::notify::{Notified, Notify};

/// A token that signals cancellation to every task holding a clone of it, and to every child
/// token made from it.
///
/// [`cancel`](Self::cancel) sets the token, wakes every task in
/// [`cancelled().await`](Self::cancelled) and cancels all child tokens (recursively). Cancelling a
/// child does not touch its parent or siblings. Clones share one state.
///
/// # Examples
///
/// ```
/// use weft_sync::CancellationToken;
///
/// # futures_executor::block_on(async {
/// let root = CancellationToken::new();
/// let child = root.child_token();
/// let worker = std::thread::spawn({
///     let child = child.clone();
///     move || futures_executor::block_on(child.cancelled())
/// });
/// child.child_token().cancel(); // a grandchild: its parent is unaffected
/// assert!(!child.is_cancelled());
/// root.cancel();
/// worker.join().unwrap();
/// assert!(child.is_cancelled());
/// # });
/// ```
pub struct CancellationToken {
    node: Arc<Node>,
}

/// One token of the tree.
///
/// # Invariants
///
/// - `refs` counts the token handles and the attached (live) child nodes; at 0 the node detaches
///   from its parent, releasing its own count there.
/// - `cancelled` is set only under `inner`'s lock, so `child_token` (which checks it under the
///   lock) never attaches a child after its parent's children were taken for cancellation.
struct Node {
    cancelled: AtomicBool,
    notify: Notify,
    refs: AtomicUsize,
    inner: Mutex<Children>,
    parent: Option<(Arc<Node>, usize)>,
}

#[derive(Default)]
struct Children {
    slots: Vec<Option<Arc<Node>>>,
    free: Vec<usize>,
}

impl Node {
    fn new(parent: Option<(Arc<Node>, usize)>, cancelled: bool) -> Arc<Node> {
        Arc::new(Node {
            cancelled: AtomicBool::new(cancelled),
            notify: Notify::new(),
            refs: AtomicUsize::new(1),
            inner: Mutex::new(Children::default()),
            parent,
        })
    }

    fn cancel(&self) {
        let children = {
            let mut inner = self.inner.lock();
            if self.cancelled.load(Acquire) {
                return;
            }
            self.cancelled.store(true, Release);
            inner.free.clear();
            std::mem::take(&mut inner.slots)
        };
        self.notify.notify_waiters();
        for child in children.into_iter().flatten() {
            child.cancel();
        }
    }

    /// Drops one count; the last detaches the node from its parent.
    fn release(node: &Arc<Node>) {
        if node.refs.fetch_sub(1, AcqRel) != 1 {
            return;
        }
        if let Some((parent, key)) = &node.parent {
            let removed = {
                let mut inner = parent.inner.lock();
                match inner.slots.get_mut(*key) {
                    Some(slot) if slot.as_ref().is_some_and(|c| Arc::ptr_eq(c, node)) => {
                        inner.free.push(*key);
                        inner.slots[*key].take()
                    }
                    _ => None,
                }
            };
            drop(removed);
            Node::release(parent);
        }
    }
}

impl CancellationToken {
    /// Creates a token that is not cancelled and has no parent.
    pub fn new() -> Self {
        CancellationToken {
            node: Node::new(None, false),
        }
    }

    /// A child token: cancelled when this token is cancelled (now or later); cancelling the
    /// child does not cancel this token.
    pub fn child_token(&self) -> CancellationToken {
        let mut inner = self.node.inner.lock();
        if self.node.cancelled.load(Acquire) {
            return CancellationToken {
                node: Node::new(None, true),
            };
        }
        self.node.refs.fetch_add(1, Relaxed);
        let key = inner.free.pop().unwrap_or(inner.slots.len());
        let child = Node::new(Some((self.node.clone(), key)), false);
        if key == inner.slots.len() {
            inner.slots.push(Some(child.clone()));
        } else {
            inner.slots[key] = Some(child.clone());
        }
        CancellationToken { node: child }
    }

    /// Cancels this token and all its descendants, waking every task waiting on them.
    pub fn cancel(&self) {
        self.node.cancel();
    }

    /// Whether this token was cancelled (directly or through an ancestor).
    pub fn is_cancelled(&self) -> bool {
        self.node.cancelled.load(Acquire)
    }

    /// Completes when the token is cancelled.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub fn cancelled(&self) -> WaitForCancellationFuture<'_> {
        WaitForCancellationFuture {
            token: self,
            notified: self.node.notify.notified_untracked(),
        }
    }

    /// Completes when the token is cancelled; owns the token (`'static`).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn cancelled_owned(self) {
        self.cancelled().await
    }

    /// Runs `fut` until it completes (`Some(output)`) or the token is cancelled (`None`; `fut` is
    /// dropped). If both are ready, cancellation wins.
    ///
    /// # Cancel safety
    ///
    /// As cancel safe as `fut`.
    pub async fn run_until_cancelled<F: Future>(&self, fut: F) -> Option<F::Output> {
        let mut fut = std::pin::pin!(fut);
        let mut cancelled = self.cancelled();
        std::future::poll_fn(|cx| {
            if Pin::new(&mut cancelled).poll(cx).is_ready() {
                return Poll::Ready(None);
            }
            fut.as_mut().poll(cx).map(Some)
        })
        .await
    }

    /// A guard that cancels this token when dropped.
    pub fn drop_guard(self) -> DropGuard {
        DropGuard { token: Some(self) }
    }
}

impl Default for CancellationToken {
    fn default() -> Self {
        CancellationToken::new()
    }
}

impl Clone for CancellationToken {
    fn clone(&self) -> Self {
        self.node.refs.fetch_add(1, Relaxed);
        CancellationToken {
            node: self.node.clone(),
        }
    }
}

impl Drop for CancellationToken {
    fn drop(&mut self) {
        Node::release(&self.node);
    }
}

impl fmt::Debug for CancellationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancellationToken")
            .field("is_cancelled", &self.is_cancelled())
            .finish()
    }
}

/// The future of [`CancellationToken::cancelled`]. Unpin.
#[must_use = "futures do nothing unless polled"]
pub struct WaitForCancellationFuture<'a> {
    token: &'a CancellationToken,
    notified: Notified<'a>,
}

impl Future for WaitForCancellationFuture<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            if self.token.is_cancelled() {
                return Poll::Ready(());
            }
            match Pin::new(&mut self.notified).poll(cx) {
                Poll::Ready(()) => {
                    let n = self.token.node.notify.notified_untracked();
                    self.notified = n;
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl fmt::Debug for WaitForCancellationFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForCancellationFuture")
            .field("token", self.token)
            .finish()
    }
}

/// Cancels its token when dropped (see [`CancellationToken::drop_guard`]).
pub struct DropGuard {
    token: Option<CancellationToken>,
}

impl DropGuard {
    /// Gives the token back without cancelling it.
    pub fn disarm(mut self) -> CancellationToken {
        self.token.take().expect("DropGuard holds its token")
    }
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        if let Some(t) = self.token.take() {
            t.cancel();
        }
    }
}

impl fmt::Debug for DropGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DropGuard")
            .field("token", &self.token)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn dropped_children_detach_and_slots_are_reused() {
        let root = CancellationToken::new();
        for _ in 0..100 {
            let c = root.child_token();
            let _gc = c.child_token();
        }
        let inner = root.node.inner.lock();
        assert!(inner.slots.iter().all(Option::is_none));
        assert_eq!(inner.slots.len(), 1, "one slot, reused by every child");
        assert_eq!(
            root.node.refs.load(Relaxed),
            1,
            "only the root handle counts"
        );
    }

    #[test]
    fn child_outliving_its_dropped_parent_keeps_the_chain() {
        let root = CancellationToken::new();
        let gc = root.child_token().child_token();
        // The dropped middle node stays attached while it has a live child.
        assert_eq!(root.node.refs.load(Relaxed), 2);
        drop(gc);
        assert_eq!(root.node.refs.load(Relaxed), 1);
    }
}

//! [`ParkHookSlot`]: a runtime's [`Park`] hook, shared by all its parkers, and the token that lets
//! one thread at a time wait in it.
//!
//! The hook's contract says it is never parked in by two threads at once. The first idle thread to
//! take the token waits inside `Park::park(None)` (and so runs the reactor and timers); the others
//! sleep on their own condvars. A busy worker may turn the hook once without blocking, when nobody
//! holds the token.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use weft_core::loom::sync::atomic::{AtomicBool, Ordering::*};

use crate::park::Park;

/// The park hook of a runtime (if any) plus the token for waiting in it.
pub struct ParkHookSlot {
    hook: Option<Arc<dyn Park>>,
    /// Whether a thread holds the token (is inside `Park::park`).
    held: AtomicBool,
}

impl ParkHookSlot {
    /// Wraps an optional hook.
    pub fn new(hook: Option<Arc<dyn Park>>) -> Self {
        ParkHookSlot {
            hook,
            held: AtomicBool::new(false),
        }
    }

    /// The installed hook.
    pub fn hook(&self) -> Option<&Arc<dyn Park>> {
        self.hook.as_ref()
    }

    /// Takes the token, if there is a hook and nobody holds it; the token is given back when the
    /// returned guard drops.
    pub(crate) fn try_acquire(&self) -> Option<HookToken<'_>> {
        let hook = self.hook.as_deref()?;
        self.held
            .compare_exchange(false, true, Acquire, Relaxed)
            .ok()
            .map(|_| HookToken { slot: self, hook })
    }

    /// Whether some thread holds the token right now.
    pub fn is_held(&self) -> bool {
        self.held.load(Relaxed)
    }

    /// Turns the hook once without blocking, unless there is none or another thread holds it.
    /// Returns whether it was turned.
    pub fn turn_without_blocking(&self) -> bool {
        if self.hook.is_none() || self.is_held() {
            return false;
        }
        match self.try_acquire() {
            Some(token) => {
                token.hook.park(Some(Duration::ZERO));
                true
            }
            None => false,
        }
    }

    /// Wakes whichever thread waits in the hook.
    pub fn unpark_waiter(&self) {
        if let Some(hook) = &self.hook {
            hook.unpark();
        }
    }
}

/// The right to call `Park::park` on the slot's hook; released on drop.
pub(crate) struct HookToken<'a> {
    slot: &'a ParkHookSlot,
    pub(crate) hook: &'a dyn Park,
}

impl Drop for HookToken<'_> {
    fn drop(&mut self) {
        self.slot.held.store(false, Release);
    }
}

impl fmt::Debug for ParkHookSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParkHookSlot")
            .field("hook", &self.hook.is_some())
            .field("held", &self.is_held())
            .finish()
    }
}

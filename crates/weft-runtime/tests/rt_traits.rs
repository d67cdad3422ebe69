//! Auto traits of every public type: losing `Send` or `Sync` by accident breaks users, so each is
//! asserted here.
#![allow(missing_docs)]

use weft_runtime::task::{JoinError, JoinHandle, TaskInfo};
use weft_runtime::{Builder, EnterGuard, Handle, Runtime, RuntimeFlavor, TryCurrentError};

fn send_sync<T: Send + Sync>() {}
fn send<T: Send>() {}
fn unpin<T: Unpin>() {}

#[test]
fn public_types_are_send_and_sync_where_expected() {
    send_sync::<Runtime>();
    send_sync::<Handle>();
    send_sync::<Builder>();
    send_sync::<RuntimeFlavor>();
    send_sync::<TryCurrentError>();
    send_sync::<TaskInfo>();
    send_sync::<JoinError>();
    send::<JoinHandle<u32>>();
    unpin::<JoinHandle<u32>>();
    send_sync::<weft_runtime::task::Builder>();
    send_sync::<std::sync::Arc<dyn weft_runtime::Park>>();
}

/// `EnterGuard` restores the previous runtime on the thread that made it: it is not `Send`.
#[test]
fn enter_guard_is_not_send() {
    trait AmbiguousIfSend<A> {
        fn some_item() {}
    }
    impl<T: ?Sized> AmbiguousIfSend<()> for T {}
    struct Invalid;
    impl<T: ?Sized + Send> AmbiguousIfSend<Invalid> for T {}
    // Compiles only if `EnterGuard` is !Send (otherwise the call is ambiguous).
    <EnterGuard<'static> as AmbiguousIfSend<_>>::some_item();
}

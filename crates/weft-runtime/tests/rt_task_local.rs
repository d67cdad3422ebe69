//! Task-locals that children inherit, on both runtime flavours: every spawn path, the life of an
//! inherited value, nested scopes, and a proptest against a model.
#![allow(missing_docs)]

mod support;

use std::future::{pending, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

use proptest::prelude::*;
use support::{oneshot, runtimes, yield_now};
use weft_core::task_local;
use weft_runtime::task::{Builder as TaskBuilder, JoinHandle};
use weft_runtime::{spawn, spawn_blocking, spawn_local, Builder, Handle};

task_local! {
    static REQUEST: u64;
    static USER: String;
}

type Seen = (Option<u64>, Option<String>);

/// What a task sees: REQUEST, and USER.
fn seen() -> Seen {
    (
        REQUEST.try_with(|v| *v).ok(),
        USER.try_with(Clone::clone).ok(),
    )
}

/// A child that reads the task-locals only after `go` is set (so after the scope that spawned it
/// has ended), then again after a yield.
async fn late_reader(go: Arc<AtomicBool>) -> Seen {
    while !go.load(SeqCst) {
        yield_now().await;
    }
    let first = seen();
    yield_now().await;
    assert_eq!(
        seen(),
        first,
        "the inherited value stays for the task's whole life"
    );
    first
}

#[test]
fn every_spawn_path_inherits_for_the_whole_life_of_the_task() {
    for rt in runtimes() {
        let multi = rt.handle().runtime_flavor() == weft_runtime::RuntimeFlavor::MultiThread;
        rt.block_on(async move {
            let go = Arc::new(AtomicBool::new(false));
            let handles: Vec<(&str, JoinHandle<Seen>)> = REQUEST
                .scope(7, async {
                    let mut h = vec![
                        ("spawn", spawn(late_reader(go.clone()))),
                        (
                            "Handle::spawn",
                            Handle::current().spawn(late_reader(go.clone())),
                        ),
                        (
                            "Builder::spawn",
                            TaskBuilder::new().name("b").spawn(late_reader(go.clone())),
                        ),
                        (
                            "Builder::spawn_on",
                            TaskBuilder::new()
                                .spawn_on(late_reader(go.clone()), &Handle::current()),
                        ),
                        ("spawn_blocking", spawn_blocking(seen)),
                        (
                            "Builder::spawn_blocking",
                            TaskBuilder::new().spawn_blocking(seen),
                        ),
                        (
                            "spawn inside spawn_blocking",
                            spawn_blocking({
                                let go = go.clone();
                                move || spawn(late_reader(go))
                            })
                            .await
                            .unwrap(),
                        ),
                        (
                            "grandchild",
                            spawn({
                                let go = go.clone();
                                // The handle itself is the output (in a Vec, as clippy wants no
                                // awaitable output): joined after the scope.
                                async move { vec![spawn(late_reader(go))] }
                            })
                            .await
                            .unwrap()
                            .pop()
                            .unwrap(),
                        ),
                    ];
                    if !multi {
                        h.push(("spawn_local", spawn_local(late_reader(go.clone()))));
                        h.push((
                            "Builder::spawn_local",
                            TaskBuilder::new().spawn_local(late_reader(go.clone())),
                        ));
                    }
                    h
                })
                .await;
            assert!(REQUEST.try_with(|_| ()).is_err(), "the scope has ended");
            go.store(true, SeqCst);
            for (path, h) in handles {
                assert_eq!(h.await.unwrap(), (Some(7), None), "{path}");
            }
        });
    }
}

#[test]
fn a_task_spawned_outside_any_scope_sees_nothing() {
    for rt in runtimes() {
        rt.block_on(async {
            assert_eq!(spawn(async { seen() }).await.unwrap(), (None, None));
            // A detached handle spawned before the scope, joined inside it.
            let before = spawn(async {
                yield_now().await;
                seen()
            });
            let got = REQUEST.scope(1, before).await.unwrap();
            assert_eq!(got, (None, None));
        });
    }
}

#[test]
fn nested_scopes_innermost_wins_and_a_child_never_changes_the_parent() {
    for rt in runtimes() {
        rt.block_on(REQUEST.scope(1, async {
            USER.scope("ada".to_string(), async {
                assert_eq!(seen(), (Some(1), Some("ada".into())));
                let child = spawn(async {
                    // The child's own scopes shadow, never write through.
                    REQUEST
                        .scope(2, async {
                            assert_eq!(seen(), (Some(2), Some("ada".into())));
                            spawn(async { seen() }).await.unwrap()
                        })
                        .await
                });
                assert_eq!(child.await.unwrap(), (Some(2), Some("ada".into())));
                assert_eq!(seen(), (Some(1), Some("ada".into())));
                REQUEST
                    .scope(3, async {
                        USER.scope("bob".to_string(), async {
                            assert_eq!(seen(), (Some(3), Some("bob".into())));
                        })
                        .await;
                        assert_eq!(seen(), (Some(3), Some("ada".into())));
                    })
                    .await;
                assert_eq!(seen(), (Some(1), Some("ada".into())));
            })
            .await;
            assert_eq!(seen(), (Some(1), None));
        }));
    }
}

#[test]
fn an_aborted_task_drops_its_future_inside_its_context() {
    struct ReadOnDrop(Option<support::Sender<Option<u64>>>);
    impl Drop for ReadOnDrop {
        fn drop(&mut self) {
            self.0.take().unwrap().send(REQUEST.try_with(|v| *v).ok());
        }
    }
    for rt in runtimes() {
        rt.block_on(async {
            let (tx, rx) = oneshot();
            let guard = ReadOnDrop(Some(tx));
            let h = REQUEST.sync_scope(9, || {
                spawn(async move {
                    let _guard = guard;
                    pending::<()>().await;
                })
            });
            yield_now().await;
            h.abort();
            assert_eq!(rx.await.unwrap(), Some(9));
        });
    }
}

#[test]
fn with_outside_a_scope_panics_with_advice() {
    let err = std::panic::catch_unwind(|| REQUEST.get()).unwrap_err();
    let msg = support::panic_message(&*err);
    assert!(msg.contains("not set") && msg.contains("scope"), "{msg}");
}

// --- the model test -------------------------------------------------------------------------

const KEYS: usize = 3;
task_local! {
    static K0: u32;
    static K1: u32;
    static K2: u32;
}
static KEY_LIST: [&weft_core::task::LocalKey<u32>; KEYS] = [&K0, &K1, &K2];

/// A program: scopes, spawns and checks, nested.
#[derive(Clone, Debug)]
enum Op {
    Scope(usize, u32, Vec<Op>),
    /// Spawn a task running the body; `join_now`: await it right away, else at the end of the
    /// spawning task (after the spawning scope may have ended).
    Spawn {
        body: Vec<Op>,
        join_now: bool,
    },
    Check,
    Yield,
}

fn op() -> impl Strategy<Value = Op> {
    let leaf = prop_oneof![Just(Op::Check), Just(Op::Yield)];
    leaf.prop_recursive(4, 48, 4, |inner| {
        prop_oneof![
            (
                0..KEYS,
                0..100u32,
                prop::collection::vec(inner.clone(), 0..4)
            )
                .prop_map(|(k, v, body)| Op::Scope(k, v, body)),
            (prop::collection::vec(inner, 0..4), any::<bool>())
                .prop_map(|(body, join_now)| Op::Spawn { body, join_now }),
        ]
    })
}

type Env = [Option<u32>; KEYS];
/// (the check's position in the program, what it saw)
type Log = Arc<Mutex<Vec<(Vec<usize>, Env)>>>;
type BoxFut = Pin<Box<dyn Future<Output = ()> + Send>>;

fn model(ops: &[Op], env: Env, path: &mut Vec<usize>, log: &mut Vec<(Vec<usize>, Env)>) {
    for (i, op) in ops.iter().enumerate() {
        path.push(i);
        match op {
            Op::Scope(k, v, body) => {
                let mut inner = env;
                inner[*k] = Some(*v);
                model(body, inner, path, log);
            }
            Op::Spawn { body, .. } => model(body, env, path, log),
            Op::Check => log.push((path.clone(), env)),
            Op::Yield => {}
        }
        path.pop();
    }
}

/// Runs `ops` in the calling task; spawned tasks not joined at once go to `later`.
fn run(ops: Vec<Op>, path: Vec<usize>, log: Log, later: Arc<Mutex<Vec<JoinHandle<()>>>>) -> BoxFut {
    Box::pin(async move {
        for (i, op) in ops.into_iter().enumerate() {
            let mut at = path.clone();
            at.push(i);
            match op {
                Op::Scope(k, v, body) => {
                    KEY_LIST[k]
                        .scope(v, run(body, at, log.clone(), later.clone()))
                        .await
                }
                Op::Spawn { body, join_now } => {
                    let child_later = Arc::new(Mutex::new(Vec::new()));
                    let h = spawn(task_root(body, at, log.clone(), child_later));
                    if join_now {
                        h.await.unwrap();
                    } else {
                        later.lock().unwrap().push(h);
                    }
                }
                Op::Check => {
                    let env: Env = std::array::from_fn(|k| KEY_LIST[k].try_with(|v| *v).ok());
                    log.lock().unwrap().push((at, env));
                }
                Op::Yield => yield_now().await,
            }
        }
    })
}

/// A task: runs its body, then joins the tasks it left running.
async fn task_root(
    ops: Vec<Op>,
    path: Vec<usize>,
    log: Log,
    later: Arc<Mutex<Vec<JoinHandle<()>>>>,
) {
    run(ops, path, log, later.clone()).await;
    let left: Vec<_> = std::mem::take(&mut *later.lock().unwrap());
    for h in left {
        h.await.unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn nested_scopes_and_spawns_match_the_model(
        ops in prop::collection::vec(op(), 0..6),
        multi in any::<bool>(),
    ) {
        let mut expected = Vec::new();
        model(&ops, [None; KEYS], &mut Vec::new(), &mut expected);
        expected.sort();
        let rt = if multi {
            Builder::new_multi_thread().worker_threads(2).build().unwrap()
        } else {
            Builder::new_current_thread().build().unwrap()
        };
        let log: Log = Arc::default();
        rt.block_on(task_root(ops, Vec::new(), log.clone(), Arc::default()));
        let mut got = std::mem::take(&mut *log.lock().unwrap());
        got.sort();
        prop_assert_eq!(got, expected);
    }
}

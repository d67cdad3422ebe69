//! `select!`: race many futures and run the handler of the first one whose output matches.
//!
//! The macro is a tt-muncher in three steps, all `#[doc(hidden)]` helpers exported with it:
//!
//! 1. `__weft_select_parse!` reads the branches one at a time into a normal form
//!    `(index variant [pattern tokens] (future) (condition) {handler})`, taking an index and an
//!    enum-variant name from two fixed lists (this is also what bounds the number of branches), and
//!    reads the optional `else`.
//! 2. `__weft_select_emit!` expands the normal form into: an output enum with one variant per
//!    branch, a tuple of the branch futures that is pinned in place, a `u64` mask of disabled
//!    branches, and a `poll_fn` that polls the enabled branches from a random start (or from the
//!    first, when `biased;`). Then a `match` on the enum runs the handler *outside* the `poll_fn`,
//!    after the futures are dropped, so that handlers may `.await`, `break`, `continue`, `return`
//!    and use `?` as in the surrounding code.
//! 3. `__weft_select_clean_pattern!` removes `mut` and `ref` from a pattern so that it can be
//!    tested against a reference to the output (to disable a branch whose pattern does not match
//!    without moving the output).

use std::cell::Cell;

/// Waits on several futures at once and runs the handler of the first one to complete.
///
/// This is tokio's `select!`, with the same syntax and semantics:
///
/// ```text
/// weft::select! {
///     biased;                                   // optional: poll branches in order
///     <pattern> = <future> => <handler>,        // one or more branches
///     <pattern> = <future>, if <condition> => <handler>,
///     else => <expression>,                     // optional
/// }
/// ```
///
/// 1. Every `<condition>` is evaluated; a branch whose condition is `false` is disabled.
/// 2. Every `<future>` expression is evaluated (also for disabled branches; anything that
///    implements [`IntoFuture`](core::future::IntoFuture) works). The futures are owned and pinned by
///    the macro: they need not be `Unpin` or fused.
/// 3. The enabled futures are polled, starting from a random branch each time the `select!` is
///    polled (so no branch can starve the others), or from the first branch in order if the
///    branches begin with `biased;`.
/// 4. When a future completes, its branch is disabled and its output is matched against the
///    branch's `<pattern>`. If it matches, all the futures are dropped and the branch's
///    `<handler>` runs with the pattern's bindings; its value is the value of the `select!`. If it
///    does not match, the other branches keep racing.
/// 5. If every branch is disabled, the `else` expression is the value of the `select!`; without
///    an `else` branch, `select!` panics.
///
/// Handlers run in the surrounding `async` code: they may `.await`, use `?`, `return`, and `break`
/// or `continue` an enclosing loop. `select!` must be used inside an `async` context and supports
/// up to 32 branches.
///
/// # Examples
///
/// The first future to finish wins; its handler's value is the result:
///
/// ```
/// use weft_core::future::{pending, ready};
///
/// # futures_executor::block_on(async {
/// let out = weft_core::select! {
///     never = pending::<u32>() => never,
///     n = ready(7) => n * 6,
/// };
/// assert_eq!(out, 42);
/// # });
/// ```
///
/// A branch whose pattern does not match is disabled and the others keep racing; `else` runs when
/// all are disabled:
///
/// ```
/// use weft_core::future::ready;
///
/// # futures_executor::block_on(async {
/// let out = weft_core::select! {
///     Some(v) = ready(None::<u32>) => v,
///     Ok(v) = ready(Err::<u32, ()>(())) => v,
///     else => 0,
/// };
/// assert_eq!(out, 0);
/// # });
/// ```
///
/// In a loop, with a condition that disables a branch and a handler that breaks out:
///
/// ```
/// use weft_core::future::{ready, yield_now};
///
/// # futures_executor::block_on(async {
/// let mut ticks = 0;
/// let stop_after = 3;
/// loop {
///     weft_core::select! {
///         biased;
///         _ = ready(()), if ticks == stop_after => break,
///         _ = yield_now() => ticks += 1,
///     }
/// }
/// assert_eq!(ticks, 3);
/// # });
/// ```
///
/// # Panics
///
/// If every branch is disabled (by its condition, or because its output did not match its
/// pattern) and there is no `else` branch.
///
/// # Cancel safety
///
/// When one branch wins, the futures of all the other branches are dropped before its handler
/// runs; whatever they had started is lost according to their own cancel safety. Using
/// `select!` in a loop therefore re-creates the futures each time around: put only cancel-safe
/// futures in such a `select!` (a channel's `recv`, a timer, an accept), or create a future once
/// outside the loop, pin it, and select on `&mut` it so that it survives the other branches.
/// Dropping the future that contains a `select!` drops all its branch futures.
///
/// Malformed input is a compile error:
///
/// ```compile_fail
/// # async fn f() {
/// // No branches.
/// weft_core::select! {};
/// # }
/// ```
///
/// ```compile_fail
/// # async fn f() {
/// // A branch without `pattern =`.
/// weft_core::select! { weft_core::future::ready(1) => () };
/// # }
/// ```
///
/// ```compile_fail
/// # async fn f() {
/// // Two `else` branches.
/// weft_core::select! {
///     _ = weft_core::future::ready(1) => (),
///     else => (),
///     else => (),
/// };
/// # }
/// ```
///
/// ```compile_fail
/// # async fn f() {
/// // Only an `else` branch.
/// weft_core::select! { else => () };
/// # }
/// ```
///
/// ```compile_fail
/// # async fn f() {
/// // No `=> handler`.
/// weft_core::select! { x = weft_core::future::ready(1) };
/// # }
/// ```
///
/// ```compile_fail
/// # async fn f() {
/// // Handlers of different types.
/// let _ = weft_core::select! {
///     x = weft_core::future::ready(1) => x,
///     _ = weft_core::future::ready(2) => "two",
/// };
/// # }
/// ```
///
/// ```compile_fail
/// // Outside an async context.
/// fn f() {
///     weft_core::select! { _ = weft_core::future::ready(1) => () };
/// }
/// ```
#[macro_export]
macro_rules! select {
    (biased; $($branches:tt)*) => {
        $crate::__weft_select_parse!(@start (true) $($branches)*)
    };
    ($($branches:tt)*) => {
        $crate::__weft_select_parse!(@start (false) $($branches)*)
    };
}

/// Step 1 of `select!`: reads the branches into a normal form (see the module docs).
#[doc(hidden)]
#[macro_export]
macro_rules! __weft_select_parse {
    // ---- start -------------------------------------------------------------------------------
    (@start ($b:tt)) => {
        ::core::compile_error!("`select!` needs at least one branch: `pattern = future => handler,`")
    };
    (@start ($b:tt) $($rest:tt)+) => {
        $crate::__weft_select_parse!(@branch ($b)
            [0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31]
            [_0 _1 _2 _3 _4 _5 _6 _7 _8 _9 _10 _11 _12 _13 _14 _15 _16 _17 _18 _19 _20 _21 _22 _23
             _24 _25 _26 _27 _28 _29 _30 _31]
            [] [] $($rest)+)
    };

    // ---- at the start of a branch: the end, `else`, or a pattern -----------------------------
    (@branch ($b:tt) $ns:tt $vs:tt [] $els:tt) => {
        ::core::compile_error!("`select!` needs at least one branch besides `else`: `pattern = future => handler,`")
    };
    (@branch ($b:tt) $ns:tt $vs:tt [$($done:tt)+] []) => {
        $crate::__weft_select_emit!(($b) [$($done)+] [{
            ::core::panic!("all branches of `select!` are disabled and there is no `else` branch: add `else => ...` to handle this case")
        }])
    };
    (@branch ($b:tt) $ns:tt $vs:tt [$($done:tt)+] [$els:tt]) => {
        $crate::__weft_select_emit!(($b) [$($done)+] [$els])
    };
    (@branch ($b:tt) $ns:tt $vs:tt $done:tt [$($els:tt)+] else $($rest:tt)*) => {
        ::core::compile_error!("`select!` takes at most one `else` branch")
    };
    (@branch ($b:tt) $ns:tt $vs:tt $done:tt [] else => $e:block, $($rest:tt)*) => {
        $crate::__weft_select_parse!(@branch ($b) $ns $vs $done [{ $e }] $($rest)*)
    };
    (@branch ($b:tt) $ns:tt $vs:tt $done:tt [] else => $e:block $($rest:tt)*) => {
        $crate::__weft_select_parse!(@branch ($b) $ns $vs $done [{ $e }] $($rest)*)
    };
    (@branch ($b:tt) $ns:tt $vs:tt $done:tt [] else => $e:expr, $($rest:tt)*) => {
        $crate::__weft_select_parse!(@branch ($b) $ns $vs $done [{ $e }] $($rest)*)
    };
    (@branch ($b:tt) $ns:tt $vs:tt $done:tt [] else => $e:expr) => {
        $crate::__weft_select_parse!(@branch ($b) $ns $vs $done [{ $e }])
    };
    (@branch ($b:tt) $ns:tt $vs:tt $done:tt $els:tt else $($rest:tt)*) => {
        ::core::compile_error!("`select!`: the `else` branch is written `else => expression`")
    };
    (@branch ($b:tt) [] [] $done:tt $els:tt $($rest:tt)+) => {
        ::core::compile_error!("`select!` supports at most 32 branches")
    };
    (@branch ($b:tt) $ns:tt $vs:tt $done:tt $els:tt $($rest:tt)+) => {
        $crate::__weft_select_parse!(@pat ($b) $ns $vs $done $els [] $($rest)+)
    };

    // ---- the pattern: every token up to the first `=` (a few at a time, to keep the depth low) --
    (@pat ($b:tt) $ns:tt $vs:tt $done:tt $els:tt [$($p:tt)*] => $($rest:tt)*) => {
        ::core::compile_error!("`select!` branches are written `pattern = future => handler`: this branch has no `pattern =`")
    };
    (@pat ($b:tt) $ns:tt $vs:tt $done:tt $els:tt [$($p:tt)*] = $($rest:tt)*) => {
        $crate::__weft_select_parse!(@fut ($b) $ns $vs $done $els [$($p)*] $($rest)*)
    };
    (@pat ($b:tt) $ns:tt $vs:tt $done:tt $els:tt [$($p:tt)*] $t1:tt = $($rest:tt)*) => {
        $crate::__weft_select_parse!(@fut ($b) $ns $vs $done $els [$($p)* $t1] $($rest)*)
    };
    (@pat ($b:tt) $ns:tt $vs:tt $done:tt $els:tt [$($p:tt)*] $t1:tt $t2:tt = $($rest:tt)*) => {
        $crate::__weft_select_parse!(@fut ($b) $ns $vs $done $els [$($p)* $t1 $t2] $($rest)*)
    };
    (@pat ($b:tt) $ns:tt $vs:tt $done:tt $els:tt [$($p:tt)*] $t1:tt $t2:tt $t3:tt = $($rest:tt)*) => {
        $crate::__weft_select_parse!(@fut ($b) $ns $vs $done $els [$($p)* $t1 $t2 $t3] $($rest)*)
    };
    (@pat ($b:tt) $ns:tt $vs:tt $done:tt $els:tt [$($p:tt)*] $t:tt $($rest:tt)*) => {
        $crate::__weft_select_parse!(@pat ($b) $ns $vs $done $els [$($p)* $t] $($rest)*)
    };
    (@pat ($b:tt) $ns:tt $vs:tt $done:tt $els:tt [$($p:tt)*]) => {
        ::core::compile_error!("`select!`: expected `= future => handler` after the pattern")
    };

    // ---- the future, the optional condition and the handler ----------------------------------
    (@fut ($b:tt) $ns:tt $vs:tt $done:tt $els:tt [] $($rest:tt)*) => {
        ::core::compile_error!("`select!`: a branch has no pattern before `=` (use `_` to ignore the output)")
    };
    (@fut ($b:tt) [$n:tt $($ns:tt)*] [$v:tt $($vs:tt)*] [$($done:tt)*] $els:tt [$($p:tt)+]
        $f:expr, if $c:expr => $h:block, $($rest:tt)*) => {
        $crate::__weft_select_parse!(@branch ($b) [$($ns)*] [$($vs)*]
            [$($done)* ($n $v [$($p)+] ($f) ($c) { $h })] $els $($rest)*)
    };
    (@fut ($b:tt) [$n:tt $($ns:tt)*] [$v:tt $($vs:tt)*] [$($done:tt)*] $els:tt [$($p:tt)+]
        $f:expr, if $c:expr => $h:block $($rest:tt)*) => {
        $crate::__weft_select_parse!(@branch ($b) [$($ns)*] [$($vs)*]
            [$($done)* ($n $v [$($p)+] ($f) ($c) { $h })] $els $($rest)*)
    };
    (@fut ($b:tt) [$n:tt $($ns:tt)*] [$v:tt $($vs:tt)*] [$($done:tt)*] $els:tt [$($p:tt)+]
        $f:expr, if $c:expr => $h:expr, $($rest:tt)*) => {
        $crate::__weft_select_parse!(@branch ($b) [$($ns)*] [$($vs)*]
            [$($done)* ($n $v [$($p)+] ($f) ($c) { $h })] $els $($rest)*)
    };
    (@fut ($b:tt) [$n:tt $($ns:tt)*] [$v:tt $($vs:tt)*] [$($done:tt)*] $els:tt [$($p:tt)+]
        $f:expr, if $c:expr => $h:expr) => {
        $crate::__weft_select_parse!(@branch ($b) [$($ns)*] [$($vs)*]
            [$($done)* ($n $v [$($p)+] ($f) ($c) { $h })] $els)
    };
    (@fut ($b:tt) [$n:tt $($ns:tt)*] [$v:tt $($vs:tt)*] [$($done:tt)*] $els:tt [$($p:tt)+]
        $f:expr => $h:block, $($rest:tt)*) => {
        $crate::__weft_select_parse!(@branch ($b) [$($ns)*] [$($vs)*]
            [$($done)* ($n $v [$($p)+] ($f) (true) { $h })] $els $($rest)*)
    };
    (@fut ($b:tt) [$n:tt $($ns:tt)*] [$v:tt $($vs:tt)*] [$($done:tt)*] $els:tt [$($p:tt)+]
        $f:expr => $h:block $($rest:tt)*) => {
        $crate::__weft_select_parse!(@branch ($b) [$($ns)*] [$($vs)*]
            [$($done)* ($n $v [$($p)+] ($f) (true) { $h })] $els $($rest)*)
    };
    (@fut ($b:tt) [$n:tt $($ns:tt)*] [$v:tt $($vs:tt)*] [$($done:tt)*] $els:tt [$($p:tt)+]
        $f:expr => $h:expr, $($rest:tt)*) => {
        $crate::__weft_select_parse!(@branch ($b) [$($ns)*] [$($vs)*]
            [$($done)* ($n $v [$($p)+] ($f) (true) { $h })] $els $($rest)*)
    };
    (@fut ($b:tt) [$n:tt $($ns:tt)*] [$v:tt $($vs:tt)*] [$($done:tt)*] $els:tt [$($p:tt)+]
        $f:expr => $h:expr) => {
        $crate::__weft_select_parse!(@branch ($b) [$($ns)*] [$($vs)*]
            [$($done)* ($n $v [$($p)+] ($f) (true) { $h })] $els)
    };
    (@fut $($rest:tt)*) => {
        ::core::compile_error!("`select!`: expected `future => handler` or `future, if condition => handler` after `pattern =`")
    };
}

/// Step 2 of `select!`: expands the normal form (see the module docs).
#[doc(hidden)]
#[macro_export]
macro_rules! __weft_select_emit {
    (($b:tt) [$( ($n:tt $v:ident [$($p:tt)+] $f:tt $c:tt $h:tt) )+] [$els:tt]) => {{
        #[allow(non_camel_case_types)]
        enum __WeftSelectOut<$($v,)+> {
            $($v($v),)+
            Disabled,
        }
        const __WEFT_SELECT_BRANCHES: usize = [$($n),+].len();
        const __WEFT_SELECT_ALL: u64 = (1u64 << __WEFT_SELECT_BRANCHES) - 1;

        let __weft_out = {
            let mut __weft_disabled: u64 = 0;
            $(
                if !$c {
                    __weft_disabled |= 1u64 << $n;
                }
            )+
            let mut __weft_futures = ( $( $crate::future::__private::IntoFuture::into_future $f, )+ );
            // Shadowed by a reference so that the tuple can never be moved again: the futures stay
            // where they are until they are dropped at the end of this block.
            let __weft_futures = &mut __weft_futures;
            $crate::future::poll_fn(|__weft_cx| {
                let __weft_start: usize = if $b {
                    0
                } else {
                    $crate::future::__private::random_below(__WEFT_SELECT_BRANCHES)
                };
                for __weft_i in 0..__WEFT_SELECT_BRANCHES {
                    let mut __weft_branch = __weft_start + __weft_i;
                    if __weft_branch >= __WEFT_SELECT_BRANCHES {
                        __weft_branch -= __WEFT_SELECT_BRANCHES;
                    }
                    match __weft_branch {
                        $(
                            $n => {
                                if __weft_disabled & (1u64 << $n) != 0 {
                                    continue;
                                }
                                // SAFETY: the tuple of futures is only reachable through the
                                // `&mut` that shadows it, so it is never moved until it is dropped
                                // in place at the end of the enclosing block.
                                let __weft_fut = unsafe {
                                    $crate::future::__private::Pin::new_unchecked(&mut __weft_futures.$n)
                                };
                                let __weft_value = match $crate::future::__private::Future::poll(__weft_fut, __weft_cx) {
                                    $crate::future::__private::Poll::Ready(value) => value,
                                    $crate::future::__private::Poll::Pending => continue,
                                };
                                // A completed future must not be polled again.
                                __weft_disabled |= 1u64 << $n;
                                #[allow(unused_variables, unused_mut, unused_parens, unreachable_patterns)]
                                let __weft_matched = match &__weft_value {
                                    $crate::__weft_select_clean_pattern!($($p)+) => true,
                                    _ => false,
                                };
                                if __weft_matched {
                                    return $crate::future::__private::Poll::Ready(
                                        __WeftSelectOut::$v(__weft_value),
                                    );
                                }
                            }
                        )+
                        _ => ::core::unreachable!("`select!` has no branch {}", __weft_branch),
                    }
                }
                if __weft_disabled == __WEFT_SELECT_ALL {
                    $crate::future::__private::Poll::Ready(__WeftSelectOut::Disabled)
                } else {
                    $crate::future::__private::Poll::Pending
                }
            })
            .await
        };
        match __weft_out {
            $(
                #[allow(unreachable_patterns)]
                __WeftSelectOut::$v($($p)+) => $h,
            )+
            __WeftSelectOut::Disabled => $els,
            #[allow(unreachable_patterns)]
            _ => ::core::unreachable!("`select!`: an output no longer matches the pattern it matched"),
        }
    }};
}

/// Step 3 of `select!`: a pattern without `mut` and `ref`, in parentheses, so that it can be
/// tested against a reference to the value.
#[doc(hidden)]
#[macro_export]
macro_rules! __weft_select_clean_pattern {
    // Done: no tokens left and no enclosing group.
    (@[$($cur:tt)*] []) => { ($($cur)*) };
    (@[$($cur:tt)*] $stack:tt mut $($rest:tt)*) => {
        $crate::__weft_select_clean_pattern!(@[$($cur)*] $stack $($rest)*)
    };
    (@[$($cur:tt)*] $stack:tt ref $($rest:tt)*) => {
        $crate::__weft_select_clean_pattern!(@[$($cur)*] $stack $($rest)*)
    };
    // Enter a group: save what was built so far and the tokens after the group.
    (@[$($cur:tt)*] [$($stack:tt)*] ( $($inner:tt)* ) $($rest:tt)*) => {
        $crate::__weft_select_clean_pattern!(@[] [(paren [$($cur)*] [$($rest)*]) $($stack)*] $($inner)*)
    };
    (@[$($cur:tt)*] [$($stack:tt)*] [ $($inner:tt)* ] $($rest:tt)*) => {
        $crate::__weft_select_clean_pattern!(@[] [(bracket [$($cur)*] [$($rest)*]) $($stack)*] $($inner)*)
    };
    (@[$($cur:tt)*] [$($stack:tt)*] { $($inner:tt)* } $($rest:tt)*) => {
        $crate::__weft_select_clean_pattern!(@[] [(brace [$($cur)*] [$($rest)*]) $($stack)*] $($inner)*)
    };
    // Leave a group: wrap what was built in its delimiters and continue after it.
    (@[$($cur:tt)*] [(paren [$($prev:tt)*] [$($rest:tt)*]) $($stack:tt)*]) => {
        $crate::__weft_select_clean_pattern!(@[$($prev)* ($($cur)*)] [$($stack)*] $($rest)*)
    };
    (@[$($cur:tt)*] [(bracket [$($prev:tt)*] [$($rest:tt)*]) $($stack:tt)*]) => {
        $crate::__weft_select_clean_pattern!(@[$($prev)* [$($cur)*]] [$($stack)*] $($rest)*)
    };
    (@[$($cur:tt)*] [(brace [$($prev:tt)*] [$($rest:tt)*]) $($stack:tt)*]) => {
        $crate::__weft_select_clean_pattern!(@[$($prev)* {$($cur)*}] [$($stack)*] $($rest)*)
    };
    // Any other token is kept.
    (@[$($cur:tt)*] $stack:tt $t:tt $($rest:tt)*) => {
        $crate::__weft_select_clean_pattern!(@[$($cur)* $t] $stack $($rest)*)
    };
    ($($pattern:tt)+) => {
        $crate::__weft_select_clean_pattern!(@[] [] $($pattern)+)
    };
}

/// A uniformly distributed number in `0..n` from a per-thread xorshift generator.
///
/// Used to pick the first branch `select!` and `race` poll. Not for anything that needs real
/// randomness. Returns 0 when the thread's locals are being destroyed.
///
/// # Panics
///
/// Never; for `n == 0` it returns 0.
#[doc(hidden)]
pub fn random_below(n: usize) -> usize {
    thread_local! {
        static STATE: Cell<u64> = const { Cell::new(0) };
    }
    STATE
        .try_with(|state| {
            let mut x = state.get();
            if x == 0 {
                x = seed();
            }
            // xorshift64 (Marsaglia): never reaches 0 from a non-zero state.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            state.set(x);
            // Lemire's multiply-shift maps x to 0..n without a division.
            ((u128::from(x) * n as u128) >> 64) as usize
        })
        .unwrap_or(0)
}

/// A non-zero seed that differs between threads and processes.
fn seed() -> u64 {
    use std::hash::BuildHasher;
    std::collections::hash_map::RandomState::new().hash_one(std::thread::current().id()) | 1
}

#[cfg(test)]
mod tests {
    use super::random_below;

    #[test]
    fn random_below_stays_in_range_and_covers_it() {
        let mut seen = [0u32; 5];
        for _ in 0..10_000 {
            let r = random_below(5);
            assert!(r < 5, "random_below(5) returned {r}");
            seen[r] += 1;
        }
        // Each value should come up about 2,000 times; 1,500 is far outside any plausible noise.
        for (value, count) in seen.iter().enumerate() {
            assert!(
                *count > 1_500,
                "value {value} came up only {count} times in 10,000"
            );
        }
        assert_eq!(random_below(0), 0);
        assert_eq!(random_below(1), 0);
    }
}

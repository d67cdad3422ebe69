//! # weft-macros: `#[weft::main]` and `#[weft::test]`
//!
//! Attribute macros that turn an `async fn` into a plain `fn` that builds a weft runtime and runs
//! the body on it with `block_on`, as `asyncio.run(main())` does. Use them through the facade
//! (`#[weft::main]`, `#[weft::test]`); the expansion names `::weft::runtime::Builder`, so this
//! crate depends on no other weft crate.
//!
//! ```text
//! #[weft::main]                        fn main() -> T {
//! async fn main() -> T {        =>         ::weft::runtime::Builder::new_multi_thread()
//!     body                                     .build().expect("failed to build the weft runtime")
//! }                                            .block_on(async move { body })
//!                                      }
//! ```
//!
//! The expansion logic works on `proc_macro2` token streams (module `entry`) so that it is unit
//! tested without a compiler.
#![deny(unsafe_op_in_unsafe_fn)]

use proc_macro::TokenStream;

mod config;
mod entry;
mod generator;

/// Runs an `async fn main` on a weft runtime.
///
/// The function becomes a plain `fn` that builds a runtime, runs the body to completion with
/// `block_on`, and returns its output (so `async fn main() -> Result<(), E>` works). Attributes
/// and visibility are kept. The function need not be called `main`.
///
/// Options (all optional):
///
/// - `flavor = "multi_thread"` (the default) or `flavor = "current_thread"`;
/// - `worker_threads = N` (N >= 1; only with `multi_thread`; default: the number of cores);
/// - `start_paused = true` (only with `current_thread`): start with the clock paused, see
///   `weft::time`;
/// - `unhandled_panic = "shutdown_runtime"` (or `"ignore"`, the default): a panic no `JoinHandle`
///   sees shuts the runtime down and the function panics with it (see
///   `weft::runtime::UnhandledPanic`);
/// - `crate = path` (or `crate = "path"`): the path of the `weft` crate, if it is renamed or
///   re-exported.
///
/// # Examples
///
/// ```text
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let answer = weft::spawn(async { 6 * 7 }).await.unwrap();
///     println!("{answer}");
///     Ok(())
/// }
///
/// #[weft::main(flavor = "multi_thread", worker_threads = 2)]
/// async fn main() { /* ... */ }
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() { /* ... */ }
/// ```
///
/// The expansion of the second one is:
///
/// ```text
/// fn main() {
///     let body = async move { /* ... */ };
///     ::weft::runtime::Builder::new_multi_thread()
///         .worker_threads(2)
///         .build()
///         .expect("failed to build the weft runtime")
///         .block_on(body)
/// }
/// ```
///
/// # Errors
///
/// A compile error, pointing at the culprit, for: a function without `async`, a function with
/// arguments, an unknown option, a repeated option, a value of the wrong kind (`flavor = 1`),
/// an unknown flavor, `worker_threads = 0`, `worker_threads` with `current_thread`, and
/// `start_paused` with `multi_thread`.
///
/// # Panics
///
/// The generated code panics if the runtime cannot be built (the OS refused threads or an
/// event queue), with the message "failed to build the weft runtime" and the I/O error.
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(entry::Kind::Main, args.into(), item.into()).into()
}

/// Runs an `async fn` test on a weft runtime.
///
/// Like [`macro@main`], and adds `#[test]`. The default flavor is `"current_thread"` (each test
/// gets its own runtime on the test's thread); `flavor = "multi_thread"` (optionally with
/// `worker_threads = N`) tests multi-thread behaviour. `start_paused = true` starts the test with
/// a paused clock, so timers advance instantly when the runtime is idle.
/// `unhandled_panic = "shutdown_runtime"` makes a panic in a detached task fail the test at once
/// (by default it is only reported on stderr). A test may return `Result`, like any `#[test]`.
///
/// # Examples
///
/// ```text
/// #[weft::test]
/// async fn adds() {
///     assert_eq!(weft::spawn(async { 1 + 1 }).await.unwrap(), 2);
/// }
///
/// #[weft::test(flavor = "multi_thread", worker_threads = 2)]
/// async fn on_two_workers() -> Result<(), weft::task::JoinError> {
///     weft::spawn(async {}).await
/// }
///
/// #[weft::test(start_paused = true)]
/// async fn an_hour_in_no_time() {
///     weft::time::sleep(std::time::Duration::from_secs(3600)).await;
/// }
/// ```
///
/// # Errors
///
/// As [`macro@main`]; arguments are refused with "`#[weft::test]` functions take no arguments",
/// and an extra `#[test]` attribute is refused (it would run the test twice).
///
/// # Panics
///
/// As [`macro@main`].
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(entry::Kind::Test, args.into(), item.into()).into()
}

/// An async generator: a stream written as an async block with `yield`, as an `async def` with
/// `yield` is in Python. Use it as `weft::stream::stream!`; its documentation is there.
///
/// ```text
/// let s = weft::stream::stream! {
///     for i in 0..3 {
///         weft::time::sleep(Duration::from_millis(10)).await;
///         yield i;
///     }
/// };
/// ```
///
/// # Errors
///
/// A compile error for a body that is not a list of statements, and for a `yield` inside a
/// closure or an async block nested in the body.
#[proc_macro]
pub fn stream(input: TokenStream) -> TokenStream {
    generator::expand(generator::Form::Plain, input.into()).into()
}

/// A fallible async generator: like [`stream!`], with items `Ok(v)` for each `yield v` and `?`
/// ending the stream with `Err(e)`. Use it as `weft::stream::try_stream!`.
///
/// # Errors
///
/// As [`stream!`].
#[proc_macro]
pub fn try_stream(input: TokenStream) -> TokenStream {
    generator::expand(generator::Form::Try, input.into()).into()
}

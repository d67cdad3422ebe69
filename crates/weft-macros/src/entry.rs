//! The expansion of `#[weft::main]` and `#[weft::test]`, over `proc_macro2` tokens.
//!
//! On a mistake the attribute still expands (with the default options, and with the body wrapped
//! as usual) and adds the compile errors next to it, so the user sees the one error that matters
//! rather than a cascade ("`main` function not found", "`await` is only allowed inside `async`").

use proc_macro2::{Literal, Span, TokenStream};
use quote::quote;
use syn::{AttrStyle, Attribute, Error, Ident, ItemFn};

use crate::config::{self, Config, Errors, Flavor};

/// Which attribute is being expanded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `#[weft::main]`: default flavor multi-thread.
    Main,
    /// `#[weft::test]`: default flavor current-thread, adds `#[test]`.
    Test,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Main => "main",
            Kind::Test => "test",
        }
    }

    pub(crate) fn default_flavor(self) -> Flavor {
        match self {
            Kind::Main => Flavor::MultiThread,
            Kind::Test => Flavor::CurrentThread,
        }
    }
}

/// Expands the attribute `kind` with arguments `args` on `item`.
pub(crate) fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let function: ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(e) => {
            let error = Error::new(
                e.span(),
                format!("#[weft::{}] goes on an `async fn`: {e}", kind.name()),
            );
            let mut out = error.to_compile_error();
            out.extend(item);
            return out;
        }
    };
    let mut errors = Errors::default();
    if let Err(e) = check_function(kind, &function) {
        errors.push(e);
    }
    let config = match config::parse(kind, args) {
        Ok(config) => config,
        Err(e) => {
            errors.push(e);
            Config::default_for(kind)
        }
    };
    let mut out = generate(kind, &config, function);
    if let Err(e) = errors.finish() {
        out.extend(e.to_compile_error());
    }
    out
}

/// The function must be `async`, take no arguments, and (for tests) not carry its own `#[test]`.
fn check_function(kind: Kind, function: &ItemFn) -> syn::Result<()> {
    let mut errors = Errors::default();
    let sig = &function.sig;
    if sig.asyncness.is_none() {
        errors.push(Error::new_spanned(
            sig.fn_token,
            "the `async` keyword is missing from the function declaration",
        ));
    }
    if !sig.inputs.is_empty() {
        errors.push(Error::new_spanned(
            &sig.inputs,
            format!("#[weft::{}] functions take no arguments", kind.name()),
        ));
    }
    if kind == Kind::Test {
        if let Some(attr) = function.attrs.iter().find(|a| is_test_attribute(a)) {
            errors.push(Error::new_spanned(
                attr,
                "#[weft::test] adds `#[test]` itself: remove this attribute (the test would run twice)",
            ));
        }
    }
    errors.finish()
}

/// `#[test]` or `#[core::prelude::v1::test]` (also through `std` and with a leading `::`).
fn is_test_attribute(attr: &Attribute) -> bool {
    let segments: Vec<String> = attr
        .path()
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    match segments.as_slice() {
        [test] => test == "test",
        [root, prelude, _, test] => {
            (root == "core" || root == "std") && prelude == "prelude" && test == "test"
        }
        _ => false,
    }
}

/// The plain function that builds the runtime and runs the body.
fn generate(kind: Kind, config: &Config, function: ItemFn) -> TokenStream {
    let ItemFn {
        attrs,
        vis,
        mut sig,
        block,
    } = function;
    sig.asyncness = None;
    let (outer, inner): (Vec<Attribute>, Vec<Attribute>) = attrs
        .into_iter()
        .partition(|a| matches!(a.style, AttrStyle::Outer));

    let krate = &config.krate;
    let builder = match config.flavor {
        Flavor::CurrentThread => quote!(#krate::runtime::Builder::new_current_thread()),
        Flavor::MultiThread => quote!(#krate::runtime::Builder::new_multi_thread()),
    };
    let worker_threads = config.worker_threads.map(|n| {
        let n = Literal::usize_unsuffixed(n);
        quote!(.worker_threads(#n))
    });
    let start_paused = config.start_paused.map(|b| quote!(.start_paused(#b)));
    let unhandled_panic = config.shutdown_on_unhandled_panic.map(|shutdown| {
        if shutdown {
            quote!(.unhandled_panic(#krate::runtime::UnhandledPanic::ShutdownRuntime))
        } else {
            quote!(.unhandled_panic(#krate::runtime::UnhandledPanic::Ignore))
        }
    });
    let test_attribute = match kind {
        Kind::Test => quote!(#[::core::prelude::v1::test]),
        Kind::Main => quote!(),
    };
    // Mixed-site hygiene: the user's code cannot see or shadow this local.
    let body = Ident::new("body", Span::mixed_site());
    quote! {
        #test_attribute
        #(#outer)*
        #vis #sig {
            #(#inner)*
            let #body = async move #block;
            #[allow(clippy::expect_used, clippy::needless_return)]
            {
                return #builder #worker_threads #start_paused #unhandled_panic
                    .build()
                    .expect("failed to build the weft runtime")
                    .block_on(#body);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn expand_str(kind: Kind, args: TokenStream, item: TokenStream) -> String {
        expand(kind, args, item).to_string()
    }

    /// Token streams compared as text without spaces (`>>` and `> >` print differently).
    fn assert_same_tokens(actual: &str, expected: &TokenStream) {
        let squash = |s: &str| s.split_whitespace().collect::<String>();
        assert_eq!(squash(actual), squash(&expected.to_string()));
    }

    /// The error messages in an expansion, in order.
    fn errors_of(tokens: TokenStream) -> Vec<String> {
        let text = tokens.to_string();
        text.split("compile_error !")
            .skip(1)
            .map(|rest| {
                let start = rest.find('"').expect("compile_error! has a string") + 1;
                let end = start + rest[start..].find("\" }").expect("the string ends");
                rest[start..end].replace("\\\"", "\"")
            })
            .collect()
    }

    fn config_error(kind: Kind, args: TokenStream) -> String {
        config::parse(kind, args)
            .expect_err("the options are refused")
            .to_string()
    }

    #[test]
    fn main_defaults_to_multi_thread() {
        let out = expand_str(
            Kind::Main,
            quote!(),
            quote! {
                async fn main() {
                    println!("hi");
                }
            },
        );
        let expected = quote! {
            fn main() {
                let body = async move {
                    println!("hi");
                };
                #[allow(clippy::expect_used, clippy::needless_return)]
                {
                    return ::weft::runtime::Builder::new_multi_thread()
                        .build()
                        .expect("failed to build the weft runtime")
                        .block_on(body);
                }
            }
        };
        assert_same_tokens(&out, &expected);
    }

    #[test]
    fn test_defaults_to_current_thread_and_adds_the_test_attribute() {
        let out = expand_str(
            Kind::Test,
            quote!(),
            quote!(
                async fn t() {}
            ),
        );
        let expected = quote! {
            #[::core::prelude::v1::test]
            fn t() {
                let body = async move {};
                #[allow(clippy::expect_used, clippy::needless_return)]
                {
                    return ::weft::runtime::Builder::new_current_thread()
                        .build()
                        .expect("failed to build the weft runtime")
                        .block_on(body);
                }
            }
        };
        assert_same_tokens(&out, &expected);
    }

    #[test]
    fn options_reach_the_builder() {
        let out = expand_str(
            Kind::Main,
            quote!(flavor = "multi_thread", worker_threads = 3),
            quote!(
                async fn main() {}
            ),
        );
        assert!(
            out.contains("new_multi_thread () . worker_threads (3) . build ()"),
            "{out}"
        );

        let out = expand_str(
            Kind::Test,
            quote!(start_paused = true),
            quote!(
                async fn t() {}
            ),
        );
        assert!(
            out.contains("new_current_thread () . start_paused (true) . build ()"),
            "{out}"
        );

        let out = expand_str(
            Kind::Main,
            quote!(flavor = "current_thread", start_paused = false,),
            quote!(
                async fn main() {}
            ),
        );
        assert!(
            out.contains("new_current_thread () . start_paused (false) . build ()"),
            "{out}"
        );

        let out = expand_str(
            Kind::Test,
            quote!(flavor = "multi_thread"),
            quote!(
                async fn t() {}
            ),
        );
        assert!(out.contains("new_multi_thread () . build ()"), "{out}");
    }

    #[test]
    fn crate_option_renames_the_facade_path() {
        for args in [quote!(crate = ::my::weft), quote!(crate = "::my::weft")] {
            let out = expand_str(
                Kind::Main,
                args,
                quote!(
                    async fn main() {}
                ),
            );
            assert!(out.contains(":: my :: weft :: runtime :: Builder"), "{out}");
            assert!(!out.contains("return :: weft"), "{out}");
        }
    }

    #[test]
    fn attributes_visibility_return_type_and_name_are_kept() {
        let out = expand_str(
            Kind::Main,
            quote!(),
            quote! {
                /// Docs.
                #[inline(never)]
                pub(crate) async fn serve() -> Result<(), Box<dyn std::error::Error>> {
                    #![allow(unused)]
                    Ok(())
                }
            },
        );
        let expected = quote! {
            /// Docs.
            #[inline(never)]
            pub(crate) fn serve() -> Result<(), Box<dyn std::error::Error>> {
                #![allow(unused)]
                let body = async move {
                    Ok(())
                };
                #[allow(clippy::expect_used, clippy::needless_return)]
                {
                    return ::weft::runtime::Builder::new_multi_thread()
                        .build()
                        .expect("failed to build the weft runtime")
                        .block_on(body);
                }
            }
        };
        // The body's inner attributes stay at the top of the function.
        assert_same_tokens(&out, &expected);
    }

    #[test]
    fn test_keeps_other_attributes_after_test() {
        let out = expand_str(
            Kind::Test,
            quote!(),
            quote! {
                #[should_panic(expected = "boom")]
                async fn panics() { panic!("boom") }
            },
        );
        assert!(
            out.starts_with("# [:: core :: prelude :: v1 :: test] # [should_panic (expected = \"boom\")] fn panics ()"),
            "{out}"
        );
    }

    #[test]
    fn non_async_function_is_refused_but_still_expanded() {
        let out = expand(
            Kind::Main,
            quote!(),
            quote!(
                fn main() {}
            ),
        );
        assert_eq!(
            errors_of(out.clone()),
            ["the `async` keyword is missing from the function declaration"]
        );
        // Still expanded, so there is no extra "`main` function not found" error.
        assert!(out.to_string().starts_with("fn main ()"), "{out}");
    }

    #[test]
    fn arguments_are_refused() {
        let out = expand(
            Kind::Test,
            quote!(),
            quote!(
                async fn t(x: u8) {}
            ),
        );
        assert_eq!(
            errors_of(out),
            ["#[weft::test] functions take no arguments"]
        );
        let out = expand(
            Kind::Main,
            quote!(),
            quote!(
                async fn main(args: Vec<String>) {}
            ),
        );
        assert_eq!(
            errors_of(out),
            ["#[weft::main] functions take no arguments"]
        );
    }

    #[test]
    fn all_problems_are_reported_together() {
        let out = expand(
            Kind::Test,
            quote!(flavour = "x"),
            quote!(
                fn t(x: u8) {}
            ),
        );
        let errors = errors_of(out);
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].contains("`async` keyword is missing"));
        assert!(errors[1].contains("take no arguments"));
        assert!(errors[2].contains("unknown option `flavour`"));
    }

    #[test]
    fn an_extra_test_attribute_is_refused() {
        for attr in [
            quote!(#[test]),
            quote!(#[::core::prelude::v1::test]),
            quote!(#[std::prelude::v1::test]),
        ] {
            let out = expand(Kind::Test, quote!(), quote!(#attr async fn t() {}));
            assert_eq!(
                errors_of(out),
                ["#[weft::test] adds `#[test]` itself: remove this attribute (the test would run twice)"]
            );
        }
    }

    #[test]
    fn not_a_function_is_refused() {
        let out = expand(
            Kind::Main,
            quote!(),
            quote!(
                struct Main;
            ),
        );
        let errors = errors_of(out);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("#[weft::main] goes on an `async fn`"),
            "{errors:?}"
        );
    }

    #[test]
    fn unhandled_panic_option() {
        let out = expand_str(
            Kind::Test,
            quote!(unhandled_panic = "shutdown_runtime"),
            quote!(
                async fn t() {}
            ),
        );
        assert!(
            out.contains(
                ". unhandled_panic (:: weft :: runtime :: UnhandledPanic :: ShutdownRuntime)"
            ),
            "{out}"
        );
        let errors = errors_of(expand(
            Kind::Test,
            quote!(unhandled_panic = "explode"),
            quote!(
                async fn t() {}
            ),
        ));
        assert!(
            errors[0].contains("unknown policy \"explode\""),
            "{errors:?}"
        );
    }

    #[test]
    fn unknown_option() {
        let e = config_error(Kind::Main, quote!(threads = 4));
        assert_eq!(
            e,
            "unknown option `threads`: the options of #[weft::main] are `flavor`, `worker_threads`, `start_paused`, `unhandled_panic` and `crate`"
        );
    }

    #[test]
    fn option_without_value() {
        let e = config_error(Kind::Test, quote!(current_thread));
        assert!(
            e.starts_with("expected `name = value`, e.g. `flavor = \"current_thread\"`"),
            "{e}"
        );
        let e = config_error(Kind::Test, quote!(flavor("current_thread")));
        assert!(e.starts_with("expected `name = value`"), "{e}");
    }

    #[test]
    fn bad_values() {
        assert_eq!(
            config_error(Kind::Main, quote!(flavor = "single_thread")),
            "unknown flavor \"single_thread\": expected \"current_thread\" or \"multi_thread\""
        );
        assert_eq!(
            config_error(Kind::Main, quote!(flavor = current_thread)),
            "`flavor` takes a string: `flavor = \"current_thread\"` or `flavor = \"multi_thread\"`"
        );
        assert_eq!(
            config_error(Kind::Main, quote!(worker_threads = "4")),
            "`worker_threads` takes a positive integer, e.g. `worker_threads = 4`"
        );
        assert_eq!(
            config_error(Kind::Main, quote!(worker_threads = -1)),
            "`worker_threads` takes a positive integer, e.g. `worker_threads = 4`"
        );
        assert_eq!(
            config_error(Kind::Test, quote!(start_paused = 1)),
            "`start_paused` takes `true` or `false`"
        );
        assert_eq!(
            config_error(Kind::Main, quote!(crate = 5)),
            "`crate` takes a path, e.g. `crate = ::my_weft`"
        );
        assert!(config_error(Kind::Main, quote!(crate = "not a path"))
            .starts_with("`crate` takes a path"));
    }

    #[test]
    fn zero_worker_threads() {
        assert_eq!(
            config_error(Kind::Main, quote!(worker_threads = 0)),
            "`worker_threads` must be at least 1 (leave it out to use one worker per core)"
        );
    }

    #[test]
    fn worker_threads_only_with_multi_thread() {
        let e = config_error(Kind::Test, quote!(worker_threads = 2));
        assert!(e.starts_with("`worker_threads` needs the multi-thread runtime (the default flavor of #[weft::test] is \"current_thread\""), "{e}");
        let e = config_error(
            Kind::Main,
            quote!(flavor = "current_thread", worker_threads = 2),
        );
        assert!(
            e.starts_with(
                "`worker_threads` needs the multi-thread runtime (add `flavor = \"multi_thread\"`"
            ),
            "{e}"
        );
        let config = config::parse(
            Kind::Test,
            quote!(flavor = "multi_thread", worker_threads = 2),
        )
        .unwrap();
        assert_eq!(
            (config.flavor, config.worker_threads),
            (Flavor::MultiThread, Some(2))
        );
    }

    #[test]
    fn start_paused_only_with_current_thread() {
        let e = config_error(Kind::Main, quote!(start_paused = true));
        assert!(e.starts_with("`start_paused` needs the current-thread runtime (the default flavor of #[weft::main] is \"multi_thread\""), "{e}");
        let e = config_error(
            Kind::Test,
            quote!(flavor = "multi_thread", start_paused = true),
        );
        assert_eq!(
            e,
            "`start_paused` needs the current-thread runtime (add `flavor = \"current_thread\"`)"
        );
        let config = config::parse(
            Kind::Main,
            quote!(flavor = "current_thread", start_paused = true),
        )
        .unwrap();
        assert_eq!(
            (config.flavor, config.start_paused),
            (Flavor::CurrentThread, Some(true))
        );
    }

    #[test]
    fn repeated_options() {
        assert_eq!(
            config_error(
                Kind::Main,
                quote!(flavor = "multi_thread", flavor = "current_thread")
            ),
            "`flavor` is given more than once"
        );
        assert_eq!(
            config_error(Kind::Main, quote!(worker_threads = 1, worker_threads = 2)),
            "`worker_threads` is given more than once"
        );
    }

    #[test]
    fn malformed_argument_list() {
        assert!(config::parse(Kind::Main, quote!(flavor = )).is_err());
        assert!(config::parse(Kind::Main, quote!(,)).is_err());
        let out = expand(
            Kind::Main,
            quote!(flavor "x"),
            quote!(
                async fn main() {}
            ),
        );
        assert_eq!(errors_of(out.clone()).len(), 1);
        // The default expansion is still there.
        assert!(out.to_string().contains("new_multi_thread"), "{out}");
    }
}

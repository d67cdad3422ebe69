//! The options of `#[weft::main(...)]` and `#[weft::test(...)]`, parsed and checked.

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Error, Expr, ExprLit, Lit, Meta, MetaNameValue, Token};

use crate::entry::Kind;

/// The option names, for error messages.
const OPTIONS: &str = "`flavor`, `worker_threads`, `start_paused`, `unhandled_panic` and `crate`";

/// Which scheduler the generated code builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// `Builder::new_current_thread()`.
    CurrentThread,
    /// `Builder::new_multi_thread()`.
    MultiThread,
}

/// The checked options of one attribute.
#[derive(Debug)]
pub(crate) struct Config {
    pub(crate) flavor: Flavor,
    pub(crate) worker_threads: Option<usize>,
    pub(crate) start_paused: Option<bool>,
    /// `unhandled_panic = "shutdown_runtime"` (`true`) or `"ignore"` (`false`).
    pub(crate) shutdown_on_unhandled_panic: Option<bool>,
    /// The path of the facade crate: `::weft` unless `crate = ...` says otherwise.
    pub(crate) krate: TokenStream,
}

impl Config {
    /// The configuration with no options given.
    pub(crate) fn default_for(kind: Kind) -> Config {
        Config {
            flavor: kind.default_flavor(),
            worker_threads: None,
            start_paused: None,
            shutdown_on_unhandled_panic: None,
            krate: quote!(::weft),
        }
    }
}

/// Parses and checks the attribute's arguments; every problem found is reported, not only the
/// first.
pub(crate) fn parse(kind: Kind, args: TokenStream) -> syn::Result<Config> {
    let metas = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args)?;
    let mut errors = Errors::default();
    let mut flavor: Option<Flavor> = None;
    let mut worker_threads: Option<(usize, Span)> = None;
    let mut start_paused: Option<(bool, Span)> = None;
    let mut unhandled_panic: Option<bool> = None;
    let mut krate: Option<TokenStream> = None;

    for meta in metas {
        let MetaNameValue { path, value, .. } = match meta {
            Meta::NameValue(name_value) => name_value,
            other => {
                errors.push(Error::new_spanned(
                    &other,
                    format!(
                        "expected `name = value`, e.g. `flavor = \"current_thread\"`; \
                         the options of #[weft::{}] are {OPTIONS}",
                        kind.name()
                    ),
                ));
                continue;
            }
        };
        let name = path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_else(|| path.to_token_stream().to_string());
        let repeated = || Error::new_spanned(&path, format!("`{name}` is given more than once"));
        match name.as_str() {
            "flavor" => {
                if flavor.is_some() {
                    errors.push(repeated());
                    continue;
                }
                match parse_flavor(&value) {
                    Ok(f) => flavor = Some(f),
                    Err(e) => errors.push(e),
                }
            }
            "worker_threads" => {
                if worker_threads.is_some() {
                    errors.push(repeated());
                    continue;
                }
                match parse_worker_threads(&value) {
                    Ok(n) => worker_threads = Some((n, span_of(&path, &value))),
                    Err(e) => errors.push(e),
                }
            }
            "start_paused" => {
                if start_paused.is_some() {
                    errors.push(repeated());
                    continue;
                }
                match parse_bool(&value, "start_paused") {
                    Ok(b) => start_paused = Some((b, span_of(&path, &value))),
                    Err(e) => errors.push(e),
                }
            }
            "unhandled_panic" => {
                if unhandled_panic.is_some() {
                    errors.push(repeated());
                    continue;
                }
                match parse_unhandled_panic(&value) {
                    Ok(b) => unhandled_panic = Some(b),
                    Err(e) => errors.push(e),
                }
            }
            "crate" => {
                if krate.is_some() {
                    errors.push(repeated());
                    continue;
                }
                match parse_crate_path(&value) {
                    Ok(p) => krate = Some(p),
                    Err(e) => errors.push(e),
                }
            }
            _ => errors.push(Error::new_spanned(
                &path,
                format!(
                    "unknown option `{name}`: the options of #[weft::{}] are {OPTIONS}",
                    kind.name()
                ),
            )),
        }
    }

    let flavor = flavor.unwrap_or(kind.default_flavor());
    if let (Some((_, span)), Flavor::CurrentThread) = (worker_threads, flavor) {
        let hint = match kind {
            Kind::Test => "the default flavor of #[weft::test] is \"current_thread\": ",
            Kind::Main => "",
        };
        errors.push(Error::new(
            span,
            format!(
                "`worker_threads` needs the multi-thread runtime ({hint}add `flavor = \"multi_thread\"`, \
                 or remove `worker_threads`: the current-thread runtime runs tasks on one thread)"
            ),
        ));
    }
    if let (Some((_, span)), Flavor::MultiThread) = (start_paused, flavor) {
        let hint = match kind {
            Kind::Main => "the default flavor of #[weft::main] is \"multi_thread\": ",
            Kind::Test => "",
        };
        errors.push(Error::new(
            span,
            format!(
                "`start_paused` needs the current-thread runtime ({hint}add `flavor = \"current_thread\"`)"
            ),
        ));
    }
    errors.finish()?;
    Ok(Config {
        flavor,
        worker_threads: worker_threads.map(|(n, _)| n),
        start_paused: start_paused.map(|(b, _)| b),
        shutdown_on_unhandled_panic: unhandled_panic,
        krate: krate.unwrap_or_else(|| quote!(::weft)),
    })
}

/// Several errors reported together.
#[derive(Default)]
pub(crate) struct Errors(Option<Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: Error) {
        match &mut self.0 {
            Some(first) => first.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn finish(self) -> syn::Result<()> {
        match self.0 {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

/// The span from an option's name to its value (a single span where joining is unsupported).
fn span_of(path: &syn::Path, value: &Expr) -> Span {
    let start = path
        .segments
        .first()
        .map_or_else(Span::call_site, |s| s.ident.span());
    let end = value
        .to_token_stream()
        .into_iter()
        .last()
        .map_or(start, |t| t.span());
    start.join(end).unwrap_or(start)
}

fn string_literal(value: &Expr) -> Option<&syn::LitStr> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Some(s),
        _ => None,
    }
}

fn parse_flavor(value: &Expr) -> syn::Result<Flavor> {
    let Some(s) = string_literal(value) else {
        return Err(Error::new_spanned(
            value,
            "`flavor` takes a string: `flavor = \"current_thread\"` or `flavor = \"multi_thread\"`",
        ));
    };
    match s.value().as_str() {
        "current_thread" => Ok(Flavor::CurrentThread),
        "multi_thread" => Ok(Flavor::MultiThread),
        other => Err(Error::new_spanned(
            s,
            format!("unknown flavor \"{other}\": expected \"current_thread\" or \"multi_thread\""),
        )),
    }
}

fn parse_unhandled_panic(value: &Expr) -> syn::Result<bool> {
    let expected = "`unhandled_panic` takes a string: `unhandled_panic = \"shutdown_runtime\"` \
                    (a panic no JoinHandle sees fails the test) or `unhandled_panic = \"ignore\"`";
    let Some(s) = string_literal(value) else {
        return Err(Error::new_spanned(value, expected));
    };
    match s.value().as_str() {
        "shutdown_runtime" => Ok(true),
        "ignore" => Ok(false),
        other => Err(Error::new_spanned(
            s,
            format!("unknown policy \"{other}\": {expected}"),
        )),
    }
}

fn parse_worker_threads(value: &Expr) -> syn::Result<usize> {
    let not_a_count = || {
        Error::new_spanned(
            value,
            "`worker_threads` takes a positive integer, e.g. `worker_threads = 4`",
        )
    };
    let n = match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => int.base10_parse::<usize>().map_err(|_| not_a_count())?,
        _ => return Err(not_a_count()),
    };
    if n == 0 {
        return Err(Error::new_spanned(
            value,
            "`worker_threads` must be at least 1 (leave it out to use one worker per core)",
        ));
    }
    Ok(n)
}

fn parse_bool(value: &Expr, name: &str) -> syn::Result<bool> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        }) => Ok(b.value),
        _ => Err(Error::new_spanned(
            value,
            format!("`{name}` takes `true` or `false`"),
        )),
    }
}

fn parse_crate_path(value: &Expr) -> syn::Result<TokenStream> {
    if let Some(s) = string_literal(value) {
        let path: syn::Path = s.parse().map_err(|_| {
            Error::new_spanned(
                s,
                format!(
                    "`crate` takes a path, e.g. `crate = ::my_weft`; \"{}\" is not one",
                    s.value()
                ),
            )
        })?;
        return Ok(path.to_token_stream());
    }
    match value {
        Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => Ok(p.path.to_token_stream()),
        _ => Err(Error::new_spanned(
            value,
            "`crate` takes a path, e.g. `crate = ::my_weft`",
        )),
    }
}

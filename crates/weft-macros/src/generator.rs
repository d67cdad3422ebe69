//! `stream!` and `try_stream!`: an async block whose `yield`s become items of a stream.
//!
//! ```text
//! stream! {                       ::weft::stream::Generator::new(move |y| async move {
//!     for i in 0..3 {       =>        for i in 0..3 {
//!         yield i;                        y.send(i).await;
//!     }                               }
//! }                               })
//! ```
//!
//! `try_stream!` runs the body in an inner async block returning `Result<(), E>`, so `?` works
//! as in any fallible async fn; `yield v` sends `Ok(v)`, and an error that ends the body is sent
//! as the last item, `Err(e)`. The yielder's name has mixed-site hygiene: code in the body cannot
//! name it, move it or hand it to another task.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{Block, Expr, Ident, Item, Stmt};

/// Which macro is expanded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Form {
    /// `stream!`: items are the yielded values.
    Plain,
    /// `try_stream!`: items are `Ok(yielded)`, then `Err(e)` if the body fails with `?`.
    Try,
}

/// Expands the body of a `stream!` (or `try_stream!`) invocation.
pub(crate) fn expand(form: Form, input: TokenStream) -> TokenStream {
    let mut stmts = match Block::parse_within.parse2(input) {
        Ok(stmts) => stmts,
        Err(e) => return e.to_compile_error(),
    };
    let yielder = Ident::new("__weft_yielder", Span::mixed_site());
    let mut rewrite = Rewrite {
        yielder: &yielder,
        form,
        errors: Vec::new(),
    };
    for stmt in &mut stmts {
        rewrite.visit_stmt_mut(stmt);
    }
    if let Some(error) = rewrite.errors.into_iter().reduce(|mut all, e| {
        all.combine(e);
        all
    }) {
        return error.to_compile_error();
    }
    // The body's value is not an item: end a trailing expression with `;`.
    if let Some(Stmt::Expr(_, semi @ None)) = stmts.last_mut() {
        *semi = Some(Default::default());
    }
    match form {
        Form::Plain => quote! {
            ::weft::stream::Generator::new(move |#yielder| async move { #(#stmts)* })
        },
        Form::Try => {
            let result = Ident::new("__weft_result", Span::mixed_site());
            let error = Ident::new("__weft_error", Span::mixed_site());
            quote! {
                ::weft::stream::Generator::new(move |#yielder| async move {
                    let #result: ::core::result::Result<(), _> = async {
                        #(#stmts)*
                        ::core::result::Result::Ok(())
                    }
                    .await;
                    if let ::core::result::Result::Err(#error) = #result {
                        #yielder.send(::core::result::Result::Err(#error)).await;
                    }
                })
            }
        }
    }
}

/// Turns each `yield v` of the body into `yielder.send(v).await` (`Ok(v)` in the try form).
struct Rewrite<'a> {
    yielder: &'a Ident,
    form: Form,
    errors: Vec<syn::Error>,
}

impl VisitMut for Rewrite<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Yield(y) => {
                if let Some(value) = y.expr.as_mut() {
                    self.visit_expr_mut(value);
                }
                let span = y.yield_token.span;
                let value = match y.expr.take() {
                    Some(value) => quote!(#value),
                    None => quote!(()),
                };
                let value = match self.form {
                    Form::Plain => value,
                    Form::Try => quote_spanned!(span=> ::core::result::Result::Ok(#value)),
                };
                let yielder = self.yielder;
                *expr = syn::parse_quote_spanned!(span=> #yielder.send(#value).await);
            }
            Expr::Closure(_) | Expr::Async(_) => {
                let mut find = FindYield(Vec::new());
                find.visit_expr_mut(expr);
                self.errors.extend(find.0.into_iter().map(|span| {
                    syn::Error::new(
                        span,
                        "`yield` inside a closure or an async block is not a yield of the \
                         `stream!`: yield directly in the body of `stream!` / `try_stream!` \
                         (loops, `if`, `match` and plain blocks are fine)",
                    )
                }));
            }
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }

    /// A nested `fn` (or other item) is its own scope: its `yield`s are not ours.
    fn visit_item_mut(&mut self, _item: &mut Item) {}
}

/// Collects the spans of every `yield` in an expression.
struct FindYield(Vec<Span>);

impl VisitMut for FindYield {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if let Expr::Yield(y) = expr {
            self.0.push(y.span());
        }
        visit_mut::visit_expr_mut(self, expr);
    }

    fn visit_item_mut(&mut self, _item: &mut Item) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(form: Form, input: TokenStream) -> String {
        expand(form, input).to_string()
    }

    #[test]
    fn each_yield_becomes_a_send_and_an_await() {
        let out = expand_str(Form::Plain, quote!(for i in 0..3 { yield i; } yield;));
        assert_eq!(out.matches(". send (").count(), 2, "{out}");
        assert!(out.contains("send (i) . await"), "{out}");
        assert!(out.contains("send (()) . await"), "{out}");
        assert!(!out.contains(" yield "), "{out}");
    }

    #[test]
    fn the_try_form_wraps_yields_in_ok_and_sends_the_error_last() {
        let out = expand_str(Form::Try, quote!(let x = f()?; yield x));
        assert!(
            out.contains("send (:: core :: result :: Result :: Ok (x)) . await"),
            "{out}"
        );
        assert!(
            out.contains("send (:: core :: result :: Result :: Err"),
            "{out}"
        );
        assert!(
            out.contains("f () ?"),
            "the `?` is left to the inner block: {out}"
        );
    }

    #[test]
    fn a_yield_in_a_closure_or_async_block_is_a_compile_error() {
        for body in [
            quote!(let f = || { yield 1; };),
            quote!(let f = async { yield 1 };),
        ] {
            let out = expand_str(Form::Plain, body);
            assert!(out.contains("compile_error"), "{out}");
            assert!(out.contains("inside a closure or an async block"), "{out}");
        }
    }

    #[test]
    fn nested_items_are_left_alone() {
        let out = expand_str(Form::Plain, quote!(fn inner() { let _ = 1; } yield 2;));
        assert!(out.contains("fn inner"), "{out}");
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn a_body_that_does_not_parse_is_a_compile_error() {
        let out = expand_str(Form::Plain, quote!(let = ;));
        assert!(out.contains("compile_error"), "{out}");
    }
}

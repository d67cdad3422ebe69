//! Runtime-independent future combinators.

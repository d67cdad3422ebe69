//! Holds the crate-graph test in tests/; no library code.

//! Inside a crate, files name each other only one way round: the module graph (which file's code
//! names which other file, see `support/modgraph.rs`) has no cycle. A cycle means no file in it can
//! be read, changed or tested without the others; break it by moving the shared piece into a file
//! of its own that both sides name.
//!
//! Checked for weft-runtime, whose scheduler files once all named each other.

use std::collections::BTreeMap;
use std::path::Path;

#[path = "support/modgraph.rs"]
mod modgraph;

fn crate_src(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../crates")
        .join(name)
        .join("src")
}

fn assert_no_cycle(name: &str) {
    let graph = modgraph::read_crate(&crate_src(name));
    assert!(
        graph.files.len() > 5,
        "{name}: found only {} source files: is the path right?",
        graph.files.len()
    );
    let cycles = graph.cycles();
    let report: Vec<String> = cycles
        .iter()
        .map(|files| format!("{}:\n    {}", files.join(", "), graph.describe(files)))
        .collect();
    assert!(
        cycles.is_empty(),
        "{name}: files that name each other in a circle:\n  {}",
        report.join("\n  ")
    );
}

#[test]
fn weft_runtime_files_form_no_cycle() {
    assert_no_cycle("weft-runtime");
}

fn sources(files: &[(&str, &str)]) -> BTreeMap<String, String> {
    files
        .iter()
        .map(|(f, t)| (f.to_string(), t.to_string()))
        .collect()
}

#[test]
fn the_checker_finds_a_cycle_through_use_groups_and_inline_paths() {
    let graph = modgraph::from_sources(&sources(&[
        ("lib.rs", "mod a;\nmod b;\nmod c;\npub use a::A;"),
        (
            "a.rs",
            "use crate::{b::{self, B}, c as see};\npub struct A;",
        ),
        ("b.rs", "pub struct B;\nfn f() { crate::c::g(); }"),
        (
            "c.rs",
            "// crate::a::A in a comment does not count\npub fn g() { let _ = \"crate::a\"; }\n\
             pub fn h() -> super::a::A { super::a::A }",
        ),
    ]));
    assert_eq!(graph.cycles(), vec![vec!["a.rs", "b.rs", "c.rs"]]);
}

#[test]
fn the_checker_accepts_a_tree_and_resolves_inline_modules() {
    let graph = modgraph::from_sources(&sources(&[
        ("lib.rs", "mod sched;\nmod handle;"),
        (
            "sched/mod.rs",
            "mod one;\nmod two;\npub(crate) enum H { A(one::S), B(two::S) }",
        ),
        ("sched/one.rs", "use super::two::S as T;\npub struct S(T);"),
        (
            "sched/two.rs",
            "pub struct S;\n#[cfg(test)]\nmod tests {\n    use super::*;\n    use std::fmt;\n}",
        ),
        (
            "handle.rs",
            "use crate::sched::H;\nfn r<'a>(x: &'a H) -> char { 'x' }",
        ),
    ]));
    assert!(graph.cycles().is_empty(), "{graph:?}");
    // `super::*` in the inline test module is the file itself.
    assert!(graph.edges["sched/two.rs"].is_empty(), "{graph:?}");
    assert_eq!(
        graph.edges["sched/one.rs"].iter().collect::<Vec<_>>(),
        ["sched/two.rs"]
    );
    assert_eq!(
        graph.edges["sched/mod.rs"].iter().collect::<Vec<_>>(),
        ["sched/one.rs", "sched/two.rs"]
    );
}

//! The crate graph is the architecture (docs/contributing.md, "The crate graph"): this test reads
//! `cargo metadata` and fails on any dependency edge between weft crates that does not point down
//! the layer picture
//!
//! ```text
//! core <- sync, runtime <- io <- net, fs, signal <- facade;   macros only for the facade
//! io, signal <- process <- facade
//! core, sync, runtime, io, net <- hyper <- facade
//! ```
//!
//! Dev-dependencies count too: a lower crate never names a higher one, not even in its tests.
//! The one exception is `weft-test-support` (test helpers, `publish = false`, depending on no weft
//! crate): every crate may name it, but only as a dev-dependency.

use std::collections::BTreeMap;
use std::process::Command;

#[path = "support/json.rs"]
mod json;

/// The test-helper crate: any weft crate may name it as a dev-dependency, none as another kind.
const TEST_SUPPORT: &str = "weft-test-support";

/// For each weft crate, the weft crates it may depend on.
fn allowed() -> BTreeMap<&'static str, &'static [&'static str]> {
    BTreeMap::from([
        ("weft-core", &[][..]),
        ("weft-sync", &["weft-core"][..]),
        ("weft-runtime", &["weft-core"][..]),
        ("weft-io", &["weft-core", "weft-runtime"][..]),
        ("weft-net", &["weft-core", "weft-runtime", "weft-io"][..]),
        ("weft-fs", &["weft-core", "weft-runtime", "weft-io"][..]),
        ("weft-signal", &["weft-core", "weft-runtime", "weft-io"][..]),
        (
            "weft-process",
            &["weft-core", "weft-runtime", "weft-io", "weft-signal"][..],
        ),
        ("weft-macros", &[][..]),
        (TEST_SUPPORT, &[][..]),
        (
            "weft-hyper",
            &[
                "weft-core",
                "weft-sync",
                "weft-runtime",
                "weft-io",
                "weft-net",
            ][..],
        ),
        (
            "weft",
            &[
                "weft-core",
                "weft-sync",
                "weft-runtime",
                "weft-io",
                "weft-net",
                "weft-fs",
                "weft-signal",
                "weft-process",
                "weft-macros",
                "weft-hyper",
            ][..],
        ),
    ])
}

fn metadata() -> json::Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("running `cargo metadata`");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    json::parse(&String::from_utf8(out.stdout).expect("metadata is UTF-8"))
        .expect("cargo metadata printed valid JSON")
}

/// (package, dependency, kind) for every dependency on a weft crate.
fn weft_edges(meta: &json::Value) -> Vec<(String, String, String)> {
    let mut edges = Vec::new();
    for pkg in meta["packages"].as_array() {
        let name = pkg["name"].as_str().to_owned();
        for dep in pkg["dependencies"].as_array() {
            let dep_name = dep["name"].as_str();
            if dep_name == "weft" || dep_name.starts_with("weft-") {
                let kind = dep["kind"].as_opt_str().unwrap_or("normal").to_owned();
                edges.push((name.clone(), dep_name.to_owned(), kind));
            }
        }
    }
    edges
}

#[test]
fn every_weft_crate_is_known_to_the_layer_table() {
    let meta = metadata();
    let allowed = allowed();
    for pkg in meta["packages"].as_array() {
        let name = pkg["name"].as_str();
        if name.starts_with("weft") && name != "weft-layering" {
            assert!(
                allowed.contains_key(name),
                "crate `{name}` is not in the layer table of tests/layering: place it in the picture"
            );
        }
    }
    for name in allowed.keys() {
        assert!(
            meta["packages"]
                .as_array()
                .iter()
                .any(|p| p["name"].as_str() == *name),
            "layer table names `{name}`, which is not a workspace member"
        );
    }
}

#[test]
fn dependencies_point_down_the_layers() {
    let meta = metadata();
    let allowed = allowed();
    let edges = weft_edges(&meta);
    assert!(
        edges
            .iter()
            .any(|(from, to, _)| from == "weft" && to == "weft-core"),
        "the facade should depend on weft-core: is the metadata being read right?"
    );
    let mut bad = Vec::new();
    for (from, to, kind) in &edges {
        // A crate may name itself as a dev-dependency (to turn on a test-only feature).
        if from == "weft-layering" || from == to {
            continue;
        }
        if to == TEST_SUPPORT && kind == "dev" {
            continue;
        }
        let ok = allowed
            .get(from.as_str())
            .is_some_and(|a| a.contains(&to.as_str()));
        if !ok {
            bad.push(format!("{from} -> {to} ({kind} dependency)"));
        }
    }
    assert!(
        bad.is_empty(),
        "dependencies that break the layering core <- sync, runtime <- io <- net, fs, signal <- facade:\n  {}",
        bad.join("\n  ")
    );
}

#[test]
fn the_checker_rejects_an_upward_edge() {
    // The rule itself, on a made-up edge: weft-runtime naming weft-io is refused.
    let allowed = allowed();
    assert!(!allowed["weft-runtime"].contains(&"weft-io"));
    assert!(!allowed["weft-sync"].contains(&"weft-runtime"));
    assert!(!allowed["weft-core"].contains(&"weft-sync"));
    assert!(allowed["weft-net"].contains(&"weft-io"));
    // The test helpers are a dev-dependency only, and depend on no weft crate themselves.
    assert!(!allowed["weft-core"].contains(&TEST_SUPPORT));
    assert!(allowed[TEST_SUPPORT].is_empty());
    assert!(!allowed["weft-net"].contains(&"weft-hyper"));
    assert!(!allowed["weft-hyper"].contains(&"weft"));
    assert!(!allowed["weft-io"].contains(&"weft-signal"));
    assert!(!allowed["weft-signal"].contains(&"weft-process"));
}

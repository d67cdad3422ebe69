//! The module graph of one crate, read from its source files: which file names which.
//!
//! A file *names* another when it declares it (`mod x;`) or when a path in its code (a `use` tree
//! or an inline path such as `crate::a::b::f()`) starts with `crate::`, `super::` or `self::` and
//! leads into the other file's module. A path is charged to the deepest module of the crate it
//! reaches: `crate::scheduler::common::Common` names `scheduler/common.rs`, `crate::Handle` (a
//! re-export at the root) names `lib.rs`. Comments, strings and character literals are ignored, so
//! doc links do not count. Paths inside an inline `mod tests { .. }` are resolved from that module
//! (its `super::*` is the file itself).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// A module path inside the crate, `[]` for the crate root.
pub type ModPath = Vec<String>;

/// The files of a crate and the files each one names.
#[derive(Debug, Default)]
pub struct ModGraph {
    /// Module path -> file (relative to `src/`), for every file-backed module.
    pub files: BTreeMap<ModPath, String>,
    /// File -> the files it names (never itself).
    pub edges: BTreeMap<String, BTreeSet<String>>,
}

/// Reads every `.rs` file under `src` (a crate's `src/` directory).
pub fn read_crate(src: &Path) -> ModGraph {
    let mut sources = BTreeMap::new();
    collect(src, src, &mut sources);
    from_sources(&sources)
}

fn collect(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path
                .strip_prefix(root)
                .expect("under the root")
                .to_string_lossy()
                .replace('\\', "/");
            let text = fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            out.insert(rel, text);
        }
    }
}

/// The module path of a file relative to `src/` (`lib.rs` and `main.rs` are the root).
fn module_of(file: &str) -> ModPath {
    let stem = file.strip_suffix(".rs").expect("a .rs file");
    let mut parts: Vec<String> = stem.split('/').map(str::to_owned).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    if parts == ["lib"] || parts == ["main"] {
        parts.clear();
    }
    parts
}

/// Builds the graph from `file -> source text` (files relative to `src/`).
pub fn from_sources(sources: &BTreeMap<String, String>) -> ModGraph {
    let mut graph = ModGraph::default();
    for file in sources.keys() {
        graph.files.insert(module_of(file), file.clone());
    }
    for (file, text) in sources {
        let here = module_of(file);
        let mut named = BTreeSet::new();
        for path in paths_named(&tokens(text), &here) {
            if let Some(target) = graph.deepest_file(&path) {
                if target != *file {
                    named.insert(target);
                }
            }
        }
        graph.edges.insert(file.clone(), named);
    }
    graph
}

impl ModGraph {
    /// The file of the deepest file-backed module on `path`.
    fn deepest_file(&self, path: &[String]) -> Option<String> {
        (0..=path.len())
            .rev()
            .find_map(|n| self.files.get(&path[..n]).cloned())
    }

    /// Every cycle's files (one representative per strongly connected component of 2+ files).
    pub fn cycles(&self) -> Vec<Vec<String>> {
        // Tarjan's algorithm over the file graph.
        struct State<'a> {
            graph: &'a ModGraph,
            index: BTreeMap<&'a str, usize>,
            low: BTreeMap<&'a str, usize>,
            stack: Vec<&'a str>,
            on_stack: BTreeSet<&'a str>,
            next: usize,
            out: Vec<Vec<String>>,
        }
        fn visit<'a>(s: &mut State<'a>, v: &'a str) {
            s.index.insert(v, s.next);
            s.low.insert(v, s.next);
            s.next += 1;
            s.stack.push(v);
            s.on_stack.insert(v);
            let graph = s.graph;
            for w in graph.edges.get(v).into_iter().flatten() {
                let w = w.as_str();
                if !s.index.contains_key(w) {
                    visit(s, w);
                    let lw = s.low[w];
                    let lv = s.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(lw);
                } else if s.on_stack.contains(w) {
                    let iw = s.index[w];
                    let lv = s.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(iw);
                }
            }
            if s.low[v] == s.index[v] {
                let mut component = Vec::new();
                loop {
                    let w = s.stack.pop().expect("on the stack");
                    s.on_stack.remove(w);
                    component.push(w.to_owned());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    s.out.push(component);
                }
            }
        }
        let mut s = State {
            graph: self,
            index: BTreeMap::new(),
            low: BTreeMap::new(),
            stack: Vec::new(),
            on_stack: BTreeSet::new(),
            next: 0,
            out: Vec::new(),
        };
        for v in self.edges.keys() {
            if !s.index.contains_key(v.as_str()) {
                visit(&mut s, v);
            }
        }
        s.out
    }

    /// The edges among `files` as `a -> b` lines, for a readable failure message.
    pub fn describe(&self, files: &[String]) -> String {
        let mut lines = Vec::new();
        for a in files {
            for b in self.edges.get(a).into_iter().flatten() {
                if files.contains(b) {
                    lines.push(format!("{a} -> {b}"));
                }
            }
        }
        lines.join("\n    ")
    }
}

/// A token of Rust source: an identifier (or keyword) or one punctuation character; `::` is one.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    PathSep,
    Punct(char),
}

/// Tokens of `text` with comments, strings and character literals left out (lifetimes are
/// dropped too; numbers become identifiers, which is harmless here).
fn tokens(text: &str) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && is_raw_string(&chars, i) {
            i = skip_raw_string(&chars, i);
        } else if c == 'b' && next == Some('"') {
            i = skip_string(&chars, i + 1);
        } else if c == '"' {
            i = skip_string(&chars, i);
        } else if c == '\'' {
            i = skip_char_or_lifetime(&chars, i);
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
        } else if c == ':' && next == Some(':') {
            out.push(Tok::PathSep);
            i += 2;
        } else {
            if !c.is_whitespace() {
                out.push(Tok::Punct(c));
            }
            i += 1;
        }
    }
    out
}

fn is_raw_string(chars: &[char], i: usize) -> bool {
    // `r"..."` or `r#"..."#`, not an identifier that starts with r.
    if i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_') {
        return false;
    }
    let mut j = i + 1;
    while chars.get(j) == Some(&'#') {
        j += 1;
    }
    chars.get(j) == Some(&'"')
}

fn skip_raw_string(chars: &[char], i: usize) -> usize {
    let mut j = i + 1;
    let mut hashes = 0;
    while chars.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    j += 1; // the opening quote
    while j < chars.len() {
        if chars[j] == '"' && (0..hashes).all(|k| chars.get(j + 1 + k) == Some(&'#')) {
            return j + 1 + hashes;
        }
        j += 1;
    }
    j
}

fn skip_string(chars: &[char], i: usize) -> usize {
    let mut j = i + 1;
    while j < chars.len() {
        match chars[j] {
            '\\' => j += 2,
            '"' => return j + 1,
            _ => j += 1,
        }
    }
    j
}

fn skip_char_or_lifetime(chars: &[char], i: usize) -> usize {
    // 'a' or '\n' or '\u{..}' is a character; 'a (no closing quote right after) a lifetime.
    match (chars.get(i + 1), chars.get(i + 2)) {
        (Some('\\'), _) => {
            let mut j = i + 2;
            while j < chars.len() && chars[j] != '\'' {
                j += 1;
            }
            j + 1
        }
        (Some(_), Some('\'')) => i + 3,
        _ => {
            let mut j = i + 1;
            while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            j
        }
    }
}

/// Every crate-relative module path named by the tokens of the file whose module is `here`.
fn paths_named(toks: &[Tok], here: &[String]) -> Vec<ModPath> {
    let mut out = Vec::new();
    // Inline modules open in this file: (module path, brace depth at which it closes).
    let mut inline: Vec<(ModPath, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < toks.len() {
        let module: ModPath = inline
            .last()
            .map_or_else(|| here.to_vec(), |(m, _)| m.clone());
        match &toks[i] {
            Tok::Punct('{') => {
                depth += 1;
                i += 1;
            }
            Tok::Punct('}') => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                i += 1;
            }
            Tok::Ident(kw) if kw == "mod" => {
                if let Some(Tok::Ident(name)) = toks.get(i + 1) {
                    let mut child = module.clone();
                    child.push(name.clone());
                    match toks.get(i + 2) {
                        Some(Tok::Punct(';')) => out.push(child),
                        Some(Tok::Punct('{')) => {
                            inline.push((child, depth));
                            depth += 1;
                            i += 3;
                            continue;
                        }
                        _ => {}
                    }
                }
                i += 1;
            }
            Tok::Ident(kw) if kw == "use" => {
                let (end, trees) = use_tree(toks, i + 1, Vec::new());
                for path in trees {
                    if let Some(p) = resolve(&path, &module) {
                        out.push(p);
                    }
                }
                i = end;
            }
            Tok::Ident(first)
                if (first == "crate" || first == "super" || first == "self")
                    && toks.get(i + 1) == Some(&Tok::PathSep)
                    // Not the tail of a longer path such as `x::self::y`.
                    && !(i > 0 && toks[i - 1] == Tok::PathSep) =>
            {
                let mut path = vec![first.clone()];
                let mut j = i + 1;
                while toks.get(j) == Some(&Tok::PathSep) {
                    match toks.get(j + 1) {
                        Some(Tok::Ident(seg)) => {
                            path.push(seg.clone());
                            j += 2;
                        }
                        _ => break,
                    }
                }
                if let Some(p) = resolve(&path, &module) {
                    out.push(p);
                }
                i = j;
            }
            _ => i += 1,
        }
    }
    out
}

/// Parses one `use` tree starting at `i` with the segments `prefix` before it; returns the index
/// after the tree (past the `;` at the top level) and every full path in it.
fn use_tree(toks: &[Tok], mut i: usize, prefix: Vec<String>) -> (usize, Vec<Vec<String>>) {
    let mut path = prefix;
    let mut out = Vec::new();
    loop {
        match toks.get(i) {
            Some(Tok::Ident(seg)) if seg == "as" => {
                // `x as y`: the alias does not change what is named.
                i += 2;
            }
            Some(Tok::Ident(seg)) => {
                path.push(seg.clone());
                i += 1;
            }
            Some(Tok::PathSep) => i += 1,
            Some(Tok::Punct('*')) => i += 1,
            Some(Tok::Punct('{')) => {
                i += 1;
                loop {
                    match toks.get(i) {
                        Some(Tok::Punct('}')) => {
                            i += 1;
                            break;
                        }
                        Some(Tok::Punct(',')) => i += 1,
                        None => break,
                        _ => {
                            let (end, inner) = use_group_item(toks, i, path.clone());
                            out.extend(inner);
                            i = end;
                        }
                    }
                }
                // After a group the tree ends.
                if matches!(toks.get(i), Some(Tok::Punct(';'))) {
                    i += 1;
                }
                return (i, out);
            }
            Some(Tok::Punct(';')) | None => {
                out.push(path);
                return (i + 1, out);
            }
            Some(_) => {
                out.push(path);
                return (i, out);
            }
        }
    }
}

/// One item of a `{ .. }` group: up to the next `,` or `}` at this level.
fn use_group_item(toks: &[Tok], mut i: usize, prefix: Vec<String>) -> (usize, Vec<Vec<String>>) {
    let mut path = prefix;
    let mut out = Vec::new();
    loop {
        match toks.get(i) {
            Some(Tok::Ident(seg)) if seg == "as" => i += 2,
            Some(Tok::Ident(seg)) => {
                path.push(seg.clone());
                i += 1;
            }
            Some(Tok::PathSep) | Some(Tok::Punct('*')) => i += 1,
            Some(Tok::Punct('{')) => {
                let (end, inner) = use_tree(toks, i, path.clone());
                out.extend(inner);
                return (end, out);
            }
            _ => {
                out.push(path);
                return (i, out);
            }
        }
    }
}

/// A path as written (`crate::a::b`, `super::x`, `self::y`) from inside `module`, as a path from
/// the crate root; `None` for paths into other crates (`std::..`, `weft_core::..`).
fn resolve(path: &[String], module: &[String]) -> Option<ModPath> {
    let mut segs = path.iter().peekable();
    let mut base: ModPath = match segs.peek().map(|s| s.as_str()) {
        Some("crate") => {
            segs.next();
            Vec::new()
        }
        Some("super") | Some("self") => module.to_vec(),
        _ => return None,
    };
    while let Some(seg) = segs.peek() {
        match seg.as_str() {
            "super" => {
                base.pop();
                segs.next();
            }
            "self" => {
                segs.next();
            }
            _ => break,
        }
    }
    base.extend(segs.cloned());
    Some(base)
}

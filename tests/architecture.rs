//! The shape of `src/` that docs/ARCHITECTURE.md describes: its top-level modules
//! depend on each other without cycles, so each can be read knowing only those
//! below it. (Reads the source files, so it runs natively only.)
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each top-level module of `src/` and the top-level modules of this crate its code
/// names as `crate::x` (comments left out).
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut files = vec![src.clone()];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let rel = path.strip_prefix(&src).unwrap();
        let top = rel.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        if top == "bin" || top == "lib" || top == "test_support" || path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let uses = graph.entry(top.clone()).or_default();
        for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for (i, _) in line.match_indices("crate::") {
                let name: String =
                    line[i + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if name != top && !name.is_empty() {
                    uses.insert(name);
                }
            }
        }
    }
    // Only edges between this crate's own modules (leadscore-rules' are re-exported).
    let own: BTreeSet<String> = graph.keys().cloned().collect();
    graph.values_mut().for_each(|uses| uses.retain(|u| own.contains(u)));
    graph
}

#[test]
fn src_modules_form_no_cycle() {
    let graph = module_graph();
    assert!(graph.contains_key("engine") && graph.contains_key("score") && graph.contains_key("wire"));
    // Depth-first search; a module met again while still on the path closes a cycle.
    fn visit<'a>(
        m: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if let Some(at) = path.iter().position(|p| *p == m) {
            panic!("src/ has an import cycle: {} -> {m}", path[at..].join(" -> "));
        }
        if !done.insert(m) {
            return;
        }
        path.push(m);
        for next in &graph[m] {
            visit(next, graph, path, done);
        }
        path.pop();
    }
    let mut done = BTreeSet::new();
    for m in graph.keys() {
        visit(m, &graph, &mut Vec::new(), &mut done);
    }
}

/// No hash map or set in the core (docs/SECURITY.md, hash flooding): what they
/// would be keyed by is mostly the input's to choose, and on wasm32 their hasher's
/// keys cannot be random. Ordered maps and sorted lists cannot be flooded.
#[test]
fn the_core_keeps_no_hash_map_or_set() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("src"), root.join("crates/rules/src")];
    let mut found = vec![];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
            if line.contains("HashMap") || line.contains("HashSet") {
                found.push(format!("{}: {}", path.display(), line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

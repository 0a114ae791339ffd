//! The module layout: what each layer imports, as the README's Layout section lists it, and no
//! import circle between modules (a layer, or a file of a layer: `metrics::orders`,
//! `cmd::survey`). Read from the source text: every `crate::…` and `super::…` path.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a source file: `cmd/survey.rs` → [cmd, survey]; `cmd/mod.rs` → [cmd].
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).expect("under src").with_extension("");
    let mut parts: Vec<String> = relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The paths a source names after `prefix` (`crate::` or `super::`), as lists of identifiers.
fn paths_after(text: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices(prefix) {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &text[at + prefix.len()..];
        let mut parts = Vec::new();
        for part in rest.split("::") {
            let ident: String = part.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            let whole = ident.len() == part.len();
            if ident.is_empty() {
                break;
            }
            parts.push(ident);
            if !whole {
                break;
            }
        }
        out.push(parts);
    }
    out
}

/// The node a module path belongs to: its first two segments where the second is a module of
/// its own (a file or folder under src/), else its first.
fn node(src: &Path, path: &[String]) -> Option<String> {
    let first = path.first()?;
    let top_is_module = src.join(format!("{first}.rs")).exists() || src.join(first).is_dir();
    if !top_is_module {
        return None; // an item of lib.rs (`crate::Io`)
    }
    match path.get(1) {
        Some(second) if src.join(first).join(format!("{second}.rs")).exists() || src.join(first).join(second).is_dir() => {
            Some(format!("{first}::{second}"))
        }
        _ => Some(first.clone()),
    }
}

/// Each node's imports of other nodes.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let module = module_of(&src, &file);
        if matches!(module.as_slice(), [m] if m == "lib" || m == "main") {
            continue; // the root may use anything
        }
        let Some(from) = node(&src, &module) else { continue };
        let text = std::fs::read_to_string(&file).expect("a readable source");
        let mut targets: Vec<Vec<String>> = paths_after(&text, "crate::");
        // `super::x` in a file of module m is m's parent, then x.
        for path in paths_after(&text, "super::") {
            let mut full = module[..module.len().saturating_sub(1)].to_vec();
            full.extend(path);
            targets.push(full);
        }
        let entry = graph.entry(from.clone()).or_default();
        for target in targets {
            if let Some(to) = node(&src, &target) {
                if to != from {
                    entry.insert(to);
                }
            }
        }
    }
    graph
}

/// The layers' imports: each top-level module and the top-level modules its files import.
fn layers(graph: &BTreeMap<String, BTreeSet<String>>) -> BTreeMap<String, BTreeSet<String>> {
    let top = |n: &str| n.split("::").next().expect("a name").to_string();
    let mut layers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, tos) in graph {
        let entry = layers.entry(top(from)).or_default();
        entry.extend(tos.iter().map(|t| top(t)).filter(|t| *t != top(from)));
    }
    layers
}

/// A circle of imports, if any: a path that comes back to where it started.
fn circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == n) {
            let mut found = path[at..].to_vec();
            found.push(n.to_string());
            return Some(found);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_string());
        for next in graph.get(n).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_module_imports_another_that_imports_it_back() {
    let graph = graph();
    assert_eq!(circle(&graph), None, "an import circle between modules");
    assert_eq!(circle(&layers(&graph)), None, "an import circle between layers");
}

#[test]
fn only_the_commands_read_the_command_line() {
    let importers: Vec<String> = graph()
        .iter()
        .filter(|(from, tos)| !from.starts_with("cli") && tos.iter().any(|t| t.starts_with("cli")))
        .map(|(from, _)| from.clone())
        .collect();
    assert!(importers.iter().all(|m| m.starts_with("cmd")), "cli imported by {importers:?}");
}

#[test]
fn the_readme_lists_each_layers_imports() {
    let listing: Vec<String> = layers(&graph())
        .iter()
        .map(|(layer, imports)| {
            let names: Vec<&str> = imports.iter().map(String::as_str).collect();
            format!("{layer:<9}→ {}", if names.is_empty() { "(nothing)".to_string() } else { names.join(", ") })
        })
        .collect();
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).expect("README.md");
    let start = readme.find("<!-- layers -->").expect("a <!-- layers --> block in README.md");
    let block: Vec<&str> =
        readme[start..].lines().skip(1).skip_while(|l| l.starts_with("```")).take_while(|l| !l.starts_with("```")).collect();
    assert_eq!(block, listing, "README.md's Layout listing is not what the sources import; it should read:\n{}", listing.join("\n"));
}

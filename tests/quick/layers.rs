//! The crate's layering, checked on its source: every `crate::` path in a file names a module
//! of a lower layer than the file's own folder (or the folder itself), so imports point down
//! the pipeline and `src/lib.rs` tells the architecture. Comments and `mod tests` are skipped:
//! docs may mention anything and tests may reach anywhere.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layers, lowest first; a module may use its own folder and anything in lower layers.
const LAYERS: &[&[&str]] = &[
    &["address"],
    &["assets", "cli", "compress", "config", "model"],
    &["store"],
    &["fetch"],
    &["feed"],
    &["stories"],
    &["headlines", "picker", "search", "weather"],
    &["render"],
    &["fetcher", "frontend"],
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without comments and without its `mod tests`.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(at) if !l[..at].contains('"') => &l[..at],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules a text names with `crate::` (including inside `use crate::{a, b}`).
fn used_modules(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a::b, c}`: the first segment of each item at the top level.
            let mut depth = 0;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && !c.is_whitespace() => {
                        out.insert(ident(&group[i..]));
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident(rest));
        }
    }
    out.remove("");
    out
}

#[test]
fn every_import_points_down_the_pipeline() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let declared: BTreeSet<&str> = LAYERS.iter().flat_map(|l| l.iter().copied()).collect();
    let mut wrong = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_str()
            .unwrap();
        if first == "bin" || first == "lib.rs" {
            continue;
        }
        let own = first.trim_end_matches(".rs");
        let own_layer = layer(own).unwrap_or_else(|| {
            panic!("src/{own} is in no layer: add it to LAYERS here and to src/lib.rs's list")
        });
        let text = std::fs::read_to_string(file).unwrap();
        for used in used_modules(&code(&text)) {
            assert!(
                declared.contains(used.as_str()),
                "{} uses crate::{used}, which is in no layer",
                rel.display()
            );
            let used_layer = layer(&used).unwrap();
            if used != own && used_layer >= own_layer {
                wrong.push(format!("{} uses crate::{used}", rel.display()));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that do not point down the pipeline:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_layering_check_sees_grouped_and_nested_paths() {
    let used = used_modules(
        "use crate::{config::Config, store::{Key, Store}};\nlet x = crate::render::names::INDEX;",
    );
    assert_eq!(
        used.into_iter().collect::<Vec<_>>(),
        ["config", "render", "store"]
    );
    assert!(used_modules(&code("// crate::frontend in a comment\n")).is_empty());
}

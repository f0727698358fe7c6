//! The routing table and the bus samples, shared by the tests of this crate.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `tests/rules/routing-table.json`: sample (relative to `events/`) → the rules it must match.
pub fn routing_table() -> BTreeMap<String, Vec<String>> {
    let path = root().join("tests/rules/routing-table.json");
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Every file under `events/`, relative to it, sorted.
pub fn sample_files() -> Vec<String> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, base, out);
            } else if path.extension().is_some_and(|x| x == "json") {
                let relative = path.strip_prefix(base).unwrap();
                out.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let base = root().join("events");
    let mut files = Vec::new();
    walk(&base, &base, &mut files);
    files.sort();
    files
}

/// The bytes of `events/<sample>`.
pub fn sample(name: &str) -> Vec<u8> {
    std::fs::read(root().join("events").join(name)).unwrap()
}

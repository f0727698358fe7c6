//! The repository's sample events (`events/<folder>/*.json`), shared by the tests and
//! benchmarks of every crate (feature `samples`).

use std::path::{Path, PathBuf};

/// The `events/` folder of this repository.
pub fn events_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events")
}

/// Every `.json` sample in `events/<folder>`, sorted by file name, as (file stem, contents);
/// panics naming the path when one cannot be read.
pub fn read(folder: &str) -> Vec<(String, String)> {
    let dir = events_dir().join(folder);
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            let stem = path.file_stem().expect("file name").to_string_lossy();
            (stem.into_owned(), text)
        })
        .collect()
}

//! The backfill's checkpoint file: where to resume, written after each batch Mixpanel accepted
//! (write to a temporary file, then rename, so an interrupt never leaves half a checkpoint).

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use zendesk_api::ExportPosition;

/// What the checkpoint records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// `--since` of the run that wrote it (a resume must ask for the same range).
    pub since: i64,
    /// `--until`, when given.
    pub until: Option<i64>,
    /// Where to continue.
    pub position: ExportPosition,
    /// True once the whole range was sent.
    pub complete: bool,
    /// Events Mixpanel accepted so far, over every run.
    pub events_sent: u64,
}

/// A checkpoint file.
#[derive(Debug, Clone)]
pub struct CheckpointFile {
    path: PathBuf,
}

impl CheckpointFile {
    /// The file at `path`.
    pub fn new(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
        }
    }

    /// The saved checkpoint ([`Checkpoint`], or the store backfill's), if the file exists; an
    /// error names the file and what is wrong.
    pub fn load<T: DeserializeOwned>(&self) -> Result<Option<T>, String> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", self.path.display())),
        };
        let mut de = serde_json::Deserializer::from_str(&text);
        serde_path_to_error::deserialize(&mut de)
            .map(Some)
            .map_err(|e| {
                format!(
                    "{} is not a backfill checkpoint: at $.{}: {}",
                    self.path.display(),
                    e.path(),
                    e.inner()
                )
            })
    }

    /// Replaces the file with `checkpoint`.
    pub fn save<T: Serialize>(&self, checkpoint: &T) -> Result<(), String> {
        let tmp = self.path.with_extension("tmp");
        let body = serde_json::to_vec_pretty(checkpoint).expect("checkpoints serialize");
        std::fs::write(&tmp, body)
            .and_then(|()| std::fs::rename(&tmp, &self.path))
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))
    }
}

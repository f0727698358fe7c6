use std::path::PathBuf;

/// Why a rule file (or a rules folder) cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// The file or folder could not be read.
    #[error("{path}: {message}")]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The file is not a valid rule; `at` is the JSON path of the offending value.
    #[error("{path}: {at}: {message}")]
    Invalid {
        /// The rule file.
        path: PathBuf,
        /// JSON path inside the file.
        at: String,
        /// What is wrong there.
        message: String,
    },
}

impl RuleError {
    pub(crate) fn invalid(
        path: &std::path::Path,
        at: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::Invalid {
            path: path.to_owned(),
            at: at.into(),
            message: message.into(),
        }
    }
}

//! Decode errors that say what was wrong and where.

use std::fmt;

/// A field-level decoding failure: a JSON path (`$.detail.ticket_event.ticket.id`) and a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// JSON path of the offending value, from the root of the document being decoded.
    pub path: String,
    /// What was wrong with it.
    pub reason: String,
}

impl DecodeError {
    /// An error at `path`.
    pub fn at(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// Prefixes a path that was decoded relative to `base` + `key` (paths built only on error).
    pub(crate) fn under(mut self, base: &str, key: &str) -> Self {
        self.path = format!("{base}{key}{}", self.path);
        self
    }

    /// Places the path inside the envelope field that held the document as a string, e.g.
    /// `$.Records[0].Sns.Message → $.detail.ticket_event.ticket.id`.
    pub fn within(mut self, container: &str) -> Self {
        self.path = format!("{container} → {}", self.path);
        self
    }

    /// Builds an error from a serde error met while decoding the value at `base`.
    pub(crate) fn from_serde(
        base: &str,
        err: serde_path_to_error::Error<serde_json::Error>,
    ) -> Self {
        let inner = err.path().to_string();
        let path = if inner == "." || inner.is_empty() {
            base.to_owned()
        } else if inner.starts_with('[') {
            format!("{base}{inner}")
        } else {
            format!("{base}.{inner}")
        };
        let inner = err.into_inner();
        let message = strip_position(&inner.to_string());
        match inner.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                Self::at(path, format!("invalid JSON: {message}"))
            }
            _ => Self::at(path, message),
        }
    }
}

// serde_json appends " at line 1 column 57"; the JSON path already says where.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

impl std::error::Error for DecodeError {}

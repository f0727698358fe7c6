//! A configured secret: its value is reachable only through [`Secret::expose`], and every
//! formatting of it (Debug, Display) prints `<redacted>`, so no log line, error or dump of a
//! config can carry it.

use std::fmt;

/// A secret value (token, key, signing secret).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_formatting_shows_the_value() {
        let s = Secret::new("s3cr3t-value");
        for shown in [format!("{s:?}"), format!("{s}"), format!("{:?}", Some(&s))] {
            assert!(!shown.contains("s3cr3t"), "{shown}");
        }
        assert_eq!(s.expose(), "s3cr3t-value");
    }
}

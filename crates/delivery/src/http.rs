//! What every HTTP destination shares: reading `Retry-After`, describing transport failures
//! without leaking URLs or secrets, quoting answer bodies briefly, and the `DRY_RUN` output.

use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::value::RawValue;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

use crate::verdict::Verdict;

/// `Retry-After` as seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = OffsetDateTime::parse(&value.replace("GMT", "+0000"), &Rfc2822).ok()?;
    let wait = at - OffsetDateTime::now_utc();
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

/// The `Retry-After` header of an answer, when present and readable.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after)
}

/// The first 200 characters of an answer body, for error messages.
pub fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.len() > 200 {
        let mut end = 200;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &text[..end])
    } else {
        text.to_owned()
    }
}

/// Describes a transport failure without the URL (it may carry a project id) or any secret.
pub fn transport_error(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "the answer was cut off"
    } else {
        "request failed"
    };
    let mut cause = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    if cause.is_empty() {
        what.to_owned()
    } else {
        format!("{what}: {cause}")
    }
}

/// An HTTP client for destinations: connect timeout and a `ticketbridge/<version>` user agent.
pub fn http_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .user_agent(concat!("ticketbridge/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())
}

/// `DRY_RUN`: requests written as JSON lines (`method`, `url`, `headers`, `body`) instead of
/// sent; each counts as delivered.
pub struct DryRun {
    out: Mutex<Box<dyn Write + Send>>,
}

impl DryRun {
    /// Dry-run output to stdout.
    pub fn stdout() -> Self {
        Self::to(Box::new(std::io::stdout()))
    }

    /// Dry-run output to `out` (tests, the demo).
    pub fn to(out: Box<dyn Write + Send>) -> Self {
        Self {
            out: Mutex::new(out),
        }
    }

    /// Writes one request; `headers` must already have secrets redacted. A JSON `body` is
    /// embedded as JSON, anything else as a string.
    pub fn write(&self, url: &str, headers: Value, body: &[u8]) -> Verdict {
        let body = match std::str::from_utf8(body)
            .ok()
            .and_then(|text| RawValue::from_string(text.to_owned()).ok())
        {
            Some(raw) => json!(raw),
            None => json!(String::from_utf8_lossy(body)),
        };
        let line = json!({ "method": "POST", "url": url, "headers": headers, "body": body });
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        match writeln!(out, "{line}").and_then(|_| out.flush()) {
            Ok(()) => Verdict::Delivered,
            Err(e) => Verdict::Retry {
                retry_after: None,
                reason: format!("dry run output failed: {e}"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn snippets_cut_on_a_character_boundary() {
        let long = "é".repeat(150);
        let cut = snippet(long.as_bytes());
        assert!(cut.ends_with('…'));
        assert!(cut.len() <= 203);
    }
}

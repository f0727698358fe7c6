//! FullStory's answers, classified into delivery verdicts.

use std::time::Duration;

use delivery::Verdict;
use delivery::http::snippet;
use serde::Deserialize;

/// FullStory's error code for an explicitly targeted session that has too many pages.
pub const SESSION_PAGE_LIMIT: &str = "session_page_limit_exceeded";

/// What an answer means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Act on this verdict.
    Verdict(Verdict),
    /// The session is full: send again without it.
    SessionFull,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    code: Option<String>,
}

/// Classifies a `POST /v2/events` answer.
pub fn classify(status: u16, retry_after: Option<Duration>, body: &[u8]) -> Answer {
    let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
    let code = parsed.as_ref().and_then(|b| b.code.as_deref());
    let reason = || {
        let message = parsed
            .as_ref()
            .and_then(|b| b.message.clone())
            .unwrap_or_else(|| snippet(body));
        match code {
            Some(code) => format!("HTTP {status} {code}: {message}"),
            None => format!("HTTP {status}: {message}"),
        }
    };
    Answer::Verdict(match status {
        200..=299 => Verdict::Delivered,
        400 if code == Some(SESSION_PAGE_LIMIT) => return Answer::SessionFull,
        401 | 403 => Verdict::Misconfigured { reason: reason() },
        413 => Verdict::TooLarge { reason: reason() },
        // 409: a concurrent request with the same key; a retry gets its stored result.
        408 | 409 | 429 | 500..=599 => Verdict::Retry {
            retry_after,
            reason: reason(),
        },
        _ => Verdict::Rejected { reason: reason() },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_answer_has_its_verdict() {
        assert_eq!(
            classify(200, None, b"{}"),
            Answer::Verdict(Verdict::Delivered)
        );
        assert_eq!(
            classify(
                400,
                None,
                br#"{"code":"session_page_limit_exceeded","message":"full"}"#
            ),
            Answer::SessionFull
        );
        assert_eq!(
            classify(
                400,
                None,
                br#"{"code":"required_field","message":"name is required"}"#
            ),
            Answer::Verdict(Verdict::Rejected {
                reason: "HTTP 400 required_field: name is required".into()
            })
        );
        assert!(matches!(
            classify(401, None, br#"{"code":"unauthorized","message":"bad key"}"#),
            Answer::Verdict(Verdict::Misconfigured { .. })
        ));
        assert!(matches!(
            classify(403, None, b""),
            Answer::Verdict(Verdict::Misconfigured { .. })
        ));
        assert!(matches!(
            classify(404, None, br#"{"code":"resource_not_found"}"#),
            Answer::Verdict(Verdict::Rejected { .. })
        ));
        assert_eq!(
            classify(429, Some(Duration::from_secs(3)), b""),
            Answer::Verdict(Verdict::Retry {
                retry_after: Some(Duration::from_secs(3)),
                reason: "HTTP 429: ".into()
            })
        );
        assert!(matches!(
            classify(503, None, b"upstream"),
            Answer::Verdict(Verdict::Retry { .. })
        ));
    }
}

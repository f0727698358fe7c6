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
    /// The key was already used with another body: FullStory holds an event under it (stored
    /// before a config change, a cache refresh or a deploy changed the body), so this one is
    /// delivered.
    KeyAlreadyUsed,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    code: Option<String>,
}

/// Whether a refusal is FullStory's idempotency layer saying the key was used with a different
/// body (its documentation names no code for it, so the code or message mentioning the key
/// decides).
fn is_key_reuse(parsed: Option<&ErrorBody>) -> bool {
    parsed.is_some_and(|b| {
        [b.code.as_deref(), b.message.as_deref()]
            .into_iter()
            .flatten()
            .any(|text| {
                let text = text.to_ascii_lowercase();
                text.contains("idempotency")
            })
    })
}

/// Classifies a `POST /v2/events` answer. The request holds one event, so a validation error
/// rejects that event; an answer that is not about the event (a 404 from a misrouted proxy, a
/// status FullStory does not document) refuses the request and acknowledges nothing.
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
        400 | 422 if is_key_reuse(parsed.as_ref()) => return Answer::KeyAlreadyUsed,
        400 if parsed.is_some() => Verdict::Rejected {
            items: vec![(0, reason())],
        },
        401 | 403 => Verdict::Misconfigured { reason: reason() },
        413 => Verdict::TooLarge { reason: reason() },
        // 409: a concurrent request with the same key; a retry gets its stored result.
        408 | 409 | 429 | 500..=599 => Verdict::Retry {
            retry_after,
            reason: reason(),
        },
        _ => Verdict::Refused {
            reason: format!(
                "{} (not an answer FullStory documents for an event)",
                reason()
            ),
        },
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
                items: vec![(0, "HTTP 400 required_field: name is required".into())]
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

    #[test]
    fn a_key_used_with_another_body_is_an_event_fullstory_already_holds() {
        assert_eq!(
            classify(
                400,
                None,
                br#"{"code":"invalid_argument","message":"Idempotency-Key reused with a different body"}"#
            ),
            Answer::KeyAlreadyUsed
        );
        assert_eq!(
            classify(
                422,
                None,
                br#"{"code":"idempotency_key_mismatch","message":"request differs"}"#
            ),
            Answer::KeyAlreadyUsed
        );
    }

    #[test]
    fn answers_not_about_the_event_refuse_the_request() {
        for (status, body) in [
            (404, &br#"{"code":"resource_not_found"}"#[..]),
            (404, b"<html>Not Found</html>"),
            (405, b""),
            (400, b"<html>Bad Request</html>"),
            (302, b""),
        ] {
            assert!(
                matches!(
                    classify(status, None, body),
                    Answer::Verdict(Verdict::Refused { .. })
                ),
                "HTTP {status}"
            );
        }
    }
}

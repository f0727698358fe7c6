//! Mixpanel's answers, classified into delivery verdicts.

use std::time::Duration;

use delivery::Verdict;
use delivery::http::snippet;
use serde::Deserialize;

#[derive(Deserialize)]
struct FailedRecord {
    index: usize,
    #[serde(default)]
    field: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Deserialize)]
struct ImportBody {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    failed_records: Option<Vec<FailedRecord>>,
}

/// Classifies an `/import?strict=1` answer. Only records Mixpanel names in `failed_records`
/// are refused one by one; every other refusal covers the whole request, so nothing of it is
/// acknowledged (shared/reference/mixpanel.md §9, §10).
pub fn classify_import(status: u16, retry_after: Option<Duration>, body: &[u8]) -> Verdict {
    let parsed: Option<ImportBody> = serde_json::from_slice(body).ok();
    let reason = || {
        let message = parsed
            .as_ref()
            .and_then(|b| b.error.clone())
            .unwrap_or_else(|| snippet(body));
        format!("HTTP {status}: {message}")
    };
    match status {
        200..=299 => Verdict::Delivered,
        400 => match parsed
            .as_ref()
            .and_then(|b| b.failed_records.as_ref())
            .filter(|f| !f.is_empty())
        {
            Some(failed) => Verdict::Rejected {
                items: failed
                    .iter()
                    .map(|f| {
                        let field = f
                            .field
                            .as_deref()
                            .map(|x| format!("{x}: "))
                            .unwrap_or_default();
                        (
                            f.index,
                            format!("{field}{}", f.message.as_deref().unwrap_or("rejected")),
                        )
                    })
                    .collect(),
            },
            None => Verdict::Refused { reason: reason() },
        },
        401 | 403 => Verdict::Misconfigured { reason: reason() },
        413 => Verdict::TooLarge { reason: reason() },
        408 | 429 | 500 | 502..=599 => Verdict::Retry {
            retry_after,
            reason: reason(),
        },
        // 404 and 405 (a proxy or URL that is not Mixpanel's), 501, and any status Mixpanel
        // does not document: nothing says which records were stored, so none were.
        _ => Verdict::Refused {
            reason: format!(
                "{} (not an answer Mixpanel documents for this endpoint)",
                reason()
            ),
        },
    }
}

#[derive(Deserialize)]
struct EngageBody {
    status: serde_json::Value,
    #[serde(default)]
    error: Option<String>,
}

/// Classifies an `/engage?verbose=1` answer: it says 200 even for invalid data, so the body
/// (`{"status":1}` or `{"status":0,"error":…}`, or a bare `1`/`0`) decides. A `0` names no
/// update, so it refuses the whole request.
pub fn classify_engage(status: u16, retry_after: Option<Duration>, body: &[u8]) -> Verdict {
    match status {
        200..=299 => {
            let text = String::from_utf8_lossy(body);
            let (ok, error) = match serde_json::from_slice::<EngageBody>(body) {
                Ok(b) => (b.status == 1 || b.status == "1", b.error),
                Err(_) => (text.trim() == "1", None),
            };
            if ok {
                Verdict::Delivered
            } else {
                Verdict::Refused {
                    reason: format!(
                        "HTTP {status}: {}",
                        error.unwrap_or_else(|| format!("/engage answered {}", snippet(body)))
                    ),
                }
            }
        }
        _ => classify_import(status, retry_after, body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_answers() {
        assert_eq!(
            classify_import(
                200,
                None,
                br#"{"code":200,"num_records_imported":2,"status":"OK"}"#
            ),
            Verdict::Delivered
        );
        let partial = br#"{"code":400,"error":"some data points in the request failed validation","failed_records":[{"index":1,"$insert_id":"x","field":"properties.time","message":"'properties.time' is invalid: must be specified as seconds since epoch"}],"num_records_imported":1,"status":"Bad Request"}"#;
        match classify_import(400, None, partial) {
            Verdict::Rejected { items } => {
                assert_eq!(items.len(), 1);
                assert_eq!(items[0].0, 1);
                assert!(items[0].1.starts_with("properties.time: "));
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(classify_import(401, None, br#"{"code":401,"error":"Invalid credentials","status":"Unauthorized"}"#), Verdict::Misconfigured { reason } if reason.contains("Invalid credentials"))
        );
        assert!(matches!(
            classify_import(403, None, b""),
            Verdict::Misconfigured { .. }
        ));
        assert!(matches!(
            classify_import(413, None, b""),
            Verdict::TooLarge { .. }
        ));
        assert!(
            matches!(classify_import(429, Some(Duration::from_secs(2)), b""), Verdict::Retry { retry_after: Some(d), .. } if d == Duration::from_secs(2))
        );
        assert!(matches!(
            classify_import(503, None, b"upstream"),
            Verdict::Retry { .. }
        ));
        assert!(matches!(
            classify_import(408, None, b""),
            Verdict::Retry { .. }
        ));
    }

    #[test]
    fn refusals_that_name_no_record_refuse_the_whole_request() {
        for (status, body) in [
            (400, &br#"{"code":400,"error":"bad"}"#[..]),
            (400, b"<html>bad request</html>"),
            (404, b"<html>Not Found</html>"),
            (405, b""),
            (501, b""),
            (302, b""),
            (418, b"teapot"),
        ] {
            match classify_import(status, None, body) {
                Verdict::Refused { reason } => {
                    assert!(reason.starts_with(&format!("HTTP {status}")), "{reason}")
                }
                other => panic!("HTTP {status}: {other:?}"),
            }
        }
    }

    #[test]
    fn engage_reads_the_body() {
        assert_eq!(
            classify_engage(200, None, br#"{"status":1,"error":null}"#),
            Verdict::Delivered
        );
        assert_eq!(classify_engage(200, None, b"1"), Verdict::Delivered);
        assert!(
            matches!(classify_engage(200, None, br#"{"status":0,"error":"$token is invalid"}"#), Verdict::Refused { reason } if reason == "HTTP 200: $token is invalid")
        );
        assert!(matches!(
            classify_engage(200, None, b"0"),
            Verdict::Refused { .. }
        ));
        assert!(matches!(
            classify_engage(429, None, b""),
            Verdict::Retry { .. }
        ));
        assert!(matches!(
            classify_engage(404, None, b""),
            Verdict::Refused { .. }
        ));
    }
}

//! PutEvents to the bus with our own retries: failed entries (`FailedEntryCount`) and failed
//! requests are retried with full-jitter backoff until the deadline, so the webhook is answered
//! 200 only once the bus holds the event and in time for the sender to retry otherwise.

use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::config::http::HttpResponse;
use aws_sdk_eventbridge::config::retry::RetryConfig;
use aws_sdk_eventbridge::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_eventbridge::operation::put_events::PutEventsError;
use aws_sdk_eventbridge::primitives::DateTime;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use delivery::{Deadline, RetryPolicy};

use crate::entry::BusEntry;

/// Publishes entries to one bus.
#[derive(Debug, Clone)]
pub struct Publisher {
    client: Client,
    bus: String,
    policy: RetryPolicy,
}

/// How a successful publish went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PublishReport {
    /// Requests made.
    pub attempts: u32,
}

/// Why entries were not published.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    /// EventBridge refused in a way retrying cannot fix (permissions, missing bus, bad entry).
    #[error("EventBridge refused the event: {code}: {message}")]
    Refused {
        /// Error code.
        code: String,
        /// Error message.
        message: String,
    },
    /// Retries ran out of time or attempts.
    #[error("not published after {attempts} attempt(s): {last}")]
    GaveUp {
        /// Requests made.
        attempts: u32,
        /// The last failure.
        last: String,
    },
}

/// Entry error codes worth another attempt.
const RETRYABLE_ENTRY_CODES: &[&str] = &[
    "InternalFailure",
    "InternalException",
    "ThrottlingException",
];
/// Request error codes worth another attempt (the rest are configuration or input errors).
const RETRYABLE_REQUEST_CODES: &[&str] = &[
    "InternalException",
    "InternalFailure",
    "ThrottlingException",
    "ServiceUnavailable",
    "RequestTimeout",
    "RequestTimeoutException",
];

impl Publisher {
    /// A publisher on `sdk` (the SDK's own retries are turned off: ours know the deadline).
    pub fn new(sdk: &aws_config::SdkConfig, bus: impl Into<String>, policy: RetryPolicy) -> Self {
        let config = aws_sdk_eventbridge::config::Builder::from(sdk)
            .retry_config(RetryConfig::disabled())
            .build();
        Self {
            client: Client::from_conf(config),
            bus: bus.into(),
            policy,
        }
    }

    /// The SDK request entry for `entry`, shrunk to fit; the flag says whether it was shrunk.
    pub fn request_entry(&self, entry: &mut BusEntry) -> (PutEventsRequestEntry, bool) {
        let (detail, shrunk) = entry.detail_json();
        let nanos = entry.time.unix_nanos();
        let request = PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus)
            .source(&entry.source)
            .detail_type(&entry.detail_type)
            .detail(detail)
            .time(DateTime::from_fractional_secs(
                (nanos.div_euclid(1_000_000_000)) as i64,
                (nanos.rem_euclid(1_000_000_000) as f64) / 1e9,
            ))
            .set_resources(Some(entry.resources.clone()))
            .build();
        (request, shrunk)
    }

    /// Publishes `entries`, retrying what failed until every one is accepted or `deadline` is
    /// too close for another attempt.
    pub async fn publish(
        &self,
        mut entries: Vec<PutEventsRequestEntry>,
        deadline: Deadline,
    ) -> Result<PublishReport, PublishError> {
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let timeout = deadline.request_timeout(&self.policy);
            let call = self
                .client
                .put_events()
                .set_entries(Some(entries.clone()))
                .send();
            let last = match tokio::time::timeout(timeout, call).await {
                Err(_) => format!("no answer within {} ms", timeout.as_millis()),
                Ok(Ok(output)) => {
                    let results = output.entries();
                    if output.failed_entry_count() == 0 && results.len() == entries.len() {
                        return Ok(PublishReport { attempts });
                    }
                    // Entries are answered in request order; keep the failed ones.
                    let mut failed = Vec::new();
                    let mut last = String::new();
                    for (i, entry) in entries.into_iter().enumerate() {
                        let Some(result) = results.get(i) else {
                            failed.push(entry);
                            continue;
                        };
                        let Some(code) = result.error_code() else {
                            continue;
                        };
                        let message = result.error_message().unwrap_or_default().to_owned();
                        if !RETRYABLE_ENTRY_CODES.contains(&code) {
                            return Err(PublishError::Refused {
                                code: code.to_owned(),
                                message,
                            });
                        }
                        last = format!("entry failed: {code}: {message}");
                        failed.push(entry);
                    }
                    entries = failed;
                    if entries.is_empty() {
                        return Ok(PublishReport { attempts });
                    }
                    last
                }
                Ok(Err(error)) => classify(error)?,
            };
            let delay = self.policy.delay(attempts, None);
            if attempts >= self.policy.max_attempts
                || !deadline.allows(delay, self.policy.min_attempt_time)
            {
                return Err(PublishError::GaveUp { attempts, last });
            }
            tracing::warn!(
                attempt = attempts,
                delay_ms = delay.as_millis() as u64,
                "publish retry: {last}"
            );
            tokio::time::sleep(delay).await;
        }
    }
}

/// A request-level failure: `Ok(description)` when worth retrying.
fn classify(error: SdkError<PutEventsError, HttpResponse>) -> Result<String, PublishError> {
    let status = error.raw_response().map_or(0, |r| r.status().as_u16());
    match &error {
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or("Unknown").to_owned();
            let message = service.err().message().unwrap_or_default().to_owned();
            if RETRYABLE_REQUEST_CODES.contains(&code.as_str()) || status >= 500 || status == 429 {
                Ok(format!("{code}: {message}"))
            } else {
                Err(PublishError::Refused { code, message })
            }
        }
        SdkError::TimeoutError(_) => Ok("request timed out".into()),
        SdkError::DispatchFailure(_) => Ok("could not reach EventBridge".into()),
        SdkError::ResponseError(_) => Ok(format!("unreadable response (HTTP {status})")),
        other => Err(PublishError::Refused {
            code: "RequestError".into(),
            message: other.to_string(),
        }),
    }
}

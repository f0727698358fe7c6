//! Requests to `POST /v2/events`, one event per request, over HTTP or, with `DRY_RUN`, as JSON
//! lines on stdout.

use std::io::Write;
use std::time::Duration;

use delivery::http::{DryRun, http_client, retry_after, transport_error};
use delivery::{Destination, Item, Verdict};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use serde_json::json;

use crate::config::FullStoryConfig;
use crate::request::{EventRequest, without_session};
use crate::response::{Answer, classify};

/// Where requests go.
enum Transport {
    Http(reqwest::Client),
    /// Requests are written as JSON lines and count as delivered.
    DryRun(DryRun),
}

/// A FullStory client, built once per container; it is the `fullstory_events` destination.
pub struct FullStoryClient {
    transport: Transport,
    events_url: String,
    authorization: Option<HeaderValue>,
}

/// Failure to build the client.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the FullStory HTTP client: {0}")]
pub struct ClientError(String);

impl FullStoryClient {
    /// A client for `config`: HTTP, or stdout when `config.dry_run`.
    pub fn new(config: &FullStoryConfig) -> Result<Self, ClientError> {
        let transport = if config.dry_run {
            Transport::DryRun(DryRun::stdout())
        } else {
            Transport::Http(http_client().map_err(ClientError)?)
        };
        Self::with_transport(config, transport)
    }

    /// A dry-run client writing to `out` (tests, the demo).
    pub fn dry_run_to(config: &FullStoryConfig, out: Box<dyn Write + Send>) -> Self {
        Self::with_transport(config, Transport::DryRun(DryRun::to(out)))
            .expect("dry-run clients need no credentials")
    }

    fn with_transport(config: &FullStoryConfig, transport: Transport) -> Result<Self, ClientError> {
        let authorization = match &config.api_key {
            Some(key) => {
                // FullStory takes the key verbatim after `Basic`, not base64 `user:pass`.
                let mut value =
                    HeaderValue::from_str(&format!("Basic {}", key.0)).map_err(|_| {
                        ClientError(
                            "FULLSTORY_API_KEY has characters not allowed in a header".into(),
                        )
                    })?;
                value.set_sensitive(true);
                Some(value)
            }
            None => None,
        };
        Ok(Self {
            transport,
            events_url: format!("{}/v2/events", config.api_url),
            authorization,
        })
    }

    async fn post(
        &self,
        http: &reqwest::Client,
        request: &EventRequest,
        timeout: Duration,
    ) -> Answer {
        let mut builder = http
            .post(&self.events_url)
            .timeout(timeout)
            .header(CONTENT_TYPE, "application/json")
            .header("Idempotency-Key", &request.key)
            .body(request.body.clone());
        if let Some(auth) = &self.authorization {
            builder = builder.header(AUTHORIZATION, auth.clone());
        }
        let response = match builder.send().await {
            Ok(r) => r,
            Err(e) => {
                return Answer::Verdict(Verdict::Retry {
                    retry_after: None,
                    reason: transport_error(&e),
                });
            }
        };
        let status = response.status().as_u16();
        let wait = retry_after(response.headers());
        match response.bytes().await {
            Ok(body) => classify(status, wait, &body),
            Err(e) => Answer::Verdict(Verdict::Retry {
                retry_after: wait,
                reason: transport_error(&e),
            }),
        }
    }

    fn dry_run(&self, out: &DryRun, request: &EventRequest) -> Verdict {
        let mut headers = json!({
            "Content-Type": "application/json",
            "Idempotency-Key": request.key,
        });
        if self.authorization.is_some() {
            headers["Authorization"] = json!("Basic <redacted>");
        }
        out.write(&self.events_url, headers, &request.body)
    }
}

impl Destination for FullStoryClient {
    fn name(&self) -> &'static str {
        "fullstory_events"
    }

    /// Sends the one event of `items` (FullStory takes one per request). A full session is
    /// answered by sending once more without the session, within the same `timeout`, so the
    /// fallback never runs past the deadline the timeout was cut to.
    async fn send(&self, items: &[Item], timeout: Duration) -> Verdict {
        let [item] = items else {
            return Verdict::Refused {
                reason: format!("FullStory takes one event per request, got {}", items.len()),
            };
        };
        let request = EventRequest {
            body: item.bytes.clone(),
            key: item.key.clone().unwrap_or_default(),
        };
        let http = match &self.transport {
            Transport::DryRun(out) => return self.dry_run(out, &request),
            Transport::Http(http) => http,
        };
        let started = tokio::time::Instant::now();
        let answer: (Answer, String) = match self.post(http, &request, timeout).await {
            Answer::SessionFull => {
                let Some(alone) = without_session(&request) else {
                    return Verdict::Rejected {
                        items: vec![(
                            0,
                            "session_page_limit_exceeded for an event without a session".into(),
                        )],
                    };
                };
                let left = timeout.saturating_sub(started.elapsed());
                if left < MIN_FALLBACK_TIME {
                    return Verdict::Retry {
                        retry_after: None,
                        reason: "the session is full and no time is left to send without it".into(),
                    };
                }
                tracing::info!("FullStory session full; sending without the session");
                (self.post(http, &alone, left).await, alone.key)
            }
            answer => (answer, request.key.clone()),
        };
        match answer {
            (Answer::Verdict(verdict), _) => verdict,
            (Answer::KeyAlreadyUsed, key) => {
                tracing::info!(
                    idempotency_key = %key,
                    "FullStory already holds an event under this key (sent with another body); counted as delivered"
                );
                Verdict::Delivered
            }
            // Only the fallback's answer can still say so.
            (Answer::SessionFull, _) => Verdict::Rejected {
                items: vec![(
                    0,
                    "session_page_limit_exceeded even without a session".into(),
                )],
            },
        }
    }
}

/// Least time worth giving the session-full fallback.
const MIN_FALLBACK_TIME: Duration = Duration::from_millis(250);

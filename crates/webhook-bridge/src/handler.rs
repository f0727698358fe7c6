//! One webhook request: route, verify, normalize, publish, answer.

use std::time::{Duration, SystemTime};

use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use delivery::Deadline;
use lambda_io::RawEvent;
use tokio::time::Instant;
use zendesk_events::Timestamp;

use crate::config::BridgeConfig;
use crate::entry::BusEntry;
use crate::http::{HttpRequest, HttpResponse, RequestError};
use crate::intercom::{self, IntercomOutcome};
use crate::metrics::RequestMetrics;
use crate::publish::Publisher;
use crate::refusals::RefusalTally;
use crate::signature::{self, Rejection};
use crate::zendesk::{self, ZendeskOutcome};

/// Time kept back from the Lambda deadline to answer.
const ANSWER_RESERVE: Duration = Duration::from_millis(200);

/// The webhook bridge: configuration and the bus client, built once per container.
pub struct Bridge {
    config: BridgeConfig,
    publisher: Publisher,
    refusals: RefusalTally,
}

/// A webhook ready to publish.
#[derive(Debug)]
pub struct Prepared {
    /// The PutEvents entry.
    pub request: PutEventsRequestEntry,
    /// The sender's event id (for logs).
    pub event_id: String,
    /// The entry's detail type (for logs).
    pub detail_type: String,
}

/// The routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Zendesk,
    Intercom,
}

impl Bridge {
    /// A bridge publishing through `publisher`.
    pub fn new(config: BridgeConfig, publisher: Publisher) -> Self {
        Self {
            refusals: RefusalTally::new(config.refusal_log_interval),
            config,
            publisher,
        }
    }

    /// Handles one invocation with `budget` left before the Lambda deadline, and returns the
    /// HTTP answer. A request whose signature checked out gets one log line and its EMF
    /// metrics; one refused before that is counted (see [`RefusalTally`]).
    pub async fn handle(&self, event: RawEvent) -> HttpResponse {
        let payload = event.payload.get().as_bytes();
        let budget = lambda_io::budget(&event.context);
        let started = Instant::now();
        let mut metrics = RequestMetrics::default();
        let mut event: Option<(String, String)> = None;
        let response = self
            .respond(payload, budget, &mut metrics, &mut event)
            .await;
        if metrics.verified == 0 {
            let reason = metrics.rejected.unwrap_or(response.message);
            if self
                .refusals
                .record(reason, metrics.received == 1)
                .first_of_reason
            {
                tracing::warn!(
                    status = response.status,
                    reason,
                    "request refused; further refusals are counted and summarised"
                );
            }
        } else {
            self.log_handled(&response, &metrics, event, started.elapsed());
        }
        if let Some((counts, emf)) = self.refusals.take_due() {
            log_refusals(&counts, &emf);
        }
        response
    }

    /// Logs the refusals counted so far, even if their window is still open (at shutdown).
    pub fn flush_refusals(&self) {
        if let Some((counts, emf)) = self.refusals.take_all() {
            log_refusals(&counts, &emf);
        }
    }

    fn log_handled(
        &self,
        response: &HttpResponse,
        metrics: &RequestMetrics,
        event: Option<(String, String)>,
        latency: Duration,
    ) {
        let (event_id, detail_type) = event.unzip();
        tracing::info!(
            status = response.status,
            outcome = response.message,
            event_id,
            detail_type,
            latency_ms = latency.as_secs_f64() * 1000.0,
            counters = %metrics.to_json(),
            "webhook handled"
        );
        lambda_io::print_line(&metrics.emf(latency));
    }

    async fn respond(
        &self,
        payload: &[u8],
        budget: Duration,
        metrics: &mut RequestMetrics,
        event: &mut Option<(String, String)>,
    ) -> HttpResponse {
        match self.prepare(payload, metrics) {
            Err(answer) => answer,
            Ok(prepared) => {
                *event = Some((prepared.event_id.clone(), prepared.detail_type.clone()));
                self.publish(prepared, budget, metrics).await
            }
        }
    }

    /// Everything before the network: parse, route, verify, normalize and build the PutEvents
    /// entry; or the answer when there is nothing to publish.
    pub fn prepare(
        &self,
        payload: &[u8],
        metrics: &mut RequestMetrics,
    ) -> Result<Prepared, HttpResponse> {
        let request = match HttpRequest::parse(payload) {
            Ok(r) => r,
            Err(RequestError::TooLarge(_)) => {
                metrics.rejected = Some("payload_too_large");
                return Err(HttpResponse::new(413, "payload_too_large"));
            }
            Err(e) => {
                tracing::debug!("not an HTTP request: {e}");
                metrics.rejected = Some("not_http");
                return Err(HttpResponse::new(400, "bad_request"));
            }
        };
        let route = match request.path.trim_end_matches('/') {
            "/zendesk" => Route::Zendesk,
            "/intercom" => Route::Intercom,
            _ => {
                metrics.rejected = Some("not_found");
                return Err(HttpResponse::new(404, "not_found"));
            }
        };
        if request.method != "POST" {
            metrics.rejected = Some("method_not_allowed");
            return Err(HttpResponse {
                allow: Some("POST"),
                ..HttpResponse::new(405, "method_not_allowed")
            });
        }
        metrics.received = 1;
        if let Err(reason) = self.verify(route, &request) {
            metrics.rejected = Some(reason.name());
            tracing::debug!(route = ?route, reason = reason.name(), "webhook rejected");
            return Err(HttpResponse::new(401, "unauthorized"));
        }
        metrics.verified = 1;
        let mut entry = match self.normalize(route, &request.body) {
            Ok(Some(entry)) => entry,
            Ok(None) => {
                metrics.ignored = 1;
                return Err(HttpResponse::new(200, "ignored"));
            }
            Err(e) => {
                metrics.rejected = Some("undecodable");
                tracing::error!(route = ?route, path = %e.path, reason = %e.reason, "authentic webhook that cannot be decoded");
                return Err(HttpResponse::new(400, "bad_request"));
            }
        };
        let (request, shrunk) = self.publisher.request_entry(&mut entry);
        if shrunk {
            metrics.truncated = 1;
            tracing::warn!(event_id = %entry.event_id, "event shrunk to fit EventBridge's 256 KB limit");
        }
        Ok(Prepared {
            request,
            event_id: entry.event_id,
            detail_type: entry.detail_type,
        })
    }

    fn verify(&self, route: Route, request: &HttpRequest) -> Result<(), Rejection> {
        match route {
            Route::Zendesk if self.config.zendesk_secrets.is_empty() => {
                Err(Rejection::NotConfigured)
            }
            Route::Zendesk => signature::verify_zendesk(
                &self.config.zendesk_secrets,
                request.header(signature::ZENDESK_SIGNATURE),
                request.header(signature::ZENDESK_TIMESTAMP),
                &request.body,
                now(),
                self.config.max_signature_age,
            ),
            Route::Intercom => match &self.config.intercom_secret {
                None => Err(Rejection::NotConfigured),
                Some(secret) => signature::verify_intercom(
                    secret,
                    request.header(signature::INTERCOM_SIGNATURE),
                    &request.body,
                ),
            },
        }
    }

    /// The entry to publish, or `None` for what is acknowledged without publishing.
    fn normalize(
        &self,
        route: Route,
        body: &[u8],
    ) -> Result<Option<BusEntry>, zendesk_events::DecodeError> {
        Ok(match route {
            Route::Zendesk => {
                match zendesk::normalize(body, &self.config.zendesk_source, &self.config.bus)? {
                    ZendeskOutcome::Publish(entry) => Some(entry),
                    ZendeskOutcome::Ignore { webhook_type } => {
                        tracing::info!(webhook_type, "webhook type not bridged");
                        None
                    }
                }
            }
            Route::Intercom => {
                match intercom::normalize(body, &self.config.intercom_source, &self.config.bus)? {
                    IntercomOutcome::Publish(entry) => Some(entry),
                    IntercomOutcome::Ping => None,
                    IntercomOutcome::Ignore { topic } => {
                        tracing::info!(topic, "intercom topic not bridged");
                        None
                    }
                }
            }
        })
    }

    async fn publish(
        &self,
        prepared: Prepared,
        budget: Duration,
        metrics: &mut RequestMetrics,
    ) -> HttpResponse {
        let deadline = Deadline::after(
            self.config
                .publish_timeout
                .min(budget.saturating_sub(ANSWER_RESERVE)),
        );
        match self
            .publisher
            .publish(vec![prepared.request], deadline)
            .await
        {
            Ok(report) => {
                metrics.published = 1;
                metrics.publish_retries = u64::from(report.attempts - 1);
                HttpResponse::new(200, "published")
            }
            Err(e) => {
                if let crate::publish::PublishError::GaveUp { attempts, .. } = &e {
                    metrics.publish_retries = u64::from(attempts.saturating_sub(1));
                }
                tracing::error!(event_id = %prepared.event_id, "{e}");
                HttpResponse::new(503, "unavailable")
            }
        }
    }
}

fn log_refusals(counts: &serde_json::Value, emf: &serde_json::Value) {
    tracing::warn!(counters = %counts, "requests refused before verification");
    lambda_io::print_line(emf);
}

fn now() -> Timestamp {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128);
    Timestamp::from_unix_nanos(nanos).expect("the clock reads a valid time")
}

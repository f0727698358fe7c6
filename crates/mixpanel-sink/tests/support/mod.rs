//! Shared helpers: a sink pointed at a mock Mixpanel, payload builders, request readers.
#![allow(dead_code)]

use std::io::Read;

use delivery::Settings;
use mixpanel::{MixpanelClient, MixpanelConfig};
use mixpanel_sink::Sink;
use serde_json::{Value, json};
use wiremock::Request;

pub const CREATED: &str = include_str!("../../../../events/connector/ticket-created.json");
pub const STATUS: &str = include_str!("../../../../events/connector/status-changed.json");
pub const COMMENT: &str = include_str!("../../../../events/webhook/ticket.comment_added.json");
pub const PRIORITY: &str = include_str!("../../../../events/webhook/ticket.priority_changed.json");

/// A sink for `url` with fast retries, plus `extra` settings.
pub fn sink(url: &str, extra: &[(&str, &str)]) -> Sink {
    let mut pairs = vec![
        ("MIXPANEL_API_URL", url),
        ("MIXPANEL_PROJECT_TOKEN", "test-token"),
        ("RETRY_INITIAL_BACKOFF_MS", "10"),
        ("RETRY_MAX_BACKOFF_MS", "40"),
        ("REQUEST_TIMEOUT_MS", "2000"),
    ];
    pairs.extend_from_slice(extra);
    let config = MixpanelConfig::from_settings(&Settings::from_pairs(&pairs)).unwrap();
    let client = MixpanelClient::new(&config).unwrap();
    Sink::new(config, client)
}

/// An SNS invocation carrying `event`.
pub fn sns(event: &str) -> String {
    let event: Value = serde_json::from_str(event).unwrap();
    json!({"Records": [{"EventSource": "aws:sns", "Sns": {"MessageId": "sns-1", "Message": event.to_string()}}]}).to_string()
}

/// An SQS invocation (raw delivery) carrying `events`, message ids `m0`, `m1`, ….
pub fn sqs(events: &[&str]) -> String {
    let records: Vec<Value> = events
        .iter()
        .enumerate()
        .map(|(i, e)| json!({"messageId": format!("m{i}"), "eventSource": "aws:sqs", "body": e}))
        .collect();
    json!({ "Records": records }).to_string()
}

/// The events of one `/import` request (gunzipped).
pub fn import_events(request: &Request) -> Vec<Value> {
    assert_eq!(request.headers.get("content-encoding").unwrap(), "gzip");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&request.body[..])
        .read_to_string(&mut text)
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Every `/import` request and `/engage` request the server received.
pub async fn received(server: &wiremock::MockServer) -> (Vec<Vec<Value>>, Vec<Vec<Value>>) {
    let requests = server.received_requests().await.unwrap();
    let imports = requests
        .iter()
        .filter(|r| r.url.path() == "/import")
        .map(import_events)
        .collect();
    let engages = requests
        .iter()
        .filter(|r| r.url.path() == "/engage")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    (imports, engages)
}

pub fn ok_import() -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(200)
        .set_body_json(json!({"code": 200, "num_records_imported": 1, "status": "OK"}))
}

pub fn ok_engage() -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(200).set_body_json(json!({"status": 1, "error": null}))
}

//! Test helpers: a local EventBridge (wiremock speaking the PutEvents JSON protocol), signed
//! Function URL events, and a bridge wired to both.
#![allow(dead_code)]

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_eventbridge::config::{Credentials, SharedCredentialsProvider};
use base64::Engine;
use delivery::Settings;
use serde_json::{Value, json};
use webhook_bridge::signature::{intercom_signature, zendesk_signature};
use webhook_bridge::{Bridge, BridgeConfig, Publisher};
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};
use zendesk_events::Timestamp;

pub const ZENDESK_SECRET: &str = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==";
pub const INTERCOM_SECRET: &str = "ticketbridge-intercom-test-secret";

/// What the local bus answers to each PutEvents call, in order; the last one repeats.
pub enum Answer {
    /// Every entry accepted.
    Accept,
    /// The first `n` entries fail with `code`.
    FailEntries(usize, &'static str),
    /// The whole request fails with HTTP `status` and `code`.
    FailRequest(u16, &'static str),
}

struct Script(Mutex<Vec<Answer>>);

impl Respond for Script {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let count = body["Entries"].as_array().unwrap().len();
        let mut script = self.0.lock().unwrap();
        let answer = if script.len() > 1 {
            script.remove(0)
        } else {
            clone(&script[0])
        };
        let json_type = "application/x-amz-json-1.1";
        match answer {
            Answer::Accept | Answer::FailEntries(..) => {
                let failing = match answer {
                    Answer::FailEntries(n, _) => n.min(count),
                    _ => 0,
                };
                let code = match answer {
                    Answer::FailEntries(_, code) => code,
                    _ => "",
                };
                let entries: Vec<Value> = (0..count)
                    .map(|i| match i < failing {
                        true => json!({"ErrorCode": code, "ErrorMessage": "injected"}),
                        false => json!({"EventId": format!("evt-{i}")}),
                    })
                    .collect();
                ResponseTemplate::new(200)
                    .insert_header("content-type", json_type)
                    .set_body_json(json!({"FailedEntryCount": failing, "Entries": entries}))
            }
            Answer::FailRequest(status, code) => ResponseTemplate::new(status)
                .insert_header("content-type", json_type)
                .set_body_json(json!({"__type": code, "message": "injected"})),
        }
    }
}

fn clone(a: &Answer) -> Answer {
    match a {
        Answer::Accept => Answer::Accept,
        Answer::FailEntries(n, c) => Answer::FailEntries(*n, c),
        Answer::FailRequest(s, c) => Answer::FailRequest(*s, c),
    }
}

/// A local EventBridge answering PutEvents by `script`.
pub async fn local_bus(script: Vec<Answer>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("x-amz-target", "AWSEvents.PutEvents"))
        .respond_with(Script(Mutex::new(script)))
        .mount(&server)
        .await;
    server
}

/// Every entry the local bus was sent, in order (retries included).
pub async fn sent_entries(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .flat_map(|r| {
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            body["Entries"].as_array().unwrap().clone()
        })
        .collect()
}

/// An SDK configuration pointed at `endpoint` with test credentials.
pub fn sdk(endpoint: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::for_tests()))
        .build()
}

/// A bridge on the local bus, with both secrets and `extra` settings.
pub fn bridge(server: &MockServer, extra: &[(&str, &str)]) -> Bridge {
    bridge_at(&server.uri(), extra)
}

/// A bridge publishing to `endpoint`, with both secrets and `extra` settings.
pub fn bridge_at(endpoint: &str, extra: &[(&str, &str)]) -> Bridge {
    let mut pairs = vec![
        ("ZENDESK_WEBHOOK_SECRETS", ZENDESK_SECRET),
        ("INTERCOM_WEBHOOK_SECRET", INTERCOM_SECRET),
        ("EVENT_BUS_NAME", "ticketbridge"),
        ("RETRY_INITIAL_BACKOFF_MS", "5"),
        ("RETRY_MAX_BACKOFF_MS", "20"),
    ];
    pairs.extend_from_slice(extra);
    let config = BridgeConfig::from_settings(&Settings::from_pairs(&pairs)).unwrap();
    let publisher = Publisher::new(&sdk(endpoint), config.event_bus.clone(), config.retry);
    Bridge::new(config, publisher)
}

/// Now, as Zendesk writes its signature timestamp.
pub fn now_header() -> String {
    offset_header(0)
}

/// Now plus `seconds` (negative: the past), as a signature timestamp.
pub fn offset_header(seconds: i64) -> String {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let at = Timestamp::from_unix_nanos(i128::from(now + seconds) * 1_000_000_000).unwrap();
    format!("{}Z", at.to_seconds_utc())
}

/// A Function URL (payload 2.0) event.
pub fn http_event(method: &str, path: &str, headers: Value, body: &[u8], base64: bool) -> Vec<u8> {
    let body = match base64 {
        true => base64::engine::general_purpose::STANDARD.encode(body),
        false => String::from_utf8(body.to_vec()).unwrap(),
    };
    serde_json::to_vec(&json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "Zendesk Webhook"},
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "timeEpoch": 1773152526000u64
        },
        "body": body,
        "isBase64Encoded": base64
    }))
    .unwrap()
}

/// A Zendesk webhook delivery signed now with the test secret.
pub fn zendesk_delivery(body: &[u8]) -> Vec<u8> {
    let ts = now_header();
    let sig = zendesk_signature(ZENDESK_SECRET, &ts, body);
    http_event(
        "POST",
        "/zendesk",
        json!({
            "content-type": "application/json",
            "x-zendesk-webhook-signature": sig,
            "x-zendesk-webhook-signature-timestamp": ts,
            "x-zendesk-webhook-id": "01HXYZ",
            "user-agent": "Zendesk Webhook"
        }),
        body,
        false,
    )
}

/// An Intercom delivery signed with the test secret.
pub fn intercom_delivery(body: &[u8]) -> Vec<u8> {
    http_event(
        "POST",
        "/intercom",
        json!({
            "content-type": "application/json",
            "x-hub-signature": intercom_signature(INTERCOM_SECRET, body),
            "user-agent": "intercom-parrot-service-client/1.0"
        }),
        body,
        false,
    )
}

/// A generous invocation budget.
pub const BUDGET: Duration = Duration::from_secs(10);

/// A sample payload under `events/`.
pub fn sample(rel: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../events")
            .join(rel),
    )
    .unwrap()
}

/// A bus entry as the EventBridge event a rule target would receive.
pub fn as_delivered(entry: &Value) -> String {
    json!({
        "version": "0",
        "id": "0d2a8c3e-0000-4000-8000-000000000001",
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "account": "123456789012",
        "time": format!("{}Z", bus_time(entry).to_seconds_utc()),
        "region": "eu-west-1",
        "resources": entry["Resources"],
        "detail": serde_json::from_str::<Value>(entry["Detail"].as_str().unwrap()).unwrap(),
    })
    .to_string()
}

/// An entry's `Time` (the JSON protocol sends epoch seconds).
pub fn bus_time(entry: &Value) -> Timestamp {
    let seconds = entry["Time"].as_f64().expect("Time is epoch seconds");
    Timestamp::from_unix_nanos((seconds * 1e9).round() as i128).unwrap()
}

//! Handler work per webhook with no network: parse the Function URL event, verify the signature,
//! normalize, build the PutEvents entry. Reports p50/p99/max over many runs per sample, since the
//! floor is on p99 (criterion reports means). `cargo bench -p webhook-bridge --bench handler`.

use std::time::{Duration, Instant, SystemTime};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_eventbridge::config::{Credentials, SharedCredentialsProvider};
use delivery::Settings;
use serde_json::json;
use webhook_bridge::metrics::RequestMetrics;
use webhook_bridge::signature::{intercom_signature, zendesk_signature};
use webhook_bridge::{Bridge, BridgeConfig, Publisher};
use zendesk_events::Timestamp;

const SECRET: &str = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==";
const RUNS: usize = 20_000;

fn event(path: &str, headers: serde_json::Value, body: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "version": "2.0", "rawPath": path, "headers": headers,
        "requestContext": {"http": {"method": "POST", "path": path}},
        "body": body, "isBase64Encoded": false
    }))
    .unwrap()
}

fn zendesk(rel: &str) -> Vec<u8> {
    let body = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../events")
            .join(rel),
    )
    .unwrap();
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let ts = format!(
        "{}Z",
        Timestamp::from_unix_nanos(i128::from(now) * 1_000_000_000)
            .unwrap()
            .to_seconds_utc()
    );
    let headers = json!({
        "x-zendesk-webhook-signature": zendesk_signature(SECRET, &ts, body.as_bytes()),
        "x-zendesk-webhook-signature-timestamp": ts,
    });
    event("/zendesk", headers, &body)
}

fn intercom() -> Vec<u8> {
    let body = r#"{"type":"notification_event","app_id":"tb5x9q2k","id":"notif_cf2096ba-e549-4e5a-9f1b-d571f391ff97","topic":"conversation.rating.added","created_at":1773152526,"data":{"type":"notification_event_data","item":{"type":"conversation","id":"184003000000123","contacts":{"type":"contact.list","contacts":[{"type":"contact","id":"65f0","external_id":"user-4242"}]},"conversation_rating":{"rating":2,"remark":"slow","contact":{"id":"65f0"},"teammate":{"id":"5784329"}}}}}"#;
    event(
        "/intercom",
        json!({"x-hub-signature": intercom_signature(SECRET, body.as_bytes())}),
        body,
    )
}

fn main() {
    let sdk = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::for_tests()))
        .build();
    let settings = Settings::from_pairs(&[
        (
            "ZENDESK_WEBHOOK_SECRETS",
            "an-old-secret,".repeat(2).as_str(),
        ),
        ("EVENT_BUS_NAME", "ticketbridge"),
        ("INTERCOM_WEBHOOK_SECRET", SECRET),
    ]);
    let mut config = BridgeConfig::from_settings(&settings).unwrap();
    // Worst case for rotation: the right secret is tried last.
    config.zendesk_secrets.push(SECRET.to_owned());
    let publisher = Publisher::new(&sdk, config.event_bus.clone(), config.retry);
    let bridge = Bridge::new(config, publisher);

    let cases = [
        (
            "zendesk ticket.created",
            zendesk("webhook/ticket.created.json"),
        ),
        (
            "zendesk ticket.comment_added",
            zendesk("webhook/ticket.comment_added.json"),
        ),
        (
            "zendesk ticket.custom_field_changed",
            zendesk("webhook/ticket.custom_field_changed.json"),
        ),
        ("intercom conversation.rating.added", intercom()),
    ];
    println!("handler work per webhook (verify + normalize + PutEvents entry), {RUNS} runs each:");
    for (name, payload) in cases {
        let mut samples: Vec<Duration> = Vec::with_capacity(RUNS);
        for i in 0..RUNS + 1000 {
            let started = Instant::now();
            let prepared = bridge.prepare(&payload, &mut RequestMetrics::default());
            let elapsed = started.elapsed();
            assert!(prepared.is_ok(), "{name}: {:?}", prepared.err());
            std::hint::black_box(prepared.ok());
            if i >= 1000 {
                samples.push(elapsed); // the first 1000 warm caches up
            }
        }
        samples.sort();
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        println!(
            "  {name:<38} p50 {:>6.1} µs   p99 {:>6.1} µs   max {:>7.1} µs",
            us(samples[RUNS / 2]),
            us(samples[RUNS * 99 / 100]),
            us(samples[RUNS - 1])
        );
    }
}

//! The live path, locally: signed Zendesk webhooks go through the real `webhook-bridge` binary to
//! a local EventBridge; what the bus accepted is then delivered as SNS would deliver it.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use webhook_bridge::signature::zendesk_signature;
use zendesk_events::Timestamp;

use crate::emulator::{Outcome, RuntimeApi};
use crate::function::FunctionProcess;
use crate::local_bus::{LocalBus, sns_event};

/// The signing secret the demo configures and signs with (Zendesk's documented test secret).
pub const DEMO_SECRET: &str = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==";

/// The webhook samples the demo sends, in order; the first is delivered twice, as Zendesk may.
pub const DEMO_WEBHOOKS: &[&str] = &[
    "webhook/ticket.created.json",
    "webhook/ticket.comment_added.json",
    "webhook/ticket.status_changed.json",
    "webhook-accounts/user.created.json",
    "webhook-accounts/organization.created.json",
];

/// What the bridge step produced.
pub struct BridgeRun {
    /// HTTP status per delivery, labelled.
    pub answers: Vec<(String, u16)>,
    /// The events the bus accepted.
    pub events: Vec<Value>,
}

impl BridgeRun {
    /// The accepted events as one SNS-triggered invocation payload.
    pub fn sns_payload(&self) -> Vec<u8> {
        sns_event(&self.events).to_string().into_bytes()
    }
}

/// The environment that points a bridge at `bus` with the demo secret.
pub fn bridge_env(bus: &LocalBus) -> Vec<(String, String)> {
    [
        ("ZENDESK_WEBHOOK_SECRETS", DEMO_SECRET),
        ("EVENT_BUS_NAME", "ticketbridge-demo"),
        ("AWS_ENDPOINT_URL_EVENTBRIDGE", &bus.url()),
        ("AWS_ACCESS_KEY_ID", "local"),
        ("AWS_SECRET_ACCESS_KEY", "local"),
        ("RETRY_INITIAL_BACKOFF_MS", "10"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// A Function URL event for a Zendesk delivery of `body`, signed now with `secret`.
pub fn signed_delivery(body: &[u8], secret: &str) -> Vec<u8> {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let ts = Timestamp::from_unix_nanos(i128::from(now) * 1_000_000_000)
        .map(|t| format!("{}Z", t.to_seconds_utc()))
        .unwrap_or_default();
    let signature = zendesk_signature(secret, &ts, body);
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/zendesk",
        "rawQueryString": "",
        "headers": {
            "content-type": "application/json",
            "user-agent": "Zendesk Webhook",
            "x-zendesk-webhook-signature": signature,
            "x-zendesk-webhook-signature-timestamp": ts,
        },
        "requestContext": {"http": {"method": "POST", "path": "/zendesk", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "Zendesk Webhook"}},
        "body": String::from_utf8_lossy(body),
        "isBase64Encoded": false,
    })
    .to_string()
    .into_bytes()
}

/// Sends the demo webhooks (one twice, one with a forged signature) through `bridge`.
pub async fn run(bridge: &Path, events: &Path) -> Result<BridgeRun, String> {
    let bus = LocalBus::start()
        .await
        .map_err(|e| format!("cannot start the local EventBridge: {e}"))?;
    let api = RuntimeApi::start()
        .await
        .map_err(|e| format!("cannot start the Runtime API emulator: {e}"))?;
    let process = FunctionProcess::spawn(bridge, &api, &bridge_env(&bus)).map_err(|e| {
        format!(
            "cannot start {}: {e} (build it first: cargo build -p webhook-bridge)",
            bridge.display()
        )
    })?;
    let mut deliveries: Vec<(String, Vec<u8>)> = Vec::new();
    for (i, rel) in DEMO_WEBHOOKS.iter().enumerate() {
        let path: PathBuf = events.join(rel);
        let body = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        deliveries.push((rel.to_string(), signed_delivery(&body, DEMO_SECRET)));
        if i == 0 {
            deliveries.push((
                format!("{rel} (redelivered)"),
                signed_delivery(&body, DEMO_SECRET),
            ));
            deliveries.push((
                format!("{rel} (forged signature)"),
                signed_delivery(&body, "not-the-secret"),
            ));
        }
    }
    let mut answers = Vec::new();
    for (label, payload) in deliveries {
        let status = match api.invoke(payload, Duration::from_secs(15)).await {
            Some(Outcome::Response(answer)) => answer["statusCode"].as_u64().unwrap_or(0) as u16,
            Some(Outcome::Error { error_message, .. }) => {
                return Err(format!("{label}: the bridge failed: {error_message}"));
            }
            None => {
                let stderr = process.stderr_up_to_now().await.join("\n");
                return Err(format!("{label}: the bridge did not answer\n{stderr}"));
            }
        };
        answers.push((label, status));
    }
    process.stop().await;
    Ok(BridgeRun {
        answers,
        events: bus.events(),
    })
}

//! A local EventBridge: answers PutEvents (the JSON protocol the AWS SDK speaks) and keeps what
//! was put, so the bridge runs with no AWS account. Entries can be made to fail, as the real
//! service does under load, and captured entries can be delivered onward as SNS would.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use serde_json::{Value, json};
use zendesk_events::Timestamp;

/// A running local bus.
#[derive(Clone)]
pub struct LocalBus {
    address: SocketAddr,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    accepted: Vec<Value>,
    fail_next: usize,
}

impl LocalBus {
    /// Starts the bus on a free loopback port.
    pub async fn start() -> std::io::Result<Self> {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let app = Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
            let state = shared.clone();
            async move { put_events(&state, &headers, &body) }
        });
        let address = serve_on_loopback(app).await?;
        Ok(Self { address, state })
    }

    /// The endpoint URL (`AWS_ENDPOINT_URL_EVENTBRIDGE`).
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The next `n` entries put fail with `InternalFailure` (listed in `FailedEntryCount`).
    pub fn fail_next_entries(&self, n: usize) {
        self.state.lock().expect("bus state").fail_next = n;
    }

    /// Every accepted entry, in order, as the EventBridge event a rule target receives.
    pub fn events(&self) -> Vec<Value> {
        self.state.lock().expect("bus state").accepted.clone()
    }
}

/// Serves `app` on a free loopback port, in the background; returns the address.
pub(crate) async fn serve_on_loopback(app: Router) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(address)
}

fn put_events(state: &Mutex<State>, headers: &HeaderMap, body: &[u8]) -> impl IntoResponse + use<> {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let json_type = [(header::CONTENT_TYPE, "application/x-amz-json-1.1")];
    if target != "AWSEvents.PutEvents" {
        let error = json!({"__type": "UnknownOperationException", "message": target});
        return (StatusCode::BAD_REQUEST, json_type, error.to_string());
    }
    let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let Some(entries) = request["Entries"].as_array() else {
        let error = json!({"__type": "ValidationException", "message": "Entries is required"});
        return (StatusCode::BAD_REQUEST, json_type, error.to_string());
    };
    let mut state = state.lock().expect("bus state");
    let mut results = Vec::new();
    let mut failed = 0;
    for entry in entries {
        if state.fail_next > 0 {
            state.fail_next -= 1;
            failed += 1;
            results.push(json!({"ErrorCode": "InternalFailure", "ErrorMessage": "injected by the local bus"}));
            continue;
        }
        let id = format!("00000000-0000-4000-8000-{:012}", state.accepted.len() + 1);
        state.accepted.push(as_event(entry, &id));
        results.push(json!({"EventId": id}));
    }
    let answer = json!({"FailedEntryCount": failed, "Entries": results});
    (StatusCode::OK, json_type, answer.to_string())
}

/// A PutEvents entry as the event EventBridge delivers to targets.
fn as_event(entry: &Value, id: &str) -> Value {
    // The JSON protocol sends `Time` as epoch seconds; events carry whole-second RFC 3339.
    let time = entry["Time"]
        .as_f64()
        .and_then(|s| Timestamp::from_unix_nanos(s.floor() as i128 * 1_000_000_000))
        .map(|t| format!("{}Z", t.to_seconds_utc()))
        .unwrap_or_default();
    let detail = entry["Detail"]
        .as_str()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or(Value::Null);
    json!({
        "version": "0",
        "id": id,
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "account": "000000000000",
        "time": time,
        "region": "local",
        "resources": entry["Resources"],
        "detail": detail,
    })
}

/// `events` as one SNS-triggered Lambda event, one record each (EventBridge → SNS → Lambda).
pub fn sns_event(events: &[Value]) -> Value {
    let records: Vec<Value> = events
        .iter()
        .enumerate()
        .map(|(i, event)| {
            json!({
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": "arn:aws:sns:local:000000000000:ticketbridge-mixpanel:demo",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": format!("95df01b4-ee98-5cb9-9903-{:012}", i + 1),
                    "TopicArn": "arn:aws:sns:local:000000000000:ticketbridge-mixpanel",
                    "Subject": null,
                    "Message": event.to_string(),
                    "Timestamp": "2026-03-10T15:05:00.000Z",
                    "SignatureVersion": "1",
                    "MessageAttributes": {}
                }
            })
        })
        .collect();
    json!({ "Records": records })
}

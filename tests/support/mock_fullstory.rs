//! A mock FullStory `POST /v2/events` that behaves like the documented API: it checks the key,
//! the identity rules and the property rules, stores the first result per `Idempotency-Key`
//! (replaying it for the same body, refusing a different body), answers injected faults
//! without storing them, and refuses explicitly targeted full sessions.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The API key the mock accepts.
pub const FULLSTORY_KEY: &str = "na1.e2e-key";

#[derive(Default)]
struct Store {
    /// Every event stored, in order (one per accepted key).
    events: Vec<Value>,
    /// The first result per key: (body, status, answer).
    results: HashMap<String, (Vec<u8>, u16, Value)>,
    faults: VecDeque<u16>,
    full_sessions: HashSet<String>,
    requests: usize,
    keys_seen: Vec<String>,
}

/// The mock.
pub struct MockFullStory {
    server: MockServer,
    store: Arc<Mutex<Store>>,
}

struct Events(Arc<Mutex<Store>>);

fn error(status: u16, code: &str, message: impl Into<String>) -> (u16, Value) {
    (status, json!({"code": code, "message": message.into()}))
}

impl Respond for Events {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut store = self.0.lock().unwrap();
        store.requests += 1;
        let header = |name: &str| {
            request
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        if header("authorization").as_deref() != Some(&format!("Basic {FULLSTORY_KEY}")) {
            let (s, b) = error(401, "unauthorized", "invalid API key");
            return ResponseTemplate::new(s).set_body_json(b);
        }
        if let Some(status) = store.faults.pop_front() {
            let (s, b) = error(status, "injected", "injected fault");
            return ResponseTemplate::new(s)
                .insert_header("retry-after", "1")
                .set_body_json(b);
        }
        let Some(key) = header("idempotency-key") else {
            let (s, b) = error(
                400,
                "invalid_argument",
                "this mock requires Idempotency-Key",
            );
            return ResponseTemplate::new(s).set_body_json(b);
        };
        store.keys_seen.push(key.clone());
        if let Some((body, status, answer)) = store.results.get(&key) {
            if body[..] != request.body[..] {
                let (s, b) = error(
                    400,
                    "invalid_argument",
                    "Idempotency-Key reused with a different body",
                );
                return ResponseTemplate::new(s).set_body_json(b);
            }
            return ResponseTemplate::new(*status).set_body_json(answer.clone());
        }
        let (status, answer) = match serde_json::from_slice::<Value>(&request.body) {
            Err(e) => error(400, "invalid_argument", e.to_string()),
            Ok(event) => match validate(&event, &store.full_sessions) {
                Err((s, b)) => (s, b),
                Ok(()) => {
                    store.events.push(event);
                    (200, json!({}))
                }
            },
        };
        store
            .results
            .insert(key, (request.body.clone(), status, answer.clone()));
        ResponseTemplate::new(status).set_body_json(answer)
    }
}

/// The documented request rules (`shared/reference/fullstory.md` §2, §3, §5).
fn validate(event: &Value, full_sessions: &HashSet<String>) -> Result<(), (u16, Value)> {
    let name = event["name"].as_str().unwrap_or_default();
    if name.is_empty() || name.chars().count() > 250 {
        return Err(error(
            400,
            "required_field",
            "name is required (≤ 250 characters)",
        ));
    }
    if event["session"].get("id").is_some() && event.get("user").is_some() {
        return Err(error(400, "invalid_argument", "session.id excludes user"));
    }
    if event["session"]
        .get("use_most_recent")
        .is_some_and(|flag| flag != &json!(true))
    {
        return Err(error(
            400,
            "invalid_argument",
            "use_most_recent sent as false",
        ));
    }
    let uid = event["user"]["uid"].as_str().unwrap_or_default();
    if uid.is_empty() || uid.chars().count() > 256 {
        return Err(error(
            400,
            "invalid_argument",
            "user.uid must be 1-256 characters",
        ));
    }
    if event.get("session").is_some() && full_sessions.contains(uid) {
        return Err(error(
            400,
            "session_page_limit_exceeded",
            "session has too many pages",
        ));
    }
    if let Some(timestamp) = event.get("timestamp") {
        let text = timestamp.as_str().unwrap_or_default();
        if text.len() < 20 || !text.ends_with('Z') {
            return Err(error(400, "invalid_argument", "timestamp must be ISO-8601"));
        }
    }
    check_properties(&event["properties"], "properties")
}

fn check_properties(value: &Value, at: &str) -> Result<(), (u16, Value)> {
    let Some(object) = value.as_object() else {
        return Err(error(
            400,
            "invalid_argument",
            format!("{at} must be an object"),
        ));
    };
    for (name, value) in object {
        let ok = name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && ![
                "_str", "_int", "_real", "_date", "_bool", "_strs", "_ints", "_reals", "_dates",
                "_bools",
            ]
            .iter()
            .any(|s| name.ends_with(s));
        if !ok {
            return Err(error(
                400,
                "invalid_argument",
                format!("bad property name {at}.{name}"),
            ));
        }
        match value {
            Value::Object(_) => check_properties(value, &format!("{at}.{name}"))?,
            Value::Array(items) if items.iter().any(|i| i.is_object() || i.is_array()) => {
                return Err(error(
                    400,
                    "invalid_argument",
                    format!("{at}.{name}: arrays of objects are not supported"),
                ));
            }
            Value::Null => {
                return Err(error(
                    400,
                    "invalid_argument",
                    format!("{at}.{name} is null"),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

impl MockFullStory {
    /// Starts the mock; every answer takes `latency`.
    pub async fn start_with_latency(latency: Duration) -> Self {
        let server = MockServer::start().await;
        let store = Arc::new(Mutex::new(Store::default()));
        Mock::given(method("POST"))
            .and(path("/v2/events"))
            .respond_with(DelayedEvents(Events(store.clone()), latency))
            .mount(&server)
            .await;
        Self { server, store }
    }

    /// Starts the mock on a loopback port.
    pub async fn start() -> Self {
        Self::start_with_latency(Duration::ZERO).await
    }

    /// Base URL for `FULLSTORY_API_URL`.
    pub fn url(&self) -> String {
        self.server.uri()
    }

    /// Answers the next requests with these statuses (with `Retry-After: 1`), storing nothing.
    pub fn inject_faults(&self, statuses: &[u16]) {
        self.store.lock().unwrap().faults.extend(statuses);
    }

    /// Refuses events targeting this user's session with `session_page_limit_exceeded`.
    pub fn fill_session(&self, uid: &str) {
        self.store
            .lock()
            .unwrap()
            .full_sessions
            .insert(uid.to_owned());
    }

    /// Events FullStory holds: one per accepted key.
    pub fn events(&self) -> Vec<Value> {
        self.store.lock().unwrap().events.clone()
    }

    /// Requests seen, faults and replays included.
    pub fn requests(&self) -> usize {
        self.store.lock().unwrap().requests
    }

    /// Every `Idempotency-Key` received, in order (faults excluded).
    pub fn keys_seen(&self) -> Vec<String> {
        self.store.lock().unwrap().keys_seen.clone()
    }
}

struct DelayedEvents(Events, Duration);

impl Respond for DelayedEvents {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.0.respond(request).set_delay(self.1)
    }
}

//! A mock Zendesk `GET /api/v2/users/show_many.json?ids=…` holding a fixed set of users,
//! counting calls, with injected 429s (`Retry-After: 1`).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The OAuth token the mock accepts.
pub const ZENDESK_TOKEN: &str = "e2e-oauth-token";

#[derive(Default)]
struct Store {
    users: HashMap<u64, Value>,
    faults: VecDeque<u16>,
    calls: Vec<Vec<u64>>,
}

/// The mock.
pub struct MockZendesk {
    server: MockServer,
    store: Arc<Mutex<Store>>,
}

struct ShowMany(Arc<Mutex<Store>>);

impl Respond for ShowMany {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut store = self.0.lock().unwrap();
        if let Some(refusal) = unauthorized(request) {
            return refusal;
        }
        if let Some(status) = store.faults.pop_front() {
            return injected_fault(status);
        }
        let ids: Vec<u64> = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "ids")
            .map(|(_, v)| v.split(',').filter_map(|id| id.parse().ok()).collect())
            .unwrap_or_default();
        if ids.len() > 100 {
            return ResponseTemplate::new(400).set_body_json(json!({"error": "too many ids"}));
        }
        store.calls.push(ids.clone());
        let users: Vec<Value> = ids
            .iter()
            .filter_map(|id| store.users.get(id).cloned())
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({ "users": users }))
    }
}

/// 401 unless the request carries the mock's OAuth token.
pub(crate) fn unauthorized(request: &Request) -> Option<ResponseTemplate> {
    let auth = request
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    (auth != Some(&format!("Bearer {ZENDESK_TOKEN}"))).then(|| {
        ResponseTemplate::new(401).set_body_json(json!({"error": "Couldn't authenticate you"}))
    })
}

/// An injected failure: `status` with `Retry-After: 1`.
pub(crate) fn injected_fault(status: u16) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("retry-after", "1")
        .set_body_json(json!({"error": "injected"}))
}

impl MockZendesk {
    /// Starts the mock with users given as (id, external_id, email).
    pub async fn start(users: &[(u64, Option<&str>, Option<&str>)]) -> Self {
        let server = MockServer::start().await;
        let store = Arc::new(Mutex::new(Store {
            users: users
                .iter()
                .map(|(id, external_id, email)| {
                    (*id, json!({"id": id, "external_id": external_id, "email": email, "active": true}))
                })
                .collect(),
            ..Store::default()
        }));
        Mock::given(method("GET"))
            .and(path("/api/v2/users/show_many.json"))
            .respond_with(ShowMany(store.clone()))
            .mount(&server)
            .await;
        Self { server, store }
    }

    /// Base URL for `ZENDESK_API_URL`.
    pub fn url(&self) -> String {
        self.server.uri()
    }

    /// Answers the next calls with these statuses.
    pub fn inject_faults(&self, statuses: &[u16]) {
        self.store.lock().unwrap().faults.extend(statuses);
    }

    /// The ids asked for, per successful call.
    pub fn calls(&self) -> Vec<Vec<u64>> {
        self.store.lock().unwrap().calls.clone()
    }
}

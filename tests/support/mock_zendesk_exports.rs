//! A mock of Zendesk's incremental exports that behaves like the documented API:
//! - `GET /api/v2/incremental/ticket_events.json?start_time=…`: time-based pages of at most
//!   `page_size` items with `timestamp >= start_time`, `end_time` = the last item's second (so
//!   pages overlap at their boundary, as Zendesk's do), `end_of_stream` on a short page;
//! - `GET /api/v2/incremental/tickets/cursor.json?start_time=…|cursor=…`: cursor pages of
//!   tickets with their `metric_set` when asked with `include=metric_sets`;
//! - `GET /api/v2/incremental/ticket_metric_events.json?start_time=…`: time-based pages of the
//!   metric events set with [`MockZendeskExports::set_metric_events`] whose `time` is at or
//!   after `start_time`, paged like the ticket events;
//! - `GET /api/v2/tickets/show_many.json?ids=…`: the tickets of the cursor export with those ids
//!   (at most 100 ids, as Zendesk allows);
//! - all count against one limit of `limit` requests per rolling `window`: over it, 429 with
//!   `Retry-After` (whole seconds until a slot frees);
//! - injected faults (429 with `Retry-After: 1`, 5xx) answer the next calls.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::mock_zendesk::{injected_fault, unauthorized};

/// The ticket events the mock serves.
pub enum EventSource {
    /// These items, sorted by `timestamp` (tests).
    Fixed(Vec<Value>),
    /// `count` generated items, 10 per second from `start`, built on demand (benchmarks).
    Generated {
        /// Unix seconds of the first item.
        start: i64,
        /// Number of items.
        count: u64,
    },
}

/// Items the generator puts in each second.
const GENERATED_PER_SECOND: u64 = 10;

impl EventSource {
    fn page(&self, start_time: i64, page_size: usize) -> Vec<Value> {
        match self {
            Self::Fixed(items) => items
                .iter()
                .filter(|i| i["timestamp"].as_i64().unwrap_or(0) >= start_time)
                .take(page_size)
                .cloned()
                .collect(),
            Self::Generated { start, count } => {
                let first = (start_time - start).max(0) as u64 * GENERATED_PER_SECOND;
                (first..(*count).min(first + page_size as u64))
                    .map(|i| generated_item(*start, i))
                    .collect()
            }
        }
    }
}

/// Generated item `i`: a status change on ticket `1 + i / 4`, with a public comment every
/// other item (so a page carries the mix of events a real export does).
pub fn generated_item(start: i64, i: u64) -> Value {
    let ts = start + (i / GENERATED_PER_SECOND) as i64;
    let mut children = vec![
        json!({"id": i * 10 + 1, "event_type": "Change", "field_name": "status",
        "value": "open", "previous_value": "new"}),
    ];
    if i.is_multiple_of(2) {
        children.push(
            json!({"id": i * 10 + 2, "event_type": "Comment", "type": "Comment",
            "author_id": 900, "public": true, "body": "Thanks, looking into it.",
            "html_body": "<p>Thanks, looking into it.</p>", "attachments": []}),
        );
    }
    json!({"id": i + 1, "ticket_id": 1 + i / 4, "timestamp": ts, "updater_id": 900,
        "via": {"channel": "web"}, "event_type": "Audit", "child_events": children})
}

struct Store {
    events: EventSource,
    tickets: Vec<Value>,
    page_size: usize,
    limit: Option<(usize, Duration)>,
    recent: VecDeque<Instant>,
    faults: VecDeque<u16>,
    requests: Vec<String>,
    event_pages: Vec<(Instant, usize)>,
    ticket_pages: Vec<(Instant, usize)>,
    throttled: usize,
    /// Ticket metric events, in `time` order.
    metric_events: Vec<Value>,
}

/// Unix seconds of an RFC 3339 `time`.
fn unix_seconds(time: &Value) -> i64 {
    let at: zendesk_events::Timestamp = serde_json::from_value(time.clone()).unwrap();
    at.unix_millis().div_euclid(1000)
}

/// The mock.
pub struct MockZendeskExports {
    server: MockServer,
    store: Arc<Mutex<Store>>,
}

struct Export(Arc<Mutex<Store>>);

impl Respond for Export {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut store = self.0.lock().unwrap();
        if let Some(refusal) = unauthorized(request) {
            return refusal;
        }
        if let Some((limit, window)) = store.limit {
            let now = Instant::now();
            while store
                .recent
                .front()
                .is_some_and(|t| now.duration_since(*t) >= window)
            {
                store.recent.pop_front();
            }
            if store.recent.len() >= limit {
                store.throttled += 1;
                let free = window - now.duration_since(store.recent[0]);
                return ResponseTemplate::new(429)
                    .insert_header(
                        "retry-after",
                        free.as_secs_f64().ceil().to_string().as_str(),
                    )
                    .set_body_json(json!({"error": "APIRateLimitExceeded"}));
            }
            store.recent.push_back(now);
        }
        if let Some(status) = store.faults.pop_front() {
            return injected_fault(status);
        }
        let query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        let param = |k: &str| {
            query
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        store.requests.push(format!(
            "{}?{}",
            request.url.path(),
            request.url.query().unwrap_or("")
        ));
        if request.url.path().ends_with("/tickets/show_many.json") {
            let ids: Vec<u64> = param("ids")
                .unwrap_or_default()
                .split(',')
                .filter_map(|id| id.parse().ok())
                .collect();
            if ids.len() > 100 {
                return ResponseTemplate::new(400)
                    .set_body_json(json!({"error": "at most 100 ids"}));
            }
            let tickets: Vec<Value> = store
                .tickets
                .iter()
                .filter(|t| t["id"].as_u64().is_some_and(|id| ids.contains(&id)))
                .cloned()
                .collect();
            return ResponseTemplate::new(200).set_body_json(json!({"tickets": tickets}));
        }
        if request.url.path().ends_with("/ticket_metric_events.json") {
            let Some(start_time) = param("start_time").and_then(|s| s.parse::<i64>().ok()) else {
                return ResponseTemplate::new(400)
                    .set_body_json(json!({"error": "start_time is required"}));
            };
            let items: Vec<Value> = store
                .metric_events
                .iter()
                .filter(|e| unix_seconds(&e["time"]) >= start_time)
                .take(store.page_size)
                .cloned()
                .collect();
            let end_time = items
                .last()
                .map_or(start_time, |i| unix_seconds(&i["time"]));
            let end_of_stream = items.len() < store.page_size;
            return ResponseTemplate::new(200).set_body_json(json!({
                "ticket_metric_events": items, "count": items.len(), "end_time": end_time,
                "end_of_stream": end_of_stream}));
        }
        if request.url.path().ends_with("/ticket_events.json") {
            let Some(start_time) = param("start_time").and_then(|s| s.parse::<i64>().ok()) else {
                return ResponseTemplate::new(400)
                    .set_body_json(json!({"error": "start_time is required"}));
            };
            let with_comments = param("include").as_deref() == Some("comment_events");
            let mut items = store.events.page(start_time, store.page_size);
            if !with_comments {
                for item in &mut items {
                    if let Some(children) = item["child_events"].as_array_mut() {
                        children.retain(|c| c["event_type"] != "Comment");
                    }
                }
            }
            let end_time = items
                .last()
                .map_or(start_time, |i| i["timestamp"].as_i64().unwrap());
            let end_of_stream = items.len() < store.page_size;
            let next_page = format!(
                "{}/api/v2/incremental/ticket_events.json?start_time={end_time}",
                request.url.origin().ascii_serialization()
            );
            let count = items.len();
            store.event_pages.push((Instant::now(), count));
            return ResponseTemplate::new(200).set_body_json(json!({
                "ticket_events": items, "count": count, "end_time": end_time,
                "next_page": next_page, "end_of_stream": end_of_stream}));
        }
        // Cursor ticket export: the cursor is an opaque token around the next index.
        let from = match (param("cursor"), param("start_time")) {
            (Some(cursor), _) => match cursor
                .strip_prefix("c:")
                .and_then(|n| n.parse::<usize>().ok())
            {
                Some(n) => n,
                None => {
                    return ResponseTemplate::new(400)
                        .set_body_json(json!({"error": "invalid cursor"}));
                }
            },
            (None, Some(t)) => {
                let t: i64 = t.parse().unwrap_or(0);
                store
                    .tickets
                    .iter()
                    .position(|x| x["generated_timestamp"].as_i64().unwrap_or(0) >= t)
                    .unwrap_or(store.tickets.len())
            }
            (None, None) => {
                return ResponseTemplate::new(400)
                    .set_body_json(json!({"error": "start_time or cursor required"}));
            }
        };
        let per_page = param("per_page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1000usize)
            .min(store.page_size);
        let with_metrics =
            param("include").is_some_and(|i| i.split(',').any(|x| x == "metric_sets"));
        let page: Vec<Value> = store
            .tickets
            .iter()
            .skip(from)
            .take(per_page)
            .map(|t| {
                let mut t = t.clone();
                let object = t.as_object_mut().unwrap();
                let metric_set = object.remove("metric_set");
                if with_metrics && let Some(m) = metric_set {
                    object.insert("metric_set".into(), m);
                }
                t
            })
            .collect();
        let next = from + page.len();
        let end_of_stream = next >= store.tickets.len();
        store.ticket_pages.push((Instant::now(), page.len()));
        ResponseTemplate::new(200).set_body_json(json!({
            "tickets": page, "after_cursor": format!("c:{next}"), "before_cursor": format!("c:{from}"),
            "after_url": null, "end_of_stream": end_of_stream}))
    }
}

impl MockZendeskExports {
    /// Starts the mock serving `events` and `tickets` (each with `generated_timestamp` and
    /// optionally `metric_set`), `page_size` items per page, no rate limit.
    pub async fn start(events: EventSource, tickets: Vec<Value>, page_size: usize) -> Self {
        let server = MockServer::start().await;
        let store = Arc::new(Mutex::new(Store {
            events,
            tickets,
            page_size,
            limit: None,
            recent: VecDeque::new(),
            faults: VecDeque::new(),
            requests: Vec::new(),
            event_pages: Vec::new(),
            ticket_pages: Vec::new(),
            throttled: 0,
            metric_events: Vec::new(),
        }));
        for p in [
            "/api/v2/tickets/show_many.json",
            "/api/v2/incremental/ticket_metric_events.json",
            "/api/v2/incremental/ticket_events.json",
            "/api/v2/incremental/tickets/cursor.json",
        ] {
            Mock::given(method("GET"))
                .and(path(p))
                .respond_with(Export(store.clone()))
                .mount(&server)
                .await;
        }
        Self { server, store }
    }

    /// Base URL for `ZENDESK_API_URL`.
    pub fn url(&self) -> String {
        self.server.uri()
    }

    /// Serves these ticket metric events (sorted by `time` here).
    pub fn set_metric_events(&self, mut events: Vec<Value>) {
        events.sort_by_key(|e| unix_seconds(&e["time"]));
        self.store.lock().unwrap().metric_events = events;
    }

    /// Enforces at most `limit` requests per rolling `window` (Zendesk: 10 per minute).
    pub fn enforce_limit(&self, limit: usize, window: Duration) {
        self.store.lock().unwrap().limit = Some((limit, window));
    }

    /// Answers the next calls with these statuses.
    pub fn inject_faults(&self, statuses: &[u16]) {
        self.store.lock().unwrap().faults.extend(statuses);
    }

    /// Paths and queries of the answered calls (not the throttled or faulted ones).
    pub fn requests(&self) -> Vec<String> {
        self.store.lock().unwrap().requests.clone()
    }

    /// When each ticket event page was served, and how many items it held.
    pub fn event_pages(&self) -> Vec<(Instant, usize)> {
        self.store.lock().unwrap().event_pages.clone()
    }

    /// When each ticket export page was served, and how many tickets it held.
    pub fn ticket_pages(&self) -> Vec<(Instant, usize)> {
        self.store.lock().unwrap().ticket_pages.clone()
    }

    /// Requests answered 429 by the enforced limit.
    pub fn throttled(&self) -> usize {
        self.store.lock().unwrap().throttled
    }
}

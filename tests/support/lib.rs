//! End-to-end support: where the built binaries are, mock FullStory and Zendesk APIs, and a
//! mock Mixpanel that stores what it
//! accepts and deduplicates it the way Mixpanel counts (event, distinct_id, time, `$insert_id`).

mod mock_fullstory;
mod mock_zendesk;
mod mock_zendesk_exports;

pub use mock_fullstory::{FULLSTORY_KEY, MockFullStory};
pub use mock_zendesk::{MockZendesk, ZENDESK_TOKEN};
pub use mock_zendesk_exports::{EventSource, MockZendeskExports, generated_item};

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The target directory holding the built binaries (`TICKETBRIDGE_BIN_DIR` overrides).
pub fn bin_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("TICKETBRIDGE_BIN_DIR") {
        return PathBuf::from(dir);
    }
    // target/<profile>/deps/<test-binary> → target/<profile>
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps")
        .to_path_buf()
}

/// Path of a built binary; panics with the command that builds it.
pub fn binary(name: &str) -> PathBuf {
    let path = bin_dir().join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build -p {name}` first (`make test` does)",
        path.display()
    );
    path
}

/// Path of a sample under `events/`.
pub fn sample(rel: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../events")
        .join(rel);
    std::fs::read_to_string(&root).unwrap_or_else(|e| panic!("{}: {e}", root.display()))
}

/// An SNS invocation delivering `message` as `message_id`.
pub fn sns(message: &str, message_id: &str) -> String {
    json!({"Records": [{"EventSource": "aws:sns", "Sns": {"Type": "Notification", "MessageId": message_id, "Message": message}}]}).to_string()
}

/// Invokes the function with `event` in one SNS record as `message_id`, and asserts that the
/// record was delivered.
pub async fn deliver_over_sns(api: &ticketbridge_cli::RuntimeApi, event: &str, message_id: &str) {
    assert_eq!(
        api.invoke(sns(event, message_id), std::time::Duration::from_secs(20))
            .await,
        Some(ticketbridge_cli::Outcome::Response(json!({"records": 1}))),
        "{message_id}"
    );
}

/// An SQS invocation with these (`messageId`, body) records.
pub fn sqs(bodies: &[(&str, String)]) -> String {
    let records: Vec<Value> = bodies
        .iter()
        .map(|(id, body)| json!({"messageId": id, "eventSource": "aws:sqs", "body": body}))
        .collect();
    json!({ "Records": records }).to_string()
}

#[derive(Default)]
struct Store {
    /// Every event received in an accepted request, duplicates included.
    received: Vec<Value>,
    /// Profiles after applying every accepted `$set`.
    profiles: BTreeMap<String, serde_json::Map<String, Value>>,
    /// Every accepted `$set`, per profile, in the order received.
    profile_sets: BTreeMap<String, Vec<serde_json::Map<String, Value>>>,
    /// Group profiles, by (`$group_key`, `$group_id`), after every accepted `$set`.
    groups: BTreeMap<(String, String), serde_json::Map<String, Value>>,
    /// Statuses `/groups` answers with before accepting again (a status of 200 answers
    /// `{"status": 0}`: Mixpanel's refusal of the body).
    groups_faults: VecDeque<u16>,
    /// `/groups` requests seen, faults included.
    groups_requests: usize,
    /// Statuses to answer with before accepting again (fault injection), per endpoint.
    import_faults: VecDeque<u16>,
    /// Accepted `/import` requests to let through before the queued faults apply.
    faults_after: usize,
    requests: usize,
    /// How long every answer takes (a slow Mixpanel).
    latency: std::time::Duration,
}

/// A mock Mixpanel `/import`, `/engage` and `/groups`.
pub struct MockMixpanel {
    server: MockServer,
    store: Arc<Mutex<Store>>,
}

struct Import(Arc<Mutex<Store>>);

impl Respond for Import {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let latency = self.0.lock().unwrap().latency;
        self.answer(request).set_delay(latency)
    }
}

impl Import {
    fn answer(&self, request: &Request) -> ResponseTemplate {
        let mut store = self.0.lock().unwrap();
        store.requests += 1;
        let fault = match store.faults_after {
            0 => store.import_faults.pop_front(),
            _ => None,
        };
        if let Some(status) = fault {
            return ResponseTemplate::new(status)
                .set_body_json(json!({"code": status, "error": "injected fault"}));
        }
        let mut text = String::new();
        if flate2::read::GzDecoder::new(&request.body[..])
            .read_to_string(&mut text)
            .is_err()
        {
            return ResponseTemplate::new(400)
                .set_body_json(json!({"code": 400, "error": "body is not gzip"}));
        }
        let events: Vec<Value> = match serde_json::from_str(&text) {
            Ok(e) => e,
            Err(e) => {
                return ResponseTemplate::new(400)
                    .set_body_json(json!({"code": 400, "error": e.to_string()}));
            }
        };
        let n = events.len();
        store.received.extend(events);
        store.faults_after = store.faults_after.saturating_sub(1);
        ResponseTemplate::new(200)
            .set_body_json(json!({"code": 200, "num_records_imported": n, "status": "OK"}))
    }
}

struct Engage(Arc<Mutex<Store>>);

impl Respond for Engage {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let latency = self.0.lock().unwrap().latency;
        self.answer(request).set_delay(latency)
    }
}

impl Engage {
    fn answer(&self, request: &Request) -> ResponseTemplate {
        let updates: Vec<Value> = match serde_json::from_slice(&request.body) {
            Ok(u) => u,
            Err(e) => {
                return ResponseTemplate::new(200)
                    .set_body_json(json!({"status": 0, "error": e.to_string()}));
            }
        };
        let mut store = self.0.lock().unwrap();
        for update in updates {
            let id = update["$distinct_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            if let Some(set) = update["$set"].as_object() {
                store
                    .profile_sets
                    .entry(id.clone())
                    .or_default()
                    .push(set.clone());
                store.profiles.entry(id).or_default().extend(set.clone());
            }
        }
        ResponseTemplate::new(200).set_body_json(json!({"status": 1, "error": null}))
    }
}

struct Groups(Arc<Mutex<Store>>);

impl Respond for Groups {
    /// Mixpanel's documented `/groups` shape: a JSON array of objects, each with string
    /// `$token`, `$group_key` and `$group_id` and exactly one operation. Like `/engage` with
    /// `verbose=1`, a bad body is answered 200 with `{"status": 0, "error": …}`.
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let refuse = |error: String| {
            ResponseTemplate::new(200).set_body_json(json!({"status": 0, "error": error}))
        };
        {
            let mut store = self.0.lock().unwrap();
            store.groups_requests += 1;
            match store.groups_faults.pop_front() {
                Some(200) => return refuse("injected refusal".into()),
                Some(status) => {
                    return ResponseTemplate::new(status)
                        .set_body_json(json!({"error": "injected fault", "status": 0}));
                }
                None => {}
            }
        }
        let updates: Vec<serde_json::Map<String, Value>> =
            match serde_json::from_slice(&request.body) {
                Ok(u) => u,
                Err(e) => return refuse(e.to_string()),
            };
        const OPERATIONS: [&str; 6] = [
            "$set",
            "$set_once",
            "$unset",
            "$remove",
            "$union",
            "$delete",
        ];
        for update in &updates {
            for key in ["$token", "$group_key", "$group_id"] {
                if !update.get(key).is_some_and(Value::is_string) {
                    return refuse(format!("{key} must be a string"));
                }
            }
            let operations = update
                .keys()
                .filter(|k| OPERATIONS.contains(&k.as_str()))
                .count();
            let unknown: Vec<_> = update
                .keys()
                .filter(|k| !OPERATIONS.contains(&k.as_str()))
                .filter(|k| !["$token", "$group_key", "$group_id"].contains(&k.as_str()))
                .collect();
            if operations != 1 || !unknown.is_empty() {
                return refuse(format!(
                    "exactly one operation expected, got {:?}",
                    update.keys().collect::<Vec<_>>()
                ));
            }
        }
        let mut store = self.0.lock().unwrap();
        for update in updates {
            let group = (
                update["$group_key"].as_str().unwrap().to_owned(),
                update["$group_id"].as_str().unwrap().to_owned(),
            );
            if let Some(set) = update.get("$set").and_then(Value::as_object) {
                store.groups.entry(group).or_default().extend(set.clone());
            }
        }
        ResponseTemplate::new(200).set_body_json(json!({"status": 1, "error": null}))
    }
}

impl MockMixpanel {
    /// Starts the mock on a loopback port.
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let store = Arc::new(Mutex::new(Store::default()));
        Mock::given(method("POST"))
            .and(path("/import"))
            .respond_with(Import(store.clone()))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/engage"))
            .respond_with(Engage(store.clone()))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/groups"))
            .respond_with(Groups(store.clone()))
            .mount(&server)
            .await;
        Self { server, store }
    }

    /// Starts a mock that takes `latency` to answer every request.
    pub async fn start_with_latency(latency: std::time::Duration) -> Self {
        let mock = Self::start().await;
        mock.store.lock().unwrap().latency = latency;
        mock
    }

    /// Base URL for `MIXPANEL_API_URL`.
    pub fn url(&self) -> String {
        self.server.uri()
    }

    /// Answers the next `/import` requests with these statuses.
    pub fn inject_import_faults(&self, statuses: &[u16]) {
        self.store.lock().unwrap().import_faults.extend(statuses);
    }

    /// Like [`MockMixpanel::inject_import_faults`], once `accepted` more `/import` requests
    /// were accepted.
    pub fn inject_import_faults_after(&self, accepted: usize, statuses: &[u16]) {
        let mut store = self.store.lock().unwrap();
        store.faults_after = accepted;
        store.import_faults.extend(statuses);
    }

    /// Drops the statuses still queued by [`MockMixpanel::inject_import_faults`].
    pub fn clear_import_faults(&self) {
        self.store.lock().unwrap().import_faults.clear();
    }

    /// Every accepted event, duplicates included.
    pub fn received(&self) -> Vec<Value> {
        self.store.lock().unwrap().received.clone()
    }

    /// `/import` requests seen, faults included.
    pub fn import_requests(&self) -> usize {
        self.store.lock().unwrap().requests
    }

    /// What Mixpanel holds after dedup: one event per (event, distinct_id, time, `$insert_id`).
    pub fn deduplicated(&self) -> Vec<Value> {
        let mut seen = HashSet::new();
        self.received()
            .into_iter()
            .filter(|e| {
                let p = &e["properties"];
                seen.insert((
                    e["event"].to_string(),
                    p["distinct_id"].to_string(),
                    p["time"].to_string(),
                    p["$insert_id"].to_string(),
                ))
            })
            .collect()
    }

    /// The settings of a `mixpanel-sink` sending here, plus `extra`.
    pub fn sink_env(&self, extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut env = vec![
            ("MIXPANEL_API_URL".to_owned(), self.url()),
            ("MIXPANEL_PROJECT_TOKEN".to_owned(), "e2e-token".to_owned()),
        ];
        env.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        env
    }

    /// Makes `/groups` answer with these statuses first (200: a `{"status": 0}` refusal).
    pub fn inject_groups_faults(&self, statuses: &[u16]) {
        self.store.lock().unwrap().groups_faults.extend(statuses);
    }

    /// `/groups` requests seen, faults included.
    pub fn groups_requests(&self) -> usize {
        self.store.lock().unwrap().groups_requests
    }

    /// A group profile's properties.
    pub fn group(&self, key: &str, id: &str) -> Option<serde_json::Map<String, Value>> {
        self.store
            .lock()
            .unwrap()
            .groups
            .get(&(key.to_owned(), id.to_owned()))
            .cloned()
    }

    /// Every `$set` a profile received, in order.
    pub fn profile_sets(&self, distinct_id: &str) -> Vec<serde_json::Map<String, Value>> {
        self.store
            .lock()
            .unwrap()
            .profile_sets
            .get(distinct_id)
            .cloned()
            .unwrap_or_default()
    }

    /// A profile's properties.
    pub fn profile(&self, distinct_id: &str) -> Option<serde_json::Map<String, Value>> {
        self.store
            .lock()
            .unwrap()
            .profiles
            .get(distinct_id)
            .cloned()
    }
}

/// A moto server (`moto_server`) on a free loopback port, stopped when dropped.
pub struct Moto {
    /// Its base URL, for `AWS_ENDPOINT_URL_*` and SDK clients.
    pub endpoint: String,
    _child: tokio::process::Child,
}

impl Moto {
    /// Starts moto and waits until it listens.
    pub async fn start() -> Self {
        let binary = moto_server();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = tokio::process::Command::new(&binary)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let started = std::time::Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(60),
                "moto_server did not listen on port {port} within 60 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        Self {
            endpoint: format!("http://127.0.0.1:{port}"),
            _child: child,
        }
    }
}

impl Moto {
    /// Every record of `table`'s stream so far, shard by shard in stream order, as Lambda's
    /// DynamoDB event source mapping delivers them (GetRecords' records plus
    /// `eventSourceARN`). Read over moto's HTTP API: there is no streams SDK among our crates.
    pub async fn stream_records(&self, table: &str) -> Vec<Value> {
        let call = async |target: &str, body: Value| -> Value {
            let answer = reqwest::Client::new()
                .post(&self.endpoint)
                .header("x-amz-target", target)
                .header("content-type", "application/x-amz-json-1.0")
                .header(
                    "authorization",
                    "AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
                )
                .body(body.to_string())
                .send()
                .await
                .unwrap();
            let status = answer.status();
            let body = answer.bytes().await.unwrap();
            assert!(
                status.is_success(),
                "{target}: {status} {}",
                String::from_utf8_lossy(&body)
            );
            serde_json::from_slice(&body).unwrap()
        };
        let table = call(
            "DynamoDB_20120810.DescribeTable",
            json!({"TableName": table}),
        )
        .await;
        let arn = table["Table"]["LatestStreamArn"]
            .as_str()
            .expect("the table has a stream")
            .to_owned();
        let stream = call(
            "DynamoDBStreams_20120810.DescribeStream",
            json!({"StreamArn": arn}),
        )
        .await;
        let mut records = Vec::new();
        for shard in stream["StreamDescription"]["Shards"].as_array().unwrap() {
            let mut iterator = call(
                "DynamoDBStreams_20120810.GetShardIterator",
                json!({"StreamArn": arn, "ShardId": shard["ShardId"], "ShardIteratorType": "TRIM_HORIZON"}),
            )
            .await["ShardIterator"]
                .clone();
            while iterator.is_string() {
                let page = call(
                    "DynamoDBStreams_20120810.GetRecords",
                    json!({"ShardIterator": iterator}),
                )
                .await;
                let got = page["Records"].as_array().cloned().unwrap_or_default();
                if got.is_empty() {
                    break;
                }
                records.extend(got.into_iter().map(|mut r| {
                    r["eventSourceARN"] = json!(arn);
                    r
                }));
                iterator = page["NextShardIterator"].clone();
            }
        }
        records
    }
}

/// Init times of `binary` over `runs` cold starts: process start → its first request for work
/// from a fresh Runtime API emulator, sorted.
pub async fn cold_starts(
    binary: &std::path::Path,
    env: &[(String, String)],
    runs: usize,
) -> Vec<std::time::Duration> {
    use std::time::{Duration, Instant};
    let mut inits = Vec::with_capacity(runs);
    for _ in 0..runs {
        let api = ticketbridge_cli::RuntimeApi::start()
            .await
            .expect("emulator");
        let started = Instant::now();
        let process = ticketbridge_cli::FunctionProcess::spawn(binary, &api, env).expect("spawn");
        while api.first_poll().is_none() {
            tokio::time::sleep(Duration::from_micros(200)).await;
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no first poll: {:?}",
                process.take_stderr()
            );
        }
        inits.push(api.first_poll().expect("polled") - started);
        process.stop().await;
    }
    inits.sort();
    inits
}

/// A memory figure of a live process from `/proc/<pid>/status` (`VmRSS`: resident now, `VmHWM`:
/// peak resident), in KiB.
pub fn memory_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Sorted init times as "N cold starts: median …, p90 …, max …" in milliseconds.
pub fn describe_cold_starts(inits: &[std::time::Duration]) -> String {
    let ms = |i: usize| inits[i].as_secs_f64() * 1000.0;
    let n = inits.len();
    format!(
        "{n} cold starts: median {:.1} ms, p90 {:.1} ms, max {:.1} ms",
        ms(n / 2),
        ms(n * 9 / 10),
        ms(n - 1)
    )
}

/// The `moto_server` that `make moto` installs into `.venv` (or the one `MOTO_SERVER` names);
/// its venv also has botocore. Panics, saying how to install it, when it is missing.
pub fn moto_server() -> PathBuf {
    venv_tool("moto_server", "MOTO_SERVER", "make moto")
}

/// The `cargo-lambda` that `make tools` installs into `.venv` (or the one `CARGO_LAMBDA` names).
/// Panics, saying how to install it, when it is missing.
pub fn cargo_lambda() -> PathBuf {
    venv_tool("cargo-lambda", "CARGO_LAMBDA", "make tools")
}

/// A tool the Makefile installs from PyPI into `.venv`, or the one `variable` names.
fn venv_tool(name: &str, variable: &str, installed_by: &str) -> PathBuf {
    let binary = std::env::var_os(variable)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../.venv/bin")
                .join(name)
        });
    assert!(
        binary.exists(),
        "{} not found: `{installed_by}` installs it from PyPI into .venv (make test does it), or set {variable}",
        binary.display()
    );
    binary
}

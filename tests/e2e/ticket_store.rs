//! The real `ticket-store` binary under the Runtime API emulator, writing to moto's DynamoDB:
//! a shuffled stream of events for the same tickets, delivered twice, ends with each item at
//! its ticket's newest state; an older event is skipped, not failed; and, against a DynamoDB
//! that throttles (a local stand-in answering as DynamoDB does), writes are retried. The
//! table's stream, read from moto and delivered as Lambda delivers it, drives the real
//! `mixpanel-sink` (`MIXPANEL_PROFILES=store`) to profiles at the newest state.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
    KeyType, Projection, ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
};
use serde_json::{Value, json};
use ticketbridge_cli::{FunctionProcess, LocalTable, Outcome, RuntimeApi};
use ticketbridge_e2e::{
    EventSource, MockMixpanel, MockZendeskExports, Moto, ZENDESK_TOKEN, binary, sample, sqs,
};
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TIMEOUT: Duration = Duration::from_secs(30);
const TABLE: &str = "tickets";

fn env(endpoint: &str) -> Vec<(String, String)> {
    [
        ("TICKET_TABLE", TABLE),
        ("AWS_ENDPOINT_URL_DYNAMODB", endpoint),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("RETRY_INITIAL_BACKOFF_MS", "20"),
        ("RETRY_MAX_BACKOFF_MS", "100"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn key(name: &str, kind: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .unwrap()
}

fn attribute(name: &str, kind: ScalarAttributeType) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(kind)
        .build()
        .unwrap()
}

/// The table as the CDK app defines it (`infra/lib/store.ts`): key, indexes and stream.
async fn create_table(moto: &Moto) -> aws_sdk_dynamodb::Client {
    let sdk = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("eu-west-1"))
        .endpoint_url(&moto.endpoint)
        .credentials_provider(aws_sdk_dynamodb::config::SharedCredentialsProvider::new(
            aws_sdk_dynamodb::config::Credentials::for_tests(),
        ))
        .build();
    let client = aws_sdk_dynamodb::Client::new(&sdk);
    let mut create = client
        .create_table()
        .table_name(TABLE)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key("ticket_id", KeyType::Hash))
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewImage)
                .build()
                .unwrap(),
        )
        .attribute_definitions(attribute("ticket_id", ScalarAttributeType::N))
        .attribute_definitions(attribute("updated_at", ScalarAttributeType::S));
    for (index, partition, kind) in [
        ("by_status", "status", ScalarAttributeType::S),
        ("by_requester", "requester_id", ScalarAttributeType::N),
        ("by_organization", "organization_id", ScalarAttributeType::N),
    ] {
        create = create
            .attribute_definitions(attribute(partition, kind))
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(index)
                    .key_schema(key(partition, KeyType::Hash))
                    .key_schema(key("updated_at", KeyType::Range))
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .build()
                    .unwrap(),
            );
    }
    create.send().await.expect("moto creates the table");
    client
}

/// A status change of `ticket` to `status` at second `at` of the sample's minute, with an
/// identity of its own.
fn status_change(ticket: u64, status: &str, at: u32) -> Value {
    let mut event: Value = serde_json::from_str(&sample("connector/status-changed.json")).unwrap();
    let te = &mut event["detail"]["ticket_event"];
    te["meta"]["occurred_at"] = json!(format!("2025-03-10T15:{at:02}:11.204331907Z"));
    te["meta"]["sequence"]["id"] = json!(format!("{ticket:016X}{at:016X}"));
    te["current"] = json!(status);
    te["ticket"]["id"] = json!(ticket);
    te["ticket"]["status"] = json!(status);
    te["ticket"]["updated_at"] = json!(format!("2025-03-10T15:{at:02}:11Z"));
    event
}

/// A deterministic shuffle (no rand dependency for one test).
fn shuffled<T: Clone>(items: &[T], seed: u64) -> Vec<T> {
    let mut out = items.to_vec();
    let mut state = seed;
    for i in (1..out.len()).rev() {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        out.swap(i, (state >> 33) as usize % (i + 1));
    }
    out
}

/// Five tickets, six status changes each at increasing times, and a spam mark on ticket 3
/// older than all of them; with each ticket's newest status and its second.
fn history() -> (Vec<Value>, BTreeMap<u64, (&'static str, u32)>) {
    let statuses = ["open", "pending", "hold", "open", "pending", "solved"];
    let mut events = Vec::new();
    let mut newest = BTreeMap::new();
    for ticket in 1..=5u64 {
        for (n, status) in statuses.iter().enumerate() {
            let at = (n as u32) * 3 + ticket as u32;
            events.push(status_change(ticket, status, at));
            newest.insert(ticket, (*status, at));
        }
    }
    let mut spam: Value =
        serde_json::from_str(&sample("connector/ticket-marked-as-spam.json")).unwrap();
    spam["detail"]["ticket_event"]["ticket"]["id"] = json!(3);
    spam["detail"]["ticket_event"]["meta"]["occurred_at"] = json!("2025-03-10T15:00:30.000000000Z");
    events.push(spam);
    (events, newest)
}

async fn deliver(api: &RuntimeApi, events: &[Value]) {
    for chunk in events.chunks(10) {
        let records: Vec<(String, String)> = chunk
            .iter()
            .enumerate()
            .map(|(n, e)| (format!("m{n}"), e.to_string()))
            .collect();
        let records: Vec<(&str, String)> = records
            .iter()
            .map(|(id, body)| (id.as_str(), body.clone()))
            .collect();
        assert_eq!(
            api.invoke(sqs(&records), TIMEOUT).await,
            Some(Outcome::Response(json!({"batchItemFailures": []})))
        );
    }
}

async fn item(client: &aws_sdk_dynamodb::Client, ticket: u64) -> BTreeMap<String, AttributeValue> {
    client
        .get_item()
        .table_name(TABLE)
        .key("ticket_id", AttributeValue::N(ticket.to_string()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .unwrap_or_default()
        .into_iter()
        .collect()
}

fn s(item: &BTreeMap<String, AttributeValue>, key: &str) -> String {
    match item.get(key) {
        Some(AttributeValue::S(text)) => text.clone(),
        other => panic!("{key}: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shuffled_stream_delivered_twice_ends_with_each_item_at_its_newest_state() {
    let moto = Moto::start().await;
    let client = create_table(&moto).await;
    let api = RuntimeApi::start().await.unwrap();
    let process =
        FunctionProcess::spawn(&binary("ticket-store"), &api, &env(&moto.endpoint)).unwrap();

    let (events, newest) = history();
    deliver(&api, &shuffled(&events, 7)).await;
    deliver(&api, &shuffled(&events, 11)).await;
    let stderr = process.stderr_up_to_now().await.join("\n");
    process.stop().await;

    for (ticket, (status, at)) in &newest {
        let item = item(&client, *ticket).await;
        assert_eq!(s(&item, "status"), *status, "ticket {ticket}: {item:?}");
        assert_eq!(
            s(&item, "last_event_at"),
            format!("2025-03-10T15:{at:02}:11.204331907Z"),
            "ticket {ticket}"
        );
        assert!(s(&item, "version").starts_with(&format!("{:020}", {
            let t: zendesk_events::Timestamp =
                serde_json::from_value(json!(format!("2025-03-10T15:{at:02}:11.204331907Z")))
                    .unwrap();
            t.unix_nanos()
        })));
    }
    let marked = item(&client, 3).await;
    assert_eq!(
        marked.get("spam"),
        Some(&AttributeValue::Bool(true)),
        "{marked:?}"
    );
    assert_eq!(
        s(&marked, "status"),
        "solved",
        "the older spam event did not roll back the state"
    );
    // Older events were skipped, and counted, not failed.
    assert!(stderr.contains("\"OlderSkipped\""), "{stderr}");
    assert!(stderr.contains("\"records_failed\":0"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_driven_profiles_end_at_the_newest_state_and_never_go_backwards() {
    let moto = Moto::start().await;
    create_table(&moto).await;
    let api = RuntimeApi::start().await.unwrap();
    let store =
        FunctionProcess::spawn(&binary("ticket-store"), &api, &env(&moto.endpoint)).unwrap();
    let (events, newest) = history();
    deliver(&api, &shuffled(&events, 7)).await;
    deliver(&api, &shuffled(&events, 11)).await;
    store.stop().await;

    let records = moto.stream_records(TABLE).await;
    assert!(records.len() > newest.len(), "{} changes", records.len());
    let mixpanel = MockMixpanel::start().await;
    let sink_api = RuntimeApi::start().await.unwrap();
    let sink = FunctionProcess::spawn(
        &binary("mixpanel-sink"),
        &sink_api,
        &mixpanel.sink_env(&[("MIXPANEL_PROFILES", "store")]),
    )
    .unwrap();
    // Batches of ten: a ticket's changes share a batch (coalesced to the newest) and span
    // several (received in stream order).
    for batch in records.chunks(10) {
        assert_eq!(
            sink_api
                .invoke(json!({ "Records": batch }).to_string(), TIMEOUT)
                .await,
            Some(Outcome::Response(json!({"batchItemFailures": []})))
        );
    }
    sink.stop().await;

    let mut sets = 0;
    for (ticket, (status, at)) in &newest {
        let id = ticket.to_string();
        let profile = mixpanel.profile(&id).expect("a profile per ticket");
        assert_eq!(profile["status"], *status, "ticket {ticket}: {profile:?}");
        assert_eq!(
            profile["last_event_at"],
            format!("2025-03-10T15:{at:02}:11"),
            "ticket {ticket}"
        );
        let times: Vec<String> = mixpanel
            .profile_sets(&id)
            .iter()
            .map(|set| set["last_event_at"].as_str().unwrap().to_owned())
            .collect();
        assert!(
            times.windows(2).all(|pair| pair[0] <= pair[1]),
            "ticket {ticket}'s profile went backwards: {times:?}"
        );
        sets += times.len();
    }
    assert!(sets > newest.len(), "profiles received several states");
    assert_eq!(mixpanel.profile("3").unwrap()["spam"], true);
    assert!(mixpanel.received().is_empty(), "the stream sends no events");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_event_after_a_newer_one_is_skipped_not_failed() {
    let moto = Moto::start().await;
    let client = create_table(&moto).await;
    let api = RuntimeApi::start().await.unwrap();
    let process =
        FunctionProcess::spawn(&binary("ticket-store"), &api, &env(&moto.endpoint)).unwrap();
    deliver(&api, &[status_change(9, "solved", 40)]).await;
    deliver(&api, &[status_change(9, "open", 10)]).await;
    let stderr = process.stderr_up_to_now().await.join("\n");
    process.stop().await;
    assert_eq!(s(&item(&client, 9).await, "status"), "solved");
    assert!(stderr.contains("\"OlderSkipped\":1"), "{stderr}");
}

/// A DynamoDB that answers the first write 503, throttles the next ones up to `throttled`, then
/// accepts them.
struct Throttling {
    throttled: usize,
    seen: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Respond for Throttling {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if n == 0 {
            // A 5xx whose code is none of the throttling ones is retried too.
            return ResponseTemplate::new(503)
                .insert_header("content-type", "application/x-amz-json-1.0")
                .set_body_json(json!({
                    "__type": "com.amazon.coral.availability#UnavailableException",
                    "message": "Service unavailable"
                }));
        }
        if n < self.throttled {
            ResponseTemplate::new(400)
                .insert_header("content-type", "application/x-amz-json-1.0")
                .set_body_json(json!({
                    "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                    "message": "The level of configured provisioned throughput for the table was exceeded."
                }))
        } else {
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/x-amz-json-1.0")
                .set_body_json(json!({}))
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_writes_are_retried_within_the_deadline() {
    let dynamodb = MockServer::start().await;
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    Mock::given(method("POST"))
        .and(header("x-amz-target", "DynamoDB_20120810.UpdateItem"))
        .respond_with(Throttling {
            throttled: 3,
            seen: seen.clone(),
        })
        .mount(&dynamodb)
        .await;
    let api = RuntimeApi::start().await.unwrap();
    let process =
        FunctionProcess::spawn(&binary("ticket-store"), &api, &env(&dynamodb.uri())).unwrap();
    deliver(&api, &[status_change(4, "open", 1)]).await;
    process.stop().await;
    assert_eq!(
        seen.load(std::sync::atomic::Ordering::SeqCst),
        4,
        "a 503, two throttled, then accepted"
    );
}

/// `ticketbridge tickets …` against the table, as an application would read it.
fn tickets_cli(endpoint: &str, args: &[&str]) -> Vec<Value> {
    let output = std::process::Command::new(binary("ticketbridge"))
        .arg("tickets")
        .args(args)
        .args(["--table", TABLE])
        .envs(env(endpoint))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tickets_get_and_list_read_the_store_by_id_status_and_requester() {
    let moto = Moto::start().await;
    create_table(&moto).await;
    let api = RuntimeApi::start().await.unwrap();
    let process =
        FunctionProcess::spawn(&binary("ticket-store"), &api, &env(&moto.endpoint)).unwrap();
    deliver(
        &api,
        &[
            status_change(21, "solved", 5),
            status_change(22, "open", 6),
            status_change(23, "solved", 7),
        ],
    )
    .await;
    process.stop().await;

    let one = tickets_cli(&moto.endpoint, &["get", "22"]);
    assert_eq!(one.len(), 1);
    assert_eq!(one[0]["ticket_id"], 22);
    assert_eq!(one[0]["status"], "open");

    let solved = tickets_cli(&moto.endpoint, &["list", "--status", "solved"]);
    let ids: Vec<&Value> = solved.iter().map(|t| &t["ticket_id"]).collect();
    assert_eq!(ids, [23, 21], "newest update first");
    let recent = tickets_cli(
        &moto.endpoint,
        &[
            "list",
            "--status",
            "solved",
            "--updated-since",
            "2025-03-10T15:06:00Z",
        ],
    );
    let ids: Vec<&Value> = recent.iter().map(|t| &t["ticket_id"]).collect();
    assert_eq!(ids, [23], "only tickets updated since then");

    let requester = solved[0]["requester_id"].as_u64().unwrap().to_string();
    let mine = tickets_cli(&moto.endpoint, &["list", "--requester", &requester]);
    assert_eq!(mine.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demos_local_table_ends_where_dynamodb_does() {
    // The same shuffled events, twice, into moto's DynamoDB and into the demo's stand-in.
    let mut events = Vec::new();
    for ticket in 31..=33u64 {
        for (n, status) in ["open", "pending", "solved", "open"].iter().enumerate() {
            events.push(status_change(
                ticket,
                status,
                n as u32 * 2 + ticket as u32 - 30,
            ));
        }
    }
    let mut spam: Value =
        serde_json::from_str(&sample("connector/ticket-marked-as-spam.json")).unwrap();
    spam["detail"]["ticket_event"]["ticket"]["id"] = json!(32);
    events.push(spam);
    let stream: Vec<Value> = [shuffled(&events, 3), shuffled(&events, 5)].concat();

    let moto = Moto::start().await;
    let client = create_table(&moto).await;
    let local = LocalTable::start().await.unwrap();
    for endpoint in [moto.endpoint.clone(), local.url()] {
        let api = RuntimeApi::start().await.unwrap();
        let process =
            FunctionProcess::spawn(&binary("ticket-store"), &api, &env(&endpoint)).unwrap();
        deliver(&api, &stream).await;
        process.stop().await;
    }
    let mut in_dynamodb = Vec::new();
    for ticket in 31..=33u64 {
        let item = ticket_store::read::get(&client, TABLE, ticket)
            .await
            .unwrap();
        in_dynamodb.push(item.expect("moto holds the ticket"));
    }
    assert_eq!(local.items(), in_dynamodb);
}

/// Ticket `id` as Zendesk's cursor ticket export holds it, last updated at 15:30 (between the
/// live events' seconds 10 and 50), with a subject and a custom field value that must not be
/// stored by default.
fn exported_ticket(id: u64, generated: i64) -> Value {
    json!({
        "id": id, "status": "open", "priority": "high", "type": "incident",
        "requester_id": 900000000101u64, "submitter_id": 900000000101u64,
        "assignee_id": 900000000202u64, "group_id": 360000000555u64,
        "organization_id": 360000000777u64, "brand_id": 360000000111u64,
        "ticket_form_id": 360000000333u64, "tags": ["billing"], "via": {"channel": "email"},
        "created_at": "2025-03-01T09:00:00Z", "updated_at": "2025-03-10T15:30:00Z",
        "subject": "Call me on +44 20 7946 0958",
        "description": "My card was charged twice",
        "custom_fields": [{"id": 360000009999u64, "value": "ada.lovelace@example.com"}],
        "generated_timestamp": generated,
    })
}

fn backfill_env(zendesk: &MockZendeskExports, dynamodb: &str) -> Vec<(String, String)> {
    let mut env = env(dynamodb);
    env.extend(
        [
            ("ZENDESK_API_URL", zendesk.url()),
            ("ZENDESK_OAUTH_TOKEN", ZENDESK_TOKEN.to_owned()),
            ("ZENDESK_EXPORT_REQUESTS_PER_MINUTE", "600".to_owned()),
        ]
        .map(|(k, v)| (k.to_owned(), v)),
    );
    env
}

fn backfill_to_store(
    env: &[(String, String)],
    checkpoint: &std::path::Path,
) -> std::process::Output {
    std::process::Command::new(binary("ticketbridge"))
        .args([
            "backfill",
            "--to",
            "store",
            "--since",
            "1741600000",
            "--json",
        ])
        .arg("--checkpoint")
        .arg(checkpoint)
        .envs(env.iter().cloned())
        .output()
        .unwrap()
}

fn checkpoint_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ticketbridge-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_to_store_fills_the_table_from_the_ticket_export_without_rolling_back_newer_events()
 {
    let moto = Moto::start().await;
    let client = create_table(&moto).await;
    // Live events first: ticket 2 solved after the export's state, ticket 3 put on hold before.
    let api = RuntimeApi::start().await.unwrap();
    let store =
        FunctionProcess::spawn(&binary("ticket-store"), &api, &env(&moto.endpoint)).unwrap();
    deliver(
        &api,
        &[status_change(2, "solved", 50), status_change(3, "hold", 10)],
    )
    .await;
    store.stop().await;

    let tickets: Vec<Value> = (1..=5)
        .map(|id| exported_ticket(id, 1741600000 + id as i64))
        .collect();
    let zendesk = MockZendeskExports::start(EventSource::Fixed(Vec::new()), tickets, 2).await;
    let checkpoint = checkpoint_path("fill.json");
    let output = backfill_to_store(&backfill_env(&zendesk, &moto.endpoint), &checkpoint);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(summary["backfill"], "complete");
    assert_eq!(summary["summary"]["tickets_read"], 5);
    assert_eq!(summary["summary"]["pages"], 3, "pages of two, by cursor");
    assert_eq!(
        summary["summary"]["older_skipped"], 1,
        "ticket 2's newer event stays"
    );

    for id in [1, 3, 4, 5] {
        let item = item(&client, id).await;
        assert_eq!(s(&item, "status"), "open", "ticket {id}: {item:?}");
        assert_eq!(s(&item, "channel"), "email");
        assert!(s(&item, "version").ends_with("#zendesk-export"));
    }
    assert_eq!(s(&item(&client, 2).await, "status"), "solved");
    let everything = format!(
        "{:?}",
        client.scan().table_name(TABLE).send().await.unwrap().items
    );
    for private in [
        "+44 20 7946 0958",
        "charged twice",
        "ada.lovelace",
        "custom_field",
    ] {
        assert!(!everything.contains(private), "{private} was stored");
    }
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(&checkpoint).unwrap()).unwrap();
    assert_eq!(saved["complete"], true);
    assert_eq!(saved["tickets_written"], 5);

    // A re-run with the same checkpoint has nothing to do.
    let again = backfill_to_store(&backfill_env(&zendesk, &moto.endpoint), &checkpoint);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("nothing to do"));
}

/// A DynamoDB that accepts `accept` writes, then refuses every other one as AccessDenied (the
/// function's role lost its permission), and notes the ticket of each write it accepted.
struct RefusingAfter {
    accept: usize,
    accepted: std::sync::Arc<std::sync::Mutex<Vec<u64>>>,
}

impl Respond for RefusingAfter {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut accepted = self.accepted.lock().unwrap();
        if accepted.len() >= self.accept {
            return ResponseTemplate::new(400)
                .insert_header("content-type", "application/x-amz-json-1.0")
                .set_body_json(json!({
                    "__type": "com.amazon.coral.service#AccessDeniedException",
                    "message": "not authorized to perform: dynamodb:UpdateItem"
                }));
        }
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        accepted.push(
            body["Key"]["ticket_id"]["N"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap(),
        );
        ResponseTemplate::new(200)
            .insert_header("content-type", "application/x-amz-json-1.0")
            .set_body_json(json!({}))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_backfill_to_store_resumes_after_the_last_page_written() {
    let tickets: Vec<Value> = (1..=5)
        .map(|id| exported_ticket(id, 1741600000 + id as i64))
        .collect();
    let zendesk = MockZendeskExports::start(EventSource::Fixed(Vec::new()), tickets, 2).await;
    let dynamodb = MockServer::start().await;
    let accepted = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    Mock::given(method("POST"))
        .respond_with(RefusingAfter {
            accept: 3,
            accepted: accepted.clone(),
        })
        .mount(&dynamodb)
        .await;
    let checkpoint = checkpoint_path("resume.json");
    let env = backfill_env(&zendesk, &dynamodb.uri());

    let stopped = backfill_to_store(&env, &checkpoint);
    assert!(!stopped.status.success());
    let stderr = String::from_utf8_lossy(&stopped.stderr);
    assert!(
        stderr.contains("of page 2") && stderr.contains("AccessDenied"),
        "{stderr}"
    );
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(&checkpoint).unwrap()).unwrap();
    assert_eq!(
        saved["cursor"], "c:2",
        "after page 1, the last page written in full"
    );
    assert_eq!(saved["complete"], false);

    // The permission is back: the re-run asks for the saved cursor and writes the rest.
    dynamodb.reset().await;
    Mock::given(method("POST"))
        .respond_with(RefusingAfter {
            accept: usize::MAX,
            accepted: accepted.clone(),
        })
        .mount(&dynamodb)
        .await;
    let resumed = backfill_to_store(&env, &checkpoint);
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let requests = zendesk.requests();
    assert!(
        requests.last_chunk::<2>().unwrap()[0].contains("cursor=c%3A2"),
        "{requests:?}"
    );
    let mut written = accepted.lock().unwrap().clone();
    written.sort();
    let once: std::collections::BTreeSet<u64> = written.iter().copied().collect();
    assert_eq!(once, (1..=5).collect(), "every ticket written: {written:?}");
    assert_eq!(
        written.iter().filter(|&&t| t <= 2).count(),
        2,
        "page 1 was not written again: {written:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sla_events_change_nothing_in_the_store_so_an_older_change_arriving_after_still_applies() {
    let table = LocalTable::start().await.unwrap();
    let api = RuntimeApi::start().await.unwrap();
    let process =
        FunctionProcess::spawn(&binary("ticket-store"), &api, &env(&table.url())).unwrap();
    // The breach of ticket 48213 at 15:22:05, then its status change of 15:10:11.
    let breach: Value =
        serde_json::from_str(&sample("sla-on-bus/48213-sla-breached.json")).unwrap();
    deliver(&api, &[breach]).await;
    deliver(&api, &[status_change(48213, "pending", 10)]).await;
    let stderr = process.stderr_up_to_now().await.join("\n");
    process.stop().await;
    let item = table
        .items()
        .into_iter()
        .find(|i| i["ticket_id"] == 48213)
        .expect("the status change was written");
    assert_eq!(item["status"], "pending", "{item}");
    assert_eq!(item["last_event_type"], "Status Changed");
    assert!(stderr.contains("\"records_failed\":0"), "{stderr}");
}

//! The sink in-process against a mock FullStory and a mock Zendesk: identity resolution
//! (batched, cached, rate limited), skips, the default allow-list, Intercom events, SQS
//! partial failures and every response class through the real delivery loop.

use lambda_io::SinkHandler;
use std::time::Duration;

use delivery::Settings;
use fullstory::{FullStoryClient, FullStoryConfig, Requesters};
use fullstory_sink::Sink;
use serde_json::{Value, json};
use ticketbridge_e2e::{FULLSTORY_KEY, MockFullStory, MockZendesk, ZENDESK_TOKEN, sample};
use zendesk_api::ZendeskClient;

const BUDGET: Duration = Duration::from_secs(30);

fn config(
    fullstory: &MockFullStory,
    zendesk: &MockZendesk,
    extra: &[(&str, &str)],
) -> FullStoryConfig {
    let (fs, zd) = (fullstory.url(), zendesk.url());
    let mut pairs = vec![
        ("FULLSTORY_API_URL", fs.as_str()),
        ("FULLSTORY_API_KEY", FULLSTORY_KEY),
        ("ZENDESK_API_URL", zd.as_str()),
        ("ZENDESK_OAUTH_TOKEN", ZENDESK_TOKEN),
        ("RETRY_INITIAL_BACKOFF_MS", "10"),
        ("RETRY_MAX_BACKOFF_MS", "50"),
    ];
    pairs.extend_from_slice(extra);
    FullStoryConfig::from_settings(&Settings::from_pairs(&pairs)).unwrap()
}

fn sink(config: FullStoryConfig) -> Sink {
    let client = FullStoryClient::new(&config).unwrap();
    let requesters = match &config.lookup {
        None => Requesters::by_id(),
        Some(l) => Requesters::looked_up(
            config.user_id,
            ZendeskClient::new(&l.zendesk, config.retry).unwrap(),
            l.cache_size,
            l.cache_ttl,
        ),
    };
    Sink::new(config, client, requesters)
}

/// Mocks, and a sink using the requester id as uid (no lookup).
async fn by_requester_id() -> (MockFullStory, MockZendesk, Sink) {
    let fullstory = MockFullStory::start().await;
    let zendesk = MockZendesk::start(&[]).await;
    let sink = sink(config(
        &fullstory,
        &zendesk,
        &[("FULLSTORY_USER_ID", "requester_id")],
    ));
    (fullstory, zendesk, sink)
}

/// A connector sample with another ticket and requester.
fn ticket(rel: &str, ticket_id: u64, requester: u64) -> String {
    let mut event: Value = serde_json::from_str(&sample(rel)).unwrap();
    let t = &mut event["detail"]["ticket_event"]["ticket"];
    t["id"] = json!(ticket_id);
    t["requester_id"] = json!(requester);
    event.to_string()
}

fn sqs(bodies: &[String]) -> Vec<u8> {
    let records: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(n, body)| json!({"messageId": format!("m{n}"), "eventSource": "aws:sqs", "body": body}))
        .collect();
    json!({ "Records": records }).to_string().into_bytes()
}

fn names(events: &[Value]) -> Vec<String> {
    let mut n: Vec<String> = events
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect();
    n.sort();
    n
}

#[tokio::test]
async fn requesters_are_looked_up_once_per_invocation_then_cached() {
    let fullstory = MockFullStory::start().await;
    let zendesk = MockZendesk::start(&[
        (1, Some("user-1"), Some("one@example.com")),
        (2, Some("user-2"), None),
        (3, None, Some("three@example.com")),
    ])
    .await;
    let sink = sink(config(&fullstory, &zendesk, &[]));
    let batch = sqs(&[
        ticket("connector/ticket-created.json", 10, 1),
        ticket("connector/status-changed.json", 10, 1),
        ticket("connector/ticket-created.json", 20, 2),
        ticket("connector/ticket-created.json", 30, 3),
        ticket("connector/ticket-created.json", 40, 4),
        ticket("connector/priority-changed.json", 10, 1),
    ]);
    let answer = sink
        .handle(lambda_io::local_event(&batch, BUDGET))
        .await
        .unwrap();
    assert_eq!(
        answer,
        json!({"batchItemFailures": []}),
        "skips are acknowledged"
    );
    assert_eq!(
        zendesk.calls(),
        vec![vec![1, 2, 3, 4]],
        "one batched lookup"
    );
    let events = fullstory.events();
    let uids: Vec<&str> = events
        .iter()
        .map(|e| e["user"]["uid"].as_str().unwrap())
        .collect();
    assert_eq!(
        events.len(),
        3,
        "ticket 30 has no external_id, requester 4 is unknown, priority is not in the default list"
    );
    assert!(
        uids.iter().all(|u| ["user-1", "user-2"].contains(u)),
        "{uids:?}"
    );

    // Warm container: the same requesters cost no call.
    let again = sqs(&[ticket("connector/status-changed.json", 20, 2)]);
    sink.handle(lambda_io::local_event(&again, BUDGET))
        .await
        .unwrap();
    assert_eq!(zendesk.calls().len(), 1);
    assert_eq!(fullstory.events().len(), 4);
}

#[tokio::test]
async fn a_rate_limited_lookup_waits_and_email_can_be_the_uid() {
    let fullstory = MockFullStory::start().await;
    let zendesk =
        MockZendesk::start(&[(900000000101, Some("user-4242"), Some("ada@example.com"))]).await;
    zendesk.inject_faults(&[429]);
    let sink = sink(config(
        &fullstory,
        &zendesk,
        &[("FULLSTORY_USER_ID", "requester_email")],
    ));
    let started = std::time::Instant::now();
    let answer = sink
        .handle(lambda_io::local_event(
            sample("wrapped/sns-connector-status-changed.json").as_bytes(),
            BUDGET,
        ))
        .await;
    assert_eq!(answer, Ok(json!({"records": 1})));
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited Retry-After"
    );
    assert_eq!(fullstory.events()[0]["user"]["uid"], "ada@example.com");
}

#[tokio::test]
async fn a_failed_lookup_fails_only_the_records_that_needed_it() {
    let fullstory = MockFullStory::start().await;
    let zendesk = MockZendesk::start(&[]).await;
    zendesk.inject_faults(&[503, 503, 503, 503, 503, 503, 503, 503, 503, 503]);
    let sink = sink(config(&fullstory, &zendesk, &[("RETRY_MAX_ATTEMPTS", "2")]));
    let batch = sqs(&[
        ticket("connector/ticket-created.json", 10, 1),
        sample("intercom-on-bus/conversation.admin.closed.json"),
    ]);
    let answer = sink
        .handle(lambda_io::local_event(&batch, BUDGET))
        .await
        .unwrap();
    assert_eq!(
        answer,
        json!({"batchItemFailures": [{"itemIdentifier": "m0"}]})
    );
    assert_eq!(names(&fullstory.events()), ["Intercom Conversation Closed"]);
}

#[tokio::test]
async fn requester_id_needs_no_lookup_and_widened_types_pass() {
    let fullstory = MockFullStory::start().await;
    let zendesk = MockZendesk::start(&[]).await;
    let sink = sink(config(
        &fullstory,
        &zendesk,
        &[
            ("FULLSTORY_USER_ID", "requester_id"),
            ("ZENDESK_EVENT_TYPES", "all"),
        ],
    ));
    let batch = sqs(&[
        sample("connector/priority-changed.json"),
        sample("webhook/ticket.comment_added.json"),
    ]);
    assert_eq!(
        sink.handle(lambda_io::local_event(&batch, BUDGET))
            .await
            .unwrap(),
        json!({"batchItemFailures": []})
    );
    assert!(zendesk.calls().is_empty());
    let events = fullstory.events();
    assert_eq!(
        names(&events),
        [
            "Ticket Comment Added",
            "Ticket Priority Changed",
            "Ticket Responded"
        ]
    );
    assert!(events.iter().all(|e| e["user"]["uid"] == "900000000101"));
    assert!(
        events
            .iter()
            .all(|e| e["session"] == json!({"use_most_recent": true}))
    );
    assert!(
        events
            .iter()
            .all(|e| e["properties"].get("comment_body").is_none()),
        "comment bodies only when asked"
    );
}

#[tokio::test]
async fn every_response_class_ends_where_it_should() {
    let (fullstory, zendesk, sink) = by_requester_id().await;
    let status = sample("connector/status-changed.json");

    // 429 and 503 are retried under the same key; FullStory ends up with one event.
    fullstory.inject_faults(&[429, 503]);
    let answer = sink
        .handle(lambda_io::local_event(
            sqs(std::slice::from_ref(&status)),
            BUDGET,
        ))
        .await
        .unwrap();
    assert_eq!(answer, json!({"batchItemFailures": []}));
    assert_eq!(fullstory.requests(), 3);
    // A redelivery replays the stored result: still one event.
    sink.handle(lambda_io::local_event(
        sqs(std::slice::from_ref(&status)),
        BUDGET,
    ))
    .await
    .unwrap();
    assert_eq!(fullstory.events().len(), 1);
    let keys = fullstory.keys_seen();
    assert!(keys.windows(2).all(|w| w[0] == w[1]), "one key: {keys:?}");

    // A full session: sent once more without the session.
    fullstory.fill_session("900000000101");
    let created = sample("connector/ticket-created.json");
    assert_eq!(
        sink.handle(lambda_io::local_event(sqs(&[created]), BUDGET))
            .await
            .unwrap(),
        json!({"batchItemFailures": []})
    );
    let last = fullstory.events().pop().unwrap();
    assert_eq!(last["name"], "Ticket Created");
    assert!(last.get("session").is_none());

    // 401: a configuration error fails the whole invocation, naming it.
    let wrong = {
        let mut c = config(
            &fullstory,
            &zendesk,
            &[("FULLSTORY_USER_ID", "requester_id")],
        );
        c.api_key = Some(fullstory::config::ApiKey("wrong".into()));
        self::sink(c)
    };
    let err = wrong
        .handle(lambda_io::local_event(sqs(&[status]), BUDGET))
        .await
        .unwrap_err();
    assert!(
        err.0.contains("destination refused the configuration"),
        "{err}"
    );
    assert!(err.0.contains("unauthorized"), "{err}");
}

#[tokio::test]
async fn bad_input_and_missing_uids_are_told_apart() {
    let (fullstory, _zendesk, sink) = by_requester_id().await;
    let mut no_user: Value =
        serde_json::from_str(&sample("intercom-on-bus/conversation.user.created.json")).unwrap();
    no_user["detail"]["contact"]
        .as_object_mut()
        .unwrap()
        .remove("user_id");
    let mut bad: Value =
        serde_json::from_str(&sample("intercom-on-bus/conversation.rating.added.json")).unwrap();
    bad["detail"]["occurred_at"] = json!("yesterday");
    let batch = sqs(&[
        no_user.to_string(),
        bad.to_string(),
        sample("malformed/connector-bad-ticket-id.json"),
        sample("intercom-on-bus/conversation.rating.added.json"),
    ]);
    let answer = sink
        .handle(lambda_io::local_event(&batch, BUDGET))
        .await
        .unwrap();
    assert_eq!(
        answer,
        json!({"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]})
    );
    let events = fullstory.events();
    assert_eq!(names(&events), ["Intercom Conversation Rated"]);
    assert_eq!(events[0]["properties"]["rating"], 2);
    assert!(
        events[0]["properties"].get("remark").is_none(),
        "remark only with INCLUDE_COMMENT_BODY"
    );
}

#[tokio::test]
async fn one_event_twice_in_a_batch_is_one_request_acknowledging_both() {
    let (fullstory, _zendesk, sink) = by_requester_id().await;
    let batch = sqs(&[
        sample("webhook/ticket.status_changed.json"),
        sample("webhook/ticket.status_changed.json"),
    ]);
    assert_eq!(
        sink.handle(lambda_io::local_event(&batch, BUDGET))
            .await
            .unwrap(),
        json!({"batchItemFailures": []})
    );
    assert_eq!(fullstory.requests(), 1);
    assert_eq!(fullstory.events().len(), 1);
}

#[tokio::test]
async fn sla_events_reach_the_requesters_timeline_when_the_types_ask_for_them() {
    let fullstory = MockFullStory::start().await;
    let zendesk = MockZendesk::start(&[]).await;
    let sink = sink(config(
        &fullstory,
        &zendesk,
        &[
            ("FULLSTORY_USER_ID", "requester_id"),
            ("ZENDESK_EVENT_TYPES", "SLA Breached"),
        ],
    ));
    // As ticket-metrics publishes it: the ticket as Zendesk holds it, with its requester.
    let mut breach: Value =
        serde_json::from_str(&sample("sla-on-bus/48213-sla-breached.json")).unwrap();
    breach["detail"]["ticket_event"]["ticket"]["requester_id"] = json!(900000000101u64);
    let batch = sqs(&[breach.to_string()]);
    assert_eq!(
        sink.handle(lambda_io::local_event(&batch, BUDGET))
            .await
            .unwrap(),
        json!({"batchItemFailures": []})
    );
    let events = fullstory.events();
    assert_eq!(names(&events), ["Ticket SLA Breached"]);
    assert_eq!(events[0]["user"]["uid"], "900000000101");
    assert_eq!(
        events[0]["properties"]["sla_policy_title"], "Urgent tickets",
        "{}",
        events[0]
    );
}

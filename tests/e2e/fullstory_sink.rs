//! The real `fullstory-sink` binary, run the way Lambda runs it (a Runtime API emulator), against
//! a mock FullStory and a mock Zendesk: duplicate deliveries, an injected 429 from each, the
//! bridged and connector forms of events, Intercom conversations, bad config. Asserts what
//! FullStory ends up holding.

use std::time::Duration;

use serde_json::json;
use ticketbridge_cli::{FunctionProcess, Outcome, RuntimeApi};
use ticketbridge_e2e::{
    FULLSTORY_KEY, MockFullStory, MockZendesk, ZENDESK_TOKEN, binary, sample, sns, sqs,
};

const TIMEOUT: Duration = Duration::from_secs(20);

fn env(fullstory: &MockFullStory, zendesk: &MockZendesk) -> Vec<(String, String)> {
    [
        ("FULLSTORY_API_URL", fullstory.url()),
        ("FULLSTORY_API_KEY", FULLSTORY_KEY.to_owned()),
        ("ZENDESK_API_URL", zendesk.url()),
        ("ZENDESK_OAUTH_TOKEN", ZENDESK_TOKEN.to_owned()),
        ("RETRY_INITIAL_BACKOFF_MS", "20".to_owned()),
        ("RETRY_MAX_BACKOFF_MS", "100".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicates_and_429s_leave_exactly_one_event_per_source_event() {
    let fullstory = MockFullStory::start().await;
    let zendesk =
        MockZendesk::start(&[(900000000101, Some("user-4242"), Some("ada@example.com"))]).await;
    let api = RuntimeApi::start().await.unwrap();
    let process =
        FunctionProcess::spawn(&binary("fullstory-sink"), &api, &env(&fullstory, &zendesk))
            .unwrap();

    let status = sample("connector/status-changed.json");
    let comment = sample("webhook/ticket.comment_added.json");
    let on_bus = sample("webhook-on-bus/ticket.comment_added.json");
    let rated = sample("intercom-on-bus/conversation.rating.added.json");

    // The lookup is rate limited once, FullStory twice: both wait and retry.
    zendesk.inject_faults(&[429]);
    fullstory.inject_faults(&[429, 503]);
    assert_eq!(
        api.invoke(sns(&status, "sns-a"), TIMEOUT).await,
        Some(Outcome::Response(json!({"records": 1})))
    );
    // A duplicate SNS delivery of the same event.
    assert_eq!(
        api.invoke(sns(&status, "sns-b"), TIMEOUT).await,
        Some(Outcome::Response(json!({"records": 1})))
    );
    // One SQS batch: the webhook, the same webhook as published on a bus, an Intercom rating,
    // and an event outside the default allow-list.
    let batch = sqs(&[
        ("q1", comment.clone()),
        ("q2", on_bus),
        ("q3", rated.clone()),
        ("q4", sample("connector/priority-changed.json")),
    ]);
    assert_eq!(
        api.invoke(batch, TIMEOUT).await,
        Some(Outcome::Response(json!({"batchItemFailures": []})))
    );
    // The rating delivered again.
    api.invoke(sns(&rated, "sns-c"), TIMEOUT).await;

    let mut names: Vec<String> = fullstory
        .events()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "Intercom Conversation Rated",
            "Ticket Comment Added",
            "Ticket Responded",
            "Ticket Status Changed"
        ]
    );
    assert!(
        fullstory.requests() > names.len() + 2,
        "duplicates and faults reached FullStory"
    );
    assert!(
        fullstory
            .events()
            .iter()
            .all(|e| e["user"]["uid"] == "user-4242")
    );
    assert_eq!(
        zendesk.calls().len(),
        1,
        "the warm container reused the cache"
    );

    let logs = process.stderr_up_to_now().await.join("\n");
    for secret in [
        FULLSTORY_KEY,
        ZENDESK_TOKEN,
        "Refund issued",
        "Took too long",
        "ada@example.com",
    ] {
        assert!(!logs.contains(secret), "logs leak {secret:?}");
    }
    assert!(
        logs.contains("\"RequesterCacheHits\""),
        "lookup metrics are emitted"
    );
    process.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_setting_fails_init_naming_the_variable() {
    let api = RuntimeApi::start().await.unwrap();
    let env = [("FULLSTORY_API_KEY".to_owned(), "k".to_owned())];
    let mut process = FunctionProcess::spawn(&binary("fullstory-sink"), &api, &env).unwrap();
    let code = tokio::time::timeout(TIMEOUT, process.wait())
        .await
        .expect("init failure exits");
    assert_eq!(code, Some(1));
    assert!(api.first_poll().is_none(), "it never asked for work");
    let reported = api
        .init_error()
        .expect("reported through /runtime/init/error");
    assert_eq!(reported["errorType"], "Runtime.ConfigurationError");
    let message = reported["errorMessage"].as_str().unwrap();
    assert!(message.contains("ZENDESK_SUBDOMAIN"), "{message}");
    assert!(
        message.contains("FULLSTORY_USER_ID=requester_external_id"),
        "{message}"
    );
}

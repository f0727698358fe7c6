//! `MIXPANEL_PROFILES=store`: profiles from the ticket store's DynamoDB stream, against a mock
//! Mixpanel. Each profile receives the newest state the store accepted, failures are named by
//! sequence number, and ticket events then send only `/import` events.

mod support;

use std::time::Duration;

use lambda_io::SinkHandler;
use serde_json::{Value, json};
use support::*;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const CHANGES: &str = include_str!("../../../events/dynamodb-stream/ticket-store-changes.json");

async fn server(engage: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/engage"))
        .respond_with(engage)
        .mount(&server)
        .await;
    Mock::given(path("/import"))
        .respond_with(ok_import())
        .mount(&server)
        .await;
    server
}

async fn invoke(server: &MockServer, extra: &[(&str, &str)], payload: &str) -> Value {
    sink(&server.uri(), extra)
        .handle(lambda_io::local_event(
            payload.as_bytes(),
            Duration::from_secs(5),
        ))
        .await
        .unwrap()
}

fn sequence_number(n: u64) -> String {
    format!("4421584500000000{n:012}")
}

#[tokio::test]
async fn store_stream_images_set_each_profile_to_the_newest_state_the_store_accepted() {
    let server = server(ok_engage()).await;
    let answer = invoke(&server, &[("MIXPANEL_PROFILES", "store")], CHANGES).await;
    assert_eq!(answer, json!({"batchItemFailures": []}));
    let (imports, engages) = received(&server).await;
    assert!(imports.is_empty(), "a stream batch sends no events");
    let updates: Vec<&Value> = engages.iter().flatten().collect();
    let by_id = |id: &str| {
        updates
            .iter()
            .find(|u| u["$distinct_id"] == id)
            .unwrap_or_else(|| panic!("no update for {id}: {updates:?}"))
    };
    assert_eq!(updates.len(), 2, "one update per ticket: {updates:?}");
    assert_eq!(
        by_id("48213")["$set"]["status"],
        "solved",
        "its newest image"
    );
    assert_eq!(
        by_id("48213")["$set"]["last_event_at"],
        "2025-03-10T16:40:00"
    );
    assert_eq!(by_id("48214")["$set"]["status"], "new");
    let sent = serde_json::to_string(&engages).unwrap();
    for private in [
        "Double charge",
        "+44 20 7946 0958",
        "custom_field",
        "subject",
    ] {
        assert!(!sent.contains(private), "{private} left the store: {sent}");
    }
}

#[tokio::test]
async fn a_refused_profile_update_fails_exactly_its_stream_records_by_sequence_number() {
    let server = server(
        ResponseTemplate::new(200)
            .set_body_json(json!({"status": 0, "error": "$token is invalid"})),
    )
    .await;
    let answer = invoke(&server, &[("MIXPANEL_PROFILES", "store")], CHANGES).await;
    let mut failed: Vec<String> = answer["batchItemFailures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["itemIdentifier"].as_str().unwrap().to_owned())
        .collect();
    failed.sort();
    // Every image of both tickets; the REMOVE (record 5) is settled as skipped.
    assert_eq!(
        failed,
        [1, 2, 3, 4].map(sequence_number),
        "the answer Lambda retries from"
    );
}

#[tokio::test]
async fn a_bad_image_fails_alone_naming_its_record_and_the_rest_is_delivered() {
    let mut changes: Value = serde_json::from_str(CHANGES).unwrap();
    changes["Records"][1]["dynamodb"]["NewImage"]["ticket_id"] = json!({"S": "forty-two"});
    let server = server(ok_engage()).await;
    let answer = invoke(
        &server,
        &[("MIXPANEL_PROFILES", "store")],
        &changes.to_string(),
    )
    .await;
    assert_eq!(
        answer,
        json!({"batchItemFailures": [{"itemIdentifier": sequence_number(2)}]})
    );
    let (_, engages) = received(&server).await;
    let ids: Vec<&Value> = engages
        .iter()
        .flatten()
        .map(|u| &u["$distinct_id"])
        .collect();
    assert_eq!(ids, [&json!("48213")]);
}

#[tokio::test]
async fn stream_records_without_store_mode_are_failed_not_dropped() {
    let server = server(ok_engage()).await;
    let answer = invoke(&server, &[], CHANGES).await;
    assert_eq!(
        answer["batchItemFailures"].as_array().unwrap().len(),
        5,
        "{answer}"
    );
    assert!(received(&server).await.1.is_empty());
}

#[tokio::test]
async fn ticket_events_in_store_mode_send_events_but_no_profile_updates() {
    let server = server(ok_engage()).await;
    let answer = invoke(
        &server,
        &[("MIXPANEL_PROFILES", "store")],
        &sqs(&[CREATED, STATUS]),
    )
    .await;
    assert_eq!(answer, json!({"batchItemFailures": []}));
    let (imports, engages) = received(&server).await;
    assert_eq!(imports.iter().flatten().count(), 2);
    assert!(engages.is_empty(), "profiles come from the stream only");
}

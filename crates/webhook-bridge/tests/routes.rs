//! Routing, HTTP answers and the Intercom path, through the handler.

mod support;

use serde_json::{Value, json};
use support::*;

const CLOSED: &[u8] = br#"{"type":"notification_event","app_id":"tb5x9q2k","id":"notif_cf2096ba-e549-4e5a-9f1b-d571f391ff97","topic":"conversation.admin.closed","created_at":1773152526,"data":{"type":"notification_event_data","item":{"type":"conversation","id":"184003000000123"}}}"#;

async fn status_and_published(event: Vec<u8>, extra: &[(&str, &str)]) -> (u16, Vec<Value>) {
    let bus = local_bus(vec![Answer::Accept]).await;
    let response = bridge(&bus, extra)
        .handle(lambda_io::local_event(&event, BUDGET))
        .await;
    (response.status, sent_entries(&bus).await)
}

#[tokio::test]
async fn unknown_paths_wrong_methods_and_large_bodies() {
    let body = sample("webhook/ticket.created.json");
    let (status, _) =
        status_and_published(http_event("POST", "/other", json!({}), &body, false), &[]).await;
    assert_eq!(status, 404);
    let bus = local_bus(vec![Answer::Accept]).await;
    let response = bridge(&bus, &[])
        .handle(lambda_io::local_event(
            http_event("GET", "/zendesk", json!({}), b"", false),
            BUDGET,
        ))
        .await;
    assert_eq!((response.status, response.allow), (405, Some("POST")));
    let lambda = serde_json::to_value(response.to_lambda()).unwrap();
    assert_eq!(lambda["headers"]["allow"], "POST");
    assert_eq!(lambda["body"], r#"{"status":"method_not_allowed"}"#);
    let big = vec![b' '; webhook_bridge::http::MAX_BODY_BYTES + 1];
    let (status, sent) = status_and_published(zendesk_delivery(&big), &[]).await;
    assert_eq!((status, sent.len()), (413, 0));
    let (status, _) = status_and_published(br#"{"Records": []}"#.to_vec(), &[]).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn an_authentic_but_undecodable_webhook_is_400_and_not_published() {
    let (status, sent) = status_and_published(
        zendesk_delivery(br#"{"id":"x","type":"zen:event-type:ticket.created"}"#),
        &[],
    )
    .await;
    assert_eq!((status, sent.len()), (400, 0));
}

#[tokio::test]
async fn other_zendesk_domains_are_acknowledged_without_publishing() {
    let body = br#"{"account_id":1,"id":"m-1","type":"zen:event-type:messaging_ticket.message_added","time":"2026-03-10T15:00:00Z","detail":{"id":"1"},"event":{}}"#;
    let (status, sent) = status_and_published(zendesk_delivery(body), &[]).await;
    assert_eq!((status, sent.len()), (200, 0));
}

#[tokio::test]
async fn a_sender_without_a_secret_is_refused() {
    let bus = local_bus(vec![Answer::Accept]).await;
    let config = delivery::Settings::from_pairs(&[
        ("INTERCOM_WEBHOOK_SECRET", INTERCOM_SECRET),
        ("EVENT_BUS_NAME", "b"),
    ]);
    let config = webhook_bridge::BridgeConfig::from_settings(&config).unwrap();
    let publisher = webhook_bridge::Publisher::new(&sdk(&bus.uri()), "b", config.retry);
    let bridge = webhook_bridge::Bridge::new(config, publisher);
    let response = bridge
        .handle(lambda_io::local_event(
            zendesk_delivery(&sample("webhook/ticket.created.json")),
            BUDGET,
        ))
        .await;
    assert_eq!(response.status, 401);
}

#[tokio::test]
async fn intercom_ping_and_other_topics_are_acknowledged_without_publishing() {
    for topic in ["ping", "contact.created", "conversation.admin.replied"] {
        let body = String::from_utf8(CLOSED.to_vec())
            .unwrap()
            .replace("conversation.admin.closed", topic);
        let (status, sent) = status_and_published(intercom_delivery(body.as_bytes()), &[]).await;
        assert_eq!((status, sent.len()), (200, 0), "{topic}");
    }
}

#[tokio::test]
async fn intercom_signature_failures_are_401() {
    let mut event: Value = serde_json::from_slice(&intercom_delivery(CLOSED)).unwrap();
    event["headers"]["x-hub-signature"] = json!("sha1=0000000000000000000000000000000000000000");
    let (status, sent) = status_and_published(serde_json::to_vec(&event).unwrap(), &[]).await;
    assert_eq!((status, sent.len()), (401, 0));
}

fn rated_conversation() -> Vec<u8> {
    serde_json::to_vec(&json!({
        "type": "notification_event", "app_id": "tb5x9q2k", "id": "notif_5b1d8a52-7c3e-4f7e-9a51-0f3b2c9d4e61",
        "topic": "conversation.rating.added", "created_at": 1773156000, "delivery_attempts": 1,
        "data": {"type": "notification_event_data", "item": {
            "type": "conversation", "id": "184003000000123", "created_at": 1773150000,
            "source": {"type": "conversation", "author": {"type": "user", "id": "65f0c0ffee0000000000aa01", "email": "ada@example.com"}},
            "contacts": {"type": "contact.list", "contacts": [
                {"type": "contact", "id": "65f0c0ffee0000000000aa01", "external_id": "user-4242", "email": "ada@example.com"}
            ]},
            "admin_assignee_id": 5784329,
            "conversation_rating": {"rating": 2, "remark": "Took too long", "created_at": 1773156000,
                "contact": {"type": "contact", "id": "65f0c0ffee0000000000aa01", "external_id": "user-4242"},
                "teammate": {"type": "admin", "id": "5784329"}}
        }}
    }))
    .unwrap()
}

#[tokio::test]
async fn a_rated_conversation_becomes_an_intercom_event() {
    let (status, sent) = status_and_published(intercom_delivery(&rated_conversation()), &[]).await;
    assert_eq!(status, 200);
    let entry = &sent[0];
    assert_eq!(entry["Source"], "ticketbridge.intercom");
    assert_eq!(entry["DetailType"], "Intercom Conversation: Rated");
    assert_eq!(bus_time(entry).to_seconds_utc(), "2026-03-10T15:20:00");
    let detail: Value = serde_json::from_str(entry["Detail"].as_str().unwrap()).unwrap();
    insta::assert_json_snapshot!("intercom_rated", detail);
    assert!(
        !entry["Detail"]
            .as_str()
            .unwrap()
            .contains("ada@example.com"),
        "email only when asked"
    );
}

#[tokio::test]
async fn emails_are_published_only_with_include_email() {
    let (_, sent) = status_and_published(
        intercom_delivery(&rated_conversation()),
        &[("INCLUDE_EMAIL", "true")],
    )
    .await;
    let detail: Value = serde_json::from_str(sent[0]["Detail"].as_str().unwrap()).unwrap();
    assert_eq!(detail["contact"]["email"], "ada@example.com");
    assert!(
        detail.get("remark").is_none(),
        "the remark is its own opt-in"
    );
}

#[tokio::test]
async fn a_rating_remark_is_published_only_with_include_comment_body() {
    let remark = |detail: &Value| detail.get("remark").cloned();
    let (_, sent) = status_and_published(intercom_delivery(&rated_conversation()), &[]).await;
    let detail: Value = serde_json::from_str(sent[0]["Detail"].as_str().unwrap()).unwrap();
    assert_eq!(remark(&detail), None);
    let (_, sent) = status_and_published(
        intercom_delivery(&rated_conversation()),
        &[("INCLUDE_COMMENT_BODY", "true")],
    )
    .await;
    let detail: Value = serde_json::from_str(sent[0]["Detail"].as_str().unwrap()).unwrap();
    assert!(remark(&detail).is_some_and(|r| r.is_string()), "{detail}");
}

#[tokio::test]
async fn opened_and_closed_conversations_from_older_api_versions() {
    let opened = json!({
        "type": "notification_event", "id": "notif_1", "topic": "conversation.user.created", "created_at": 1773150000,
        "data": {"item": {"type": "conversation", "id": 99, "user": {"type": "user", "id": "abc", "user_id": "user-7"}}}
    });
    let (status, sent) = status_and_published(
        intercom_delivery(&serde_json::to_vec(&opened).unwrap()),
        &[],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(sent[0]["DetailType"], "Intercom Conversation: Opened");
    let detail: Value = serde_json::from_str(sent[0]["Detail"].as_str().unwrap()).unwrap();
    assert_eq!(detail["conversation_id"], "99");
    assert_eq!(detail["contact"], json!({"id": "abc", "user_id": "user-7"}));

    let closed = json!({
        "type": "notification_event", "id": "notif_2", "topic": "conversation.admin.closed", "created_at": 1773150000,
        "data": {"item": {"type": "conversation", "id": "99", "admin_assignee_id": 1,
            "conversation_parts": {"conversation_parts": [
                {"part_type": "comment", "author": {"type": "admin", "id": "1"}},
                {"part_type": "close", "author": {"type": "admin", "id": "814860"}}
            ]}}}
    });
    let (_, sent) = status_and_published(
        intercom_delivery(&serde_json::to_vec(&closed).unwrap()),
        &[],
    )
    .await;
    let detail: Value = serde_json::from_str(sent[0]["Detail"].as_str().unwrap()).unwrap();
    assert_eq!(detail["admin_id"], "814860");
    assert_eq!(detail["notification_id"], "notif_2");
}

//! Identity is Zendesk's, not the envelope's: redeliveries share it, different events never do.

use std::collections::HashSet;

use zendesk_events::{EventIdentity, decode_event};

const STATUS_CHANGED: &str = include_str!("../../../events/connector/status-changed.json");
const WEBHOOK_COMMENT: &str = include_str!("../../../events/webhook/ticket.comment_added.json");

fn set(json: &str, pointer: &str, value: serde_json::Value) -> String {
    let mut doc: serde_json::Value = serde_json::from_str(json).unwrap();
    *doc.pointer_mut(pointer).unwrap() = value;
    doc.to_string()
}

#[test]
fn connector_redelivery_with_new_envelope_ids_keeps_identity() {
    let first = decode_event(STATUS_CHANGED).unwrap();
    // An archive replay or a second put: new EventBridge id and time.
    let replay = set(
        STATUS_CHANGED,
        "/id",
        "11111111-2222-3333-4444-555555555555".into(),
    );
    let replay = set(&replay, "/time", "2025-03-11T00:00:00Z".into());
    assert_eq!(first.identity, decode_event(&replay).unwrap().identity);
}

#[test]
fn connector_events_of_one_action_have_distinct_identities() {
    let first = decode_event(STATUS_CHANGED).unwrap();
    let other_position = set(
        STATUS_CHANGED,
        "/detail/ticket_event/meta/sequence/position",
        3.into(),
    );
    let other_ticket = set(
        STATUS_CHANGED,
        "/detail/ticket_event/ticket/id",
        48214.into(),
    );
    let ids: HashSet<_> = [STATUS_CHANGED.to_owned(), other_position, other_ticket]
        .iter()
        .map(|j| decode_event(j).unwrap().identity)
        .collect();
    assert_eq!(ids.len(), 3);
    let key = first.identity.as_str();
    assert!(key.starts_with("zendesk:connector:"), "{key}");
    assert!(key.ends_with(":1:Status Changed:48213"), "{key}");
}

#[test]
fn webhook_redelivery_keeps_identity_and_new_ids_differ() {
    let first = decode_event(WEBHOOK_COMMENT).unwrap();
    assert_eq!(
        first.identity.as_str(),
        format!("zendesk:webhook:{}", first.webhook_id.as_deref().unwrap())
    );
    let again = decode_event(WEBHOOK_COMMENT).unwrap();
    assert_eq!(first.identity, again.identity);
    let other = set(
        WEBHOOK_COMMENT,
        "/id",
        "00000000-aaaa-4bbb-8ccc-000000000001".into(),
    );
    assert_ne!(first.identity, decode_event(&other).unwrap().identity);
}

#[test]
fn bridged_connector_form_keeps_the_webhook_identity() {
    let mut doc: serde_json::Value = serde_json::from_str(STATUS_CHANGED).unwrap();
    doc["detail"]["ticket_event"]["meta"]["event_id"] =
        "b1a4badc-9e3f-4d60-80c3-115dca41a0a0".into();
    let bridged = doc.to_string();
    let event = decode_event(&bridged).unwrap();
    assert_eq!(
        event.identity,
        EventIdentity::webhook("b1a4badc-9e3f-4d60-80c3-115dca41a0a0")
    );
}

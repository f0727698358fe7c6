//! Encoding to connector form loses nothing the model holds: every sample, re-encoded and put in
//! an EventBridge envelope, decodes to the event it came from, identity included.

use std::path::Path;

use serde_json::json;
use zendesk_events::{SourceFamily, TICKET_RESOURCE, decode_event, encode_connector, samples};

fn on_bus(json: &str) -> String {
    let event = decode_event(json).unwrap();
    let entry = encode_connector(&event);
    json!({
        "version": "0",
        "id": "8b0d7a36-0000-4000-8000-000000000000",
        "detail-type": entry.detail_type,
        "source": "ticketbridge.zendesk",
        "account": "123456789012",
        "time": entry.time.to_seconds_utc(),
        "region": "eu-west-1",
        "resources": [TICKET_RESOURCE],
        "detail": entry.detail,
    })
    .to_string()
}

#[test]
fn every_webhook_sample_survives_encoding_with_its_identity() {
    for (name, json) in samples::read("webhook") {
        let original = decode_event(&json).unwrap();
        let bridged = decode_event(&on_bus(&json)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(bridged, original, "{name}");
        assert_eq!(bridged.family, SourceFamily::Webhook, "{name}");
    }
}

#[test]
fn every_connector_sample_survives_encoding_with_its_identity() {
    for (name, json) in samples::read("connector") {
        let original = decode_event(&json).unwrap();
        let again = decode_event(&on_bus(&json)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(again, original, "{name}");
    }
}

#[test]
fn detail_type_and_time_follow_the_connector() {
    let json = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../events/webhook/ticket.comment_added.json"),
    )
    .unwrap();
    let event = decode_event(&json).unwrap();
    let entry = encode_connector(&event);
    assert_eq!(entry.detail_type, "Support Ticket: Comment Created");
    assert_eq!(entry.time, event.occurred_at);
    let te = &entry.detail["ticket_event"];
    assert_eq!(te["type"], "Comment Created");
    assert_eq!(te["meta"]["version"], "1.0");
    assert_eq!(
        te["meta"]["event_id"],
        event.webhook_id.clone().unwrap().as_str()
    );
    assert!(
        te["ticket"]["id"].is_u64(),
        "ids are numbers in connector form"
    );
}

#[test]
fn an_unknown_webhook_type_survives_encoding() {
    let json = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events/webhook/ticket.created.json"),
    )
    .unwrap()
    .replace("ticket.created", "ticket.brand_new_thing");
    let original = decode_event(&json).unwrap();
    assert!(!original.event_type.is_known());
    assert_eq!(decode_event(&on_bus(&json)).unwrap(), original);
}

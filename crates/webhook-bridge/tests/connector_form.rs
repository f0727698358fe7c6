//! Encoding to connector form loses nothing the model holds that the policy lets out: every
//! sample, re-encoded with every opt-in and put in an EventBridge envelope, decodes to the event
//! it came from (author names aside: they never go on the bus), identity included; with the
//! default policy nothing personal goes on the bus.

use std::path::Path;

use serde_json::json;
use ticket_analytics::PiiPolicy;
use webhook_bridge::{TICKET_RESOURCE, encode_connector};
use zendesk_events::{SourceFamily, TicketEvent, decode_event, samples};

/// Every opt-in, for the samples' custom field.
fn everything() -> PiiPolicy {
    PiiPolicy {
        include_comment_body: true,
        include_subject: true,
        custom_field_values: vec![360000001234],
        extra_properties: Vec::new(),
    }
}

/// `event` as the bus may hold it at most: without the comment author's name.
fn without_author_name(mut event: TicketEvent) -> TicketEvent {
    if let Some(c) = event.comment.as_mut() {
        c.author_name = None;
    }
    event
}

fn on_bus(json: &str) -> String {
    on_bus_with(json, &everything())
}

fn on_bus_with(json: &str, pii: &PiiPolicy) -> String {
    let event = decode_event(json).unwrap();
    let entry = encode_connector(&event, pii);
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
        let original = without_author_name(decode_event(&json).unwrap());
        let bridged = decode_event(&on_bus(&json)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(bridged, original, "{name}");
        assert_eq!(bridged.family, SourceFamily::Webhook, "{name}");
    }
}

#[test]
fn every_connector_sample_survives_encoding_with_its_identity() {
    for (name, json) in samples::read("connector") {
        let original = without_author_name(decode_event(&json).unwrap());
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
    let entry = encode_connector(&event, &PiiPolicy::default());
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

#[test]
fn by_default_nothing_personal_goes_on_the_bus() {
    for folder in ["webhook", "connector", "privacy"] {
        for (name, json) in samples::read(folder) {
            if decode_event(&json).is_err() {
                continue;
            }
            let bus = on_bus_with(&json, &PiiPolicy::default());
            for private in [
                "charged twice",
                "Double charge",
                "Refund issued",
                "Sam Agent",
                "Ada Example",
                "invoice.pdf",
                "attachments/token",
                "plan_pro",
                "ada.lovelace@example.com",
                "grace.hopper@example.com",
                "7946 0958",
                "Call me on",
            ] {
                assert!(
                    !bus.contains(private),
                    "{folder}/{name} puts {private:?} on the bus"
                );
            }
        }
    }
    // Each opt-in lets its field through.
    let comment = samples::read("webhook")
        .into_iter()
        .find(|(n, _)| n == "ticket.comment_added")
        .unwrap()
        .1;
    let bodies = PiiPolicy {
        include_comment_body: true,
        ..PiiPolicy::default()
    };
    let bus = on_bus_with(&comment, &bodies);
    assert!(bus.contains("Refund issued") && !bus.contains("Double charge"));
    let privacy = samples::read("privacy")
        .into_iter()
        .find(|(n, _)| n == "connector-comment-created-everything")
        .unwrap()
        .1;
    let named = PiiPolicy {
        extra_properties: vec!["requester_email".into()],
        ..PiiPolicy::default()
    };
    let bus = on_bus_with(&privacy, &named);
    assert!(bus.contains("ada.lovelace@example.com") && !bus.contains("7946 0958"));
}

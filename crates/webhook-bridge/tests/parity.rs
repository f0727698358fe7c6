//! Every webhook sample, signed and bridged, reaches the bus in connector form that decodes to
//! the same `TicketEvent` as the webhook itself, identity included: a sink cannot tell (and
//! dedups across) the two paths.

mod support;

use serde_json::Value;
use support::*;
use zendesk_events::{decode_event, samples};

/// Every opt-in the bus has, so the bridged event can hold all the webhook held.
const EVERYTHING: &[(&str, &str)] = &[
    ("INCLUDE_COMMENT_BODY", "true"),
    ("INCLUDE_SUBJECT", "true"),
    ("CUSTOM_FIELD_VALUES", "360000001234"),
];

#[tokio::test]
async fn every_webhook_sample_bridges_to_the_same_event() {
    let samples = samples::read("webhook");
    assert_eq!(samples.len(), 33);
    for (name, body) in samples {
        let bus = local_bus(vec![Answer::Accept]).await;
        let response = bridge(&bus, EVERYTHING)
            .handle(lambda_io::local_event(
                zendesk_delivery(body.as_bytes()),
                BUDGET,
            ))
            .await;
        assert_eq!(response.status, 200, "{name}");
        let sent = sent_entries(&bus).await;
        assert_eq!(sent.len(), 1, "{name}");
        let entry = &sent[0];

        let mut direct = decode_event(&body).unwrap();
        // Author names never go on the bus.
        if let Some(c) = direct.comment.as_mut() {
            c.author_name = None;
        }
        let bridged = decode_event(&as_delivered(entry)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(bridged, direct, "{name}");

        assert_eq!(entry["EventBusName"], "ticketbridge");
        assert_eq!(entry["Source"], "ticketbridge.zendesk");
        assert_eq!(entry["Resources"], serde_json::json!(["Support Ticket"]));
        assert_eq!(
            entry["DetailType"],
            format!("Support Ticket: {}", direct.event_type.name())
        );
        assert_eq!(
            bus_time(entry).unix_millis(),
            direct.occurred_at.unix_millis(),
            "{name}: Time is Zendesk's"
        );
    }
}

#[tokio::test]
async fn the_connector_form_has_numeric_ids_lowercase_enums_and_no_personal_data_by_default() {
    let body = sample("webhook/ticket.comment_added.json");
    let bus = local_bus(vec![Answer::Accept]).await;
    bridge(&bus, &[])
        .handle(lambda_io::local_event(zendesk_delivery(&body), BUDGET))
        .await;
    let entry = &sent_entries(&bus).await[0];
    let detail: Value = serde_json::from_str(entry["Detail"].as_str().unwrap()).unwrap();
    insta::assert_json_snapshot!(
        "comment_added_on_the_bus",
        serde_json::json!({
            "Source": entry["Source"],
            "DetailType": entry["DetailType"],
            "Resources": entry["Resources"],
            "Detail": detail,
        })
    );
    let te = &detail["ticket_event"];
    assert!(te["ticket"]["requester_id"].is_u64());
    assert_eq!(
        te["ticket"]["status"],
        te["ticket"]["status"].as_str().unwrap().to_lowercase()
    );
    assert!(
        te["ticket"]["is_public"].is_boolean(),
        "webhook-only ticket fields are kept"
    );
    for personal in ["subject", "description"] {
        assert!(te["ticket"].get(personal).is_none(), "{personal} is opt-in");
    }
    assert!(te["comment"].get("body").is_none() && te["comment"]["author"].get("name").is_none());
    assert!(te["meta"]["event_id"].is_string());
}

#[tokio::test]
async fn a_redelivered_webhook_yields_the_same_identity() {
    let body = sample("webhook/ticket.status_changed.json");
    let bus = local_bus(vec![Answer::Accept]).await;
    let bridge = bridge(&bus, &[]);
    bridge
        .handle(lambda_io::local_event(zendesk_delivery(&body), BUDGET))
        .await;
    bridge
        .handle(lambda_io::local_event(zendesk_delivery(&body), BUDGET))
        .await;
    let sent = sent_entries(&bus).await;
    let first = decode_event(&as_delivered(&sent[0])).unwrap();
    let second = decode_event(&as_delivered(&sent[1])).unwrap();
    assert_eq!(first.identity, second.identity);
    assert_eq!(
        first
            .identity
            .derive_key(&["mixpanel", "Ticket Status Changed"]),
        second
            .identity
            .derive_key(&["mixpanel", "Ticket Status Changed"])
    );
}

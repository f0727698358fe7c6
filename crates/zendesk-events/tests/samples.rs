//! Every sample under `events/` decodes (or fails) as expected; decoded forms are snapshotted.

use zendesk_events::{EVENT_TYPES, EventType, SourceFamily, decode_event, samples};

#[test]
fn every_connector_sample_decodes_to_a_known_type() {
    let all = samples::read("connector");
    assert_eq!(all.len(), 30);
    for (name, json) in all {
        let event = decode_event(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(event.event_type.is_known(), "{name}");
        assert_eq!(event.family, SourceFamily::Connector);
        insta::assert_json_snapshot!(format!("connector__{name}"), event);
    }
}

#[test]
fn every_webhook_sample_decodes_to_a_known_type() {
    let all = samples::read("webhook");
    assert_eq!(all.len(), 33);
    for (name, json) in all {
        let event = decode_event(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(event.event_type.is_known(), "{name}");
        assert_eq!(event.family, SourceFamily::Webhook);
        insta::assert_json_snapshot!(format!("webhook__{name}"), event);
    }
}

#[test]
fn every_table_type_has_samples_in_its_families() {
    let connector: Vec<_> = samples::read("connector")
        .into_iter()
        .map(|(_, j)| decode_event(&j).unwrap().event_type)
        .collect();
    let webhook: Vec<_> = samples::read("webhook")
        .into_iter()
        .map(|(_, j)| decode_event(&j).unwrap().event_type)
        .collect();
    for spec in EVENT_TYPES {
        let t = EventType::Known(spec);
        assert_eq!(connector.contains(&t), spec.in_connector, "{}", spec.name);
        assert_eq!(
            webhook.contains(&t),
            spec.webhook_suffix.is_some(),
            "{}",
            spec.name
        );
    }
}

#[test]
fn a_webhook_on_the_bus_decodes_like_the_bare_webhook() {
    let on_bus = std::fs::read_to_string(
        samples::events_dir().join("webhook-on-bus/ticket.comment_added.json"),
    )
    .unwrap();
    let bare =
        std::fs::read_to_string(samples::events_dir().join("webhook/ticket.comment_added.json"))
            .unwrap();
    assert_eq!(decode_event(&on_bus).unwrap(), decode_event(&bare).unwrap());
}

//! The mapping is a public contract: every sample's Mixpanel events and profile update are
//! snapshotted, PII stays out unless enabled, and README's table is the code's table.

use std::path::Path;

use mixpanel::{DistinctId, Mapper, MappingConfig, markdown_table};
use serde_json::{Value, json};
use ticket_analytics::PiiPolicy;
use zendesk_events::{decode_event, samples};

fn mapped(mapper: &Mapper, json: &str) -> Value {
    let event = decode_event(json).unwrap();
    let events: Vec<Value> = mapper
        .events(&event)
        .unwrap()
        .iter()
        .map(|b| serde_json::from_slice(b).unwrap())
        .collect();
    json!({ "import": events, "engage_set": mapper.profile_state(&event) })
}

#[test]
fn every_sample_maps_to_its_snapshot() {
    let mapper = Mapper::new(MappingConfig::default());
    for folder in ["connector", "webhook", "webhook-on-bus"] {
        for (name, json) in samples::read(folder) {
            insta::assert_json_snapshot!(format!("{folder}__{name}"), mapped(&mapper, &json));
        }
    }
}

#[test]
fn personal_data_leaves_only_when_enabled() {
    let private = Mapper::new(MappingConfig::default());
    let open = Mapper::new(MappingConfig {
        pii: PiiPolicy {
            include_comment_body: true,
            include_subject: true,
            ..PiiPolicy::default()
        },
        ..MappingConfig::default()
    });
    for (name, json) in samples::read("connector")
        .into_iter()
        .chain(samples::read("webhook"))
    {
        let text = mapped(&private, &json).to_string();
        for secret in [
            "charged twice",
            "Refund issued",
            "Double charge",
            "Sam Agent",
            "Ada Example",
            "<div>",
            "\"Charge\"",
        ] {
            assert!(!text.contains(secret), "{name} leaks {secret:?}: {text}");
        }
    }
    let comment = mapped(
        &open,
        include_str!("../../../events/webhook/ticket.comment_added.json"),
    );
    assert_eq!(
        comment["import"][0]["properties"]["comment_body"],
        "Refund issued."
    );
    assert_eq!(
        comment["import"][0]["properties"]["subject"],
        "Double charge"
    );
    assert_eq!(
        comment["import"][0]["properties"]["description"],
        "I was charged twice this month."
    );
    let described = mapped(
        &open,
        include_str!("../../../events/connector/description-changed.json"),
    );
    assert_eq!(
        described["import"][0]["properties"]["current"],
        "I was charged twice this month."
    );
}

#[test]
fn insert_ids_are_stable_distinct_and_valid() {
    let mapper = Mapper::new(MappingConfig::default());
    let mut seen = std::collections::HashSet::new();
    for folder in ["connector", "webhook"] {
        for (name, json) in samples::read(folder) {
            let first = mapped(&mapper, &json);
            assert_eq!(
                first,
                mapped(&mapper, &json),
                "{name}: mapping is deterministic"
            );
            for event in first["import"].as_array().unwrap() {
                let id = event["properties"]["$insert_id"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                assert!(
                    id.len() <= 36 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
                    "{id}"
                );
                assert!(
                    seen.insert(id),
                    "{name}: $insert_id repeats across different events"
                );
            }
        }
    }
}

#[test]
fn time_is_when_it_happened_in_zendesk() {
    let mapper = Mapper::new(MappingConfig::default());
    let status = mapped(
        &mapper,
        include_str!("../../../events/connector/status-changed.json"),
    );
    // meta.occurred_at 2025-03-10T15:01:11.204331907Z, not the EventBridge time (…:12Z).
    assert_eq!(
        status["import"][0]["properties"]["time"],
        1_741_618_871_204i64
    );
}

#[test]
fn requester_distinct_id() {
    let mapper = Mapper::new(MappingConfig {
        distinct_id: DistinctId::Requester,
        ..MappingConfig::default()
    });
    let status = mapped(
        &mapper,
        include_str!("../../../events/connector/status-changed.json"),
    );
    assert_eq!(
        status["import"][0]["properties"]["distinct_id"],
        "900000000101"
    );
    let mut event = decode_event(include_str!(
        "../../../events/connector/status-changed.json"
    ))
    .unwrap();
    event.ticket.requester_id = None;
    let err = mapper.events(&event).unwrap_err();
    assert!(
        err.0.contains("requester_id") && err.0.contains("MIXPANEL_DISTINCT_ID"),
        "{err}"
    );
}

#[test]
fn readme_account_property_table_is_the_code_table() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .unwrap();
    assert!(
        readme.contains(&mixpanel::accounts::markdown_table()),
        "README's user and organization table is stale: run `make mapping-table` and paste it"
    );
}

#[test]
fn readme_mapping_table_is_the_code_table() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .unwrap();
    assert!(
        readme.contains(&markdown_table(&Default::default())),
        "README's mapping table is stale: run `make mapping-table` and paste it"
    );
}

/// Whether a `$set` value would blank a property: null, "", [] or {}.
fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

#[test]
fn no_profile_update_blanks_a_property_the_event_did_not_blank() {
    let mapper = Mapper::new(MappingConfig::default());
    let mut checked = 0;
    for folder in [
        "connector",
        "webhook",
        "webhook-on-bus",
        "bridged",
        "routing",
        "privacy",
    ] {
        for (name, json) in samples::read(folder) {
            let Ok(event) = decode_event(&json) else {
                continue;
            };
            let set = serde_json::to_value(mapper.profile_state(&event)).unwrap();
            for (key, value) in set.as_object().unwrap() {
                let the_event_said_so =
                    key == "tags" && event.ticket.tags.as_deref() == Some(&[][..]);
                assert!(
                    !is_blank(value) || the_event_said_so,
                    "{folder}/{name}: $set {key}: {value} although the event did not blank it"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 90, "{checked} samples");

    // A snapshot without tags (null or absent) leaves them alone; an explicit [] clears them.
    let webhook = samples::read("webhook")
        .into_iter()
        .find(|(n, _)| n == "ticket.status_changed")
        .unwrap()
        .1;
    assert!(webhook.contains("\"tags\": null"));
    let event = decode_event(&webhook).unwrap();
    let set = serde_json::to_value(mapper.profile_state(&event)).unwrap();
    assert!(set.get("tags").is_none(), "{set}");
    let cleared = webhook.replace("\"tags\": null", "\"tags\": []");
    let event = decode_event(&cleared).unwrap();
    let set = serde_json::to_value(mapper.profile_state(&event)).unwrap();
    assert_eq!(set["tags"], json!([]));
}

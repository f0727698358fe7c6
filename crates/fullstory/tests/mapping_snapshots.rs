//! The FullStory mapping is a public contract: every sample's requests (body and
//! `Idempotency-Key`) are snapshotted, every body follows FullStory's rules, PII stays out
//! unless enabled, keys are stable across families, and README's table is the code's table.

use fullstory::mapping::markdown_table;
use fullstory::properties::property_name;
use fullstory::request::without_session;
use fullstory::{EventRequest, Mapper, MappingConfig, decode_conversation};
use serde_json::{Value, json};
use ticket_analytics::PiiPolicy;
use zendesk_events::{decode_event, samples};

const UID: &str = "user-4242";

fn everything(config: MappingConfig) -> MappingConfig {
    MappingConfig {
        event_types: None,
        ..config
    }
}

fn requests(config: &MappingConfig, json: &str) -> Vec<EventRequest> {
    match decode_conversation(json) {
        Ok(conversation) => vec![conversation.request(config, UID)],
        Err(_) => Mapper::new(config.clone()).requests(&decode_event(json).unwrap(), UID),
    }
}

fn shown(requests: &[EventRequest]) -> Value {
    requests
        .iter()
        .map(|r| json!({"idempotency_key": r.key, "body": serde_json::from_slice::<Value>(&r.body).unwrap()}))
        .collect()
}

const FOLDERS: &[&str] = &["connector", "webhook", "webhook-on-bus", "intercom-on-bus"];

#[test]
fn every_sample_maps_to_its_snapshot() {
    let config = everything(MappingConfig::default());
    for folder in FOLDERS {
        for (name, json) in samples::read(folder) {
            insta::assert_json_snapshot!(
                format!("{folder}__{name}"),
                shown(&requests(&config, &json))
            );
        }
    }
}

/// FullStory's rules, checked on every body (the same rules the e2e mock enforces).
fn check(body: &Value, at: &str) {
    assert!(
        body["name"]
            .as_str()
            .is_some_and(|n| !n.is_empty() && n.len() <= 250),
        "{at}"
    );
    assert!(body["timestamp"].as_str().unwrap().ends_with('Z'), "{at}");
    assert_eq!(body["session"], json!({"use_most_recent": true}), "{at}");
    assert!(
        body["user"]["uid"].is_string() && body["user"].get("id").is_none(),
        "{at}"
    );
    fn walk(value: &Value, path: &str, schema: &Value, at: &str) {
        for (name, v) in value.as_object().unwrap() {
            assert_eq!(&property_name(name), name, "{at}: {path}{name}");
            let dotted = format!("{path}{name}");
            match v {
                Value::Object(_) => walk(v, &format!("{dotted}."), schema, at),
                Value::Array(items) => {
                    assert!(
                        items
                            .iter()
                            .all(|i| !i.is_object() && !i.is_array() && !i.is_null()),
                        "{at}: {dotted}"
                    );
                    if !items.is_empty() && items.iter().all(Value::is_i64) {
                        assert_eq!(schema[&dotted], "ints", "{at}: {dotted}");
                    }
                }
                Value::Number(n) if n.is_i64() || n.is_u64() => {
                    assert_eq!(schema[&dotted], "int", "{at}: {dotted}");
                }
                Value::Null => panic!("{at}: {dotted} is null"),
                _ => {}
            }
        }
    }
    walk(&body["properties"], "", &body["schema"]["properties"], at);
}

#[test]
fn every_body_follows_fullstorys_rules() {
    let config = everything(MappingConfig {
        pii: PiiPolicy {
            include_comment_body: true,
            include_subject: true,
            ..PiiPolicy::default()
        },
        ..MappingConfig::default()
    });
    for folder in FOLDERS {
        for (name, json) in samples::read(folder) {
            for r in requests(&config, &json) {
                check(
                    &serde_json::from_slice(&r.body).unwrap(),
                    &format!("{folder}/{name}"),
                );
            }
        }
    }
}

#[test]
fn personal_data_leaves_only_when_enabled() {
    let private = everything(MappingConfig::default());
    for folder in FOLDERS {
        for (name, json) in samples::read(folder) {
            let text = shown(&requests(&private, &json)).to_string();
            for secret in [
                "charged twice",
                "Refund issued",
                "Double charge",
                "Took too long",
                "ada@example.com",
                "<div>",
            ] {
                assert!(!text.contains(secret), "{folder}/{name} leaks {secret:?}");
            }
        }
    }
    let open = everything(MappingConfig {
        pii: PiiPolicy {
            include_comment_body: true,
            ..PiiPolicy::default()
        },
        ..MappingConfig::default()
    });
    let comment = shown(&requests(
        &open,
        include_str!("../../../events/webhook/ticket.comment_added.json"),
    ));
    assert_eq!(
        comment[0]["body"]["properties"]["comment_body"],
        "Refund issued."
    );
    // The bridge publishes a remark only with INCLUDE_COMMENT_BODY; the routing sample has one.
    let rated = shown(&requests(
        &open,
        include_str!("../../../events/routing/intercom-conversation-rated-5.json"),
    ));
    assert_eq!(rated[0]["body"]["properties"]["remark"], "Quick and kind");
    let private = shown(&requests(
        &everything(MappingConfig::default()),
        include_str!("../../../events/routing/intercom-conversation-rated-5.json"),
    ));
    assert!(private[0]["body"]["properties"].get("remark").is_none());
}

#[test]
fn one_zendesk_event_has_one_key_whichever_way_it_came() {
    let config = everything(MappingConfig::default());
    let direct = requests(
        &config,
        include_str!("../../../events/webhook/ticket.comment_added.json"),
    );
    let on_bus = requests(
        &config,
        include_str!("../../../events/webhook-on-bus/ticket.comment_added.json"),
    );
    let keys = |r: &[EventRequest]| r.iter().map(|r| r.key.clone()).collect::<Vec<_>>();
    assert_eq!(keys(&direct), keys(&on_bus));
    assert_eq!(
        direct,
        requests(
            &config,
            include_str!("../../../events/webhook/ticket.comment_added.json")
        ),
        "byte-identical on every run"
    );
    assert_ne!(
        direct[0].key, direct[1].key,
        "Comment Added and Responded are two events"
    );
}

#[test]
fn without_the_session_is_another_body_under_another_stable_key() {
    let config = everything(MappingConfig::default());
    let request = &requests(
        &config,
        include_str!("../../../events/connector/status-changed.json"),
    )[0];
    let alone = without_session(request).unwrap();
    let body: Value = serde_json::from_slice(&alone.body).unwrap();
    assert!(body.get("session").is_none());
    assert_eq!(body["user"]["uid"], UID);
    assert_ne!(alone.key, request.key);
    assert_eq!(without_session(request).unwrap(), alone);
}

#[test]
fn readme_table_is_the_code_table() {
    let readme = std::fs::read_to_string(samples::events_dir().join("../README.md")).unwrap();
    assert!(
        readme.contains(&markdown_table(&Default::default())),
        "README's FullStory table is stale; regenerate it with `make mapping-table`:\n{}",
        markdown_table(&Default::default())
    );
}

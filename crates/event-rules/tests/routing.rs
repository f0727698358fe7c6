//! The routing table (`tests/rules/routing-table.json`): every rule in `infra/rules/`, shipped or
//! example, against every sample under `events/`, positive and negative. The same table is checked
//! against moto's EventBridge by `tests/e2e/rules_moto.rs`, so this matcher cannot drift from AWS.

mod support;

use std::collections::BTreeMap;

use event_rules::{EventCheck, RuleSet};
use support::{root, routing_table, sample, sample_files};
use zendesk_events::decode_event;

fn rules() -> RuleSet {
    RuleSet::load(&root().join("infra/rules")).unwrap()
}

#[test]
fn every_sample_routes_exactly_as_the_table_says() {
    let rules = rules();
    let table = routing_table();
    let mut actual = BTreeMap::new();
    for name in sample_files() {
        if let EventCheck::Matches(matched) = rules.check(&sample(&name)) {
            let names: Vec<String> = matched.iter().map(|r| r.name.clone()).collect();
            actual.insert(name, names);
        }
    }
    // `UPDATE_ROUTING_TABLE=1` rewrites the table from this matcher, to review in the diff;
    // moto's EventBridge (`tests/e2e/rules_moto.rs`) still checks it independently.
    if std::env::var_os("UPDATE_ROUTING_TABLE").is_some() {
        let text = serde_json::to_string_pretty(&actual).unwrap() + "\n";
        std::fs::write(root().join("tests/rules/routing-table.json"), text).unwrap();
        return;
    }
    let wrong: Vec<String> = actual
        .iter()
        .filter(|(name, names)| table.get(*name) != Some(names))
        .map(|(name, names)| {
            format!(
                "{name}: matched {names:?}, table says {:?}",
                table.get(name)
            )
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let stale: Vec<_> = table.keys().filter(|k| !actual.contains_key(*k)).collect();
    assert!(
        stale.is_empty(),
        "in the table but not an event under events/: {stale:?}"
    );
}

#[test]
fn every_rule_has_positive_and_negative_rows() {
    let rules = rules();
    let table = routing_table();
    for rule in rules.rules() {
        let positives = table.values().filter(|r| r.contains(&rule.name)).count();
        let negatives = table.len() - positives;
        assert!(positives > 0, "{} matches no sample", rule.name);
        assert!(negatives > 0, "{} matches every sample", rule.name);
    }
    for names in table.values() {
        for name in names {
            assert!(
                rules.get(name).is_some(),
                "the table names {name}, no such rule"
            );
        }
    }
}

#[test]
fn what_is_not_an_eventbridge_event_meets_no_rule() {
    let rules = rules();
    for name in sample_files() {
        let is_bus_event = routing_table().contains_key(&name);
        let folder = name.split('/').next().unwrap();
        if ["webhook", "intercom", "wrapped"].contains(&folder) {
            assert!(!is_bus_event, "{name}");
            assert!(matches!(
                rules.check(&sample(&name)),
                EventCheck::NotAnEvent(_)
            ));
        }
    }
}

/// Nothing missed, nothing leaking: the Mixpanel rule routes exactly the events mixpanel-sink
/// accepts as ticket events (decoded independently of the patterns).
#[test]
fn mixpanel_rule_routes_exactly_the_ticket_events() {
    let rules = rules();
    for (name, matched) in routing_table() {
        if name.starts_with("malformed/") {
            continue;
        }
        let text = String::from_utf8(sample(&name)).unwrap();
        let is_ticket_event = decode_event(&text).is_ok();
        assert_eq!(
            matched.contains(&"zendesk-tickets-to-mixpanel".to_owned()),
            is_ticket_event,
            "{name}"
        );
        assert!(rules.get("zendesk-tickets-to-mixpanel").is_some());
    }
}

/// The FullStory rules route exactly what fullstory-sink sends with its default event types:
/// the allowed ticket events and every Intercom conversation.
#[test]
fn fullstory_rules_route_exactly_what_the_sink_sends_by_default() {
    let allowed = fullstory::config::default_event_types();
    for (name, matched) in routing_table() {
        if name.starts_with("malformed/") {
            continue;
        }
        let text = String::from_utf8(sample(&name)).unwrap();
        let sent = match decode_event(&text) {
            Ok(event) => ticket_analytics::is_allowed(Some(&allowed), &event),
            Err(_) => fullstory::conversations::is_conversation(&text),
        };
        let routed = matched.iter().any(|r| {
            r == "zendesk-support-moments-to-fullstory"
                || r == "intercom-conversations-to-fullstory"
        });
        assert_eq!(routed, sent, "{name}");
    }
}

#[test]
fn examples_are_not_deployed_and_shipped_rules_are() {
    let rules = rules();
    let shipped: Vec<_> = rules
        .rules()
        .iter()
        .filter(|r| !r.example)
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(
        shipped,
        [
            "intercom-conversations-to-fullstory",
            "zendesk-accounts-to-mixpanel",
            "zendesk-support-moments-to-fullstory",
            "zendesk-tickets-to-mixpanel",
            "zendesk-tickets-to-store"
        ]
    );
    let with_feature: Vec<_> = rules
        .rules()
        .iter()
        .filter_map(|r| r.feature.as_deref().map(|f| (r.name.as_str(), f)))
        .collect();
    assert_eq!(
        with_feature,
        [
            ("zendesk-accounts-to-mixpanel", "accountProfiles"),
            ("zendesk-tickets-to-store", "ticketStore")
        ]
    );
    assert_eq!(rules.rules().len(), 12);
}

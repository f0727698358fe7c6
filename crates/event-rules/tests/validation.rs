//! Bad rule files get errors that name the file and the JSON path of what is wrong.

use std::path::Path;

use event_rules::{Rule, RuleSet};

fn parse(text: &str) -> Result<Rule, String> {
    Rule::parse(Path::new("infra/rules/r.json"), text, false).map_err(|e| e.to_string())
}

fn rule(pattern: &str) -> String {
    format!(r#"{{"name": "r", "description": "d", "target": "mixpanel", "pattern": {pattern}}}"#)
}

#[test]
fn a_valid_rule_parses() {
    let rule = parse(&rule(r#"{"source": ["ticketbridge.zendesk"]}"#)).unwrap();
    assert_eq!(rule.target, "mixpanel");
    assert!(!rule.example);
}

#[test]
fn header_errors_name_the_field() {
    let cases = [
        (
            r#"{"name": "other", "description": "d", "target": "mixpanel", "pattern": {"a": ["b"]}}"#,
            "infra/rules/r.json: $.name: \"other\" must equal the file name \"r\"",
        ),
        (
            r#"{"name": "r", "description": "d", "target": "amplitude", "pattern": {"a": ["b"]}}"#,
            "$.target: \"amplitude\" is not one of mixpanel, fullstory, store",
        ),
        (
            r#"{"name": "r", "description": " ", "target": "mixpanel", "pattern": {"a": ["b"]}}"#,
            "$.description: empty",
        ),
        (
            r#"{"name": "r", "description": "d", "target": "mixpanel", "pattern": {}, "extra": 1}"#,
            "unknown field `extra`",
        ),
    ];
    for (text, expected) in cases {
        let error = parse(text).unwrap_err();
        assert!(error.contains(expected), "{error}");
    }
}

#[test]
fn a_feature_must_be_known_and_belongs_to_shipped_rules_only() {
    let with = |feature: &str| {
        format!(
            r#"{{"name": "r", "description": "d", "target": "mixpanel", "feature": "{feature}", "pattern": {{"a": ["b"]}}}}"#
        )
    };
    let rule = parse(&with("accountProfiles")).unwrap();
    assert_eq!(rule.feature.as_deref(), Some("accountProfiles"));
    let error = parse(&with("groups")).unwrap_err();
    assert!(
        error.contains("$.feature: \"groups\" is not one of accountProfiles, ticketStore"),
        "{error}"
    );
    let error = Rule::parse(
        Path::new("infra/rules/examples/r.json"),
        &with("accountProfiles"),
        true,
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("$.feature: examples are deployed by name"),
        "{error}"
    );
}

#[test]
fn pattern_shape_errors_carry_the_json_path() {
    let cases = [
        (r#"{}"#, "$.pattern: an empty object"),
        (
            r#"{"detail-type": []}"#,
            "$.pattern[\"detail-type\"]: an empty list",
        ),
        (
            r#"{"source": "x"}"#,
            "$.pattern.source: a pattern field is an object or a list",
        ),
        (
            r#"{"detail": {"ticket": {"assignee_id": [null]}}}"#,
            "$.pattern.detail.ticket.assignee_id[0]: null cannot be deployed",
        ),
    ];
    for (pattern, expected) in cases {
        let error = parse(&rule(pattern)).unwrap_err();
        assert!(error.contains(expected), "{error}");
    }
}

/// EventBridge itself (and moto) would take a misspelled operator as a literal; the matcher refuses.
#[test]
fn unknown_operators_are_refused_when_the_set_is_built() {
    let rule = parse(&rule(
        r#"{"source": [{"prefx": "aws.partner/zendesk.com"}]}"#,
    ))
    .unwrap();
    let error = RuleSet::new(vec![rule]).err().unwrap().to_string();
    assert!(error.contains("$.pattern"), "{error}");
    assert!(error.contains("prefx"), "{error}");
}

#[test]
fn duplicate_names_are_refused() {
    let a = parse(&rule(r#"{"source": ["a"]}"#)).unwrap();
    let mut b = a.clone();
    b.path = "infra/rules/examples/r.json".into();
    let error = RuleSet::new(vec![a, b]).err().unwrap().to_string();
    assert!(
        error.contains("is also the name of infra/rules/r.json"),
        "{error}"
    );
}

#[test]
fn non_events_are_told_apart_from_events_that_match_nothing() {
    let set = RuleSet::new(vec![parse(&rule(r#"{"source": ["a"]}"#)).unwrap()]).unwrap();
    let event = br#"{"source": "b", "detail-type": "x", "detail": {}}"#;
    assert!(matches!(set.check(event), event_rules::EventCheck::Matches(m) if m.is_empty()));
    let webhook = br#"{"type": "zen:event-type:ticket.created", "detail": {}}"#;
    let event_rules::EventCheck::NotAnEvent(why) = set.check(webhook) else {
        panic!("a webhook is not an event");
    };
    assert!(why.contains("$[\"source\"]"), "{why}");
}

//! `ticketbridge rules check` (the real binary) and the demo's routing step.

use std::path::{Path, PathBuf};
use std::process::Command;

use event_rules::RuleSet;
use ticketbridge_cli::routing;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn ticketbridge(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_ticketbridge"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn rules_check_prints_what_each_event_matches() {
    let unrouted =
        std::env::temp_dir().join(format!("ticketbridge-unrouted-{}.json", std::process::id()));
    std::fs::write(
        &unrouted,
        r#"{"version": "0", "id": "x", "detail-type": "Order Placed", "source": "acme.shop",
            "account": "1", "time": "2026-01-01T00:00:00Z", "region": "eu-west-1",
            "resources": [], "detail": {}}"#,
    )
    .unwrap();
    let (ok, stdout, _) = ticketbridge(&[
        "rules",
        "check",
        "events/routing/vip-ticket-closed.json",
        "events/intercom-on-bus",
        "events/webhook/ticket.created.json",
        "events/malformed/not-a-ticket-event.json",
        unrouted.to_str().unwrap(),
    ]);
    std::fs::remove_file(&unrouted).unwrap();
    assert!(ok);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        "events/routing/vip-ticket-closed.json: zendesk-support-moments-to-fullstory (fullstory), zendesk-tickets-to-mixpanel (mixpanel), zendesk-tickets-to-store (store, with ticketStore), tickets-except-spam-and-deletions-to-mixpanel (mixpanel, example)"
    );
    assert!(lines[2].ends_with(
        "conversation.rating.added.json: intercom-conversations-to-fullstory (fullstory), low-ratings-to-fullstory (fullstory, example)"
    ));
    assert_eq!(
        lines[4],
        "events/webhook/ticket.created.json: not an EventBridge event: $[\"source\"] is missing or not a string"
    );
    assert_eq!(
        lines[5],
        "events/malformed/not-a-ticket-event.json: zendesk-accounts-to-mixpanel (mixpanel, with accountProfiles)"
    );
    assert_eq!(lines[6], format!("{}: matches no rule", unrouted.display()));
}

#[test]
fn rules_check_without_events_lists_the_rules() {
    let (ok, stdout, _) = ticketbridge(&["rules", "check"]);
    assert!(ok);
    assert!(stdout.contains("zendesk-tickets-to-mixpanel"));
    assert!(stdout.contains("(example)"));
    assert!(stdout.ends_with("12 rules, all valid.\n"), "{stdout}");
}

#[test]
fn an_invalid_rule_fails_with_its_file_and_json_path() {
    let dir = std::env::temp_dir().join(format!("ticketbridge-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("typo.json"),
        r#"{"name": "typo", "description": "d", "target": "mixpanel",
            "pattern": {"source": [{"prefx": "aws.partner/zendesk.com"}]}}"#,
    )
    .unwrap();
    let (ok, _, stderr) = ticketbridge(&["rules", "check", "--rules", dir.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(!ok);
    assert!(stderr.contains("typo.json: $.pattern"), "{stderr}");
    assert!(stderr.contains("prefx"), "{stderr}");
}

#[test]
fn the_demo_routes_with_deployed_rules_only_and_once_per_topic() {
    let rules = RuleSet::load(&root().join("infra/rules")).unwrap();
    let events = routing::bus_samples(&root().join("events/routing")).unwrap();
    assert_eq!(events.len(), 5);
    let routed = routing::route(&rules, &events);
    // The urgent vip ticket matches two example rules to FullStory too; only the deployed
    // rules count, and each topic receives an event once.
    assert_eq!(routed.deliveries["fullstory"].len(), 5);
    assert_eq!(routed.deliveries["mixpanel"].len(), 4);
    assert!(routed.unrouted.is_empty());
    let all = routing::bus_samples(&root().join("events")).unwrap();
    let routed = routing::route(&rules, &all);
    assert_eq!(
        routed.unrouted,
        [root()
            .join("events/malformed/not-a-ticket-event.json")
            .display()
            .to_string()]
    );
}

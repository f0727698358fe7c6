//! `events/bridged/` and `events/intercom-on-bus/` hold what the bridge publishes for each
//! `events/webhook/` and `events/intercom/` sample, as EventBridge delivers it; the rule tests, the
//! FullStory sink's tests and `ticketbridge rules check` use those files. This test keeps them true:
//! it fails when the bridge's output drifts, and `UPDATE_SAMPLES=1` rewrites them.

use std::path::PathBuf;

use serde_json::{Value, json};
use webhook_bridge::entry::BusEntry;
use webhook_bridge::intercom::{self, IntercomOutcome};
use webhook_bridge::zendesk::{self, ZendeskOutcome};

fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events")
}

#[test]
fn zendesk_bus_samples_are_what_the_bridge_publishes() {
    let checked = check_folder("webhook", "bridged", |body| {
        match zendesk::normalize(body, "ticketbridge.zendesk", &Default::default()).unwrap() {
            ZendeskOutcome::Publish(entry) => entry,
            ZendeskOutcome::Ignore { webhook_type } => panic!("{webhook_type} was not published"),
        }
    });
    assert_eq!(checked, 33);
}

#[test]
fn intercom_bus_samples_are_what_the_bridge_publishes() {
    let checked = check_folder(
        "intercom",
        "intercom-on-bus",
        |body| match intercom::normalize(body, "ticketbridge.intercom", &Default::default())
            .unwrap()
        {
            IntercomOutcome::Publish(entry) => entry,
            _ => panic!("not published"),
        },
    );
    assert_eq!(checked, 3);
}

/// Compares (or, with `UPDATE_SAMPLES`, rewrites) `to/<name>` against the delivery of what the
/// bridge makes of `from/<name>`; how many files were checked.
fn check_folder(from: &str, to: &str, publish: impl Fn(&[u8]) -> BusEntry) -> usize {
    let mut names: Vec<_> = std::fs::read_dir(events_dir().join(from))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    for name in &names {
        let body = std::fs::read(events_dir().join(from).join(name)).unwrap();
        let entry = publish(&body);
        let delivered = json!({
            "version": "0",
            "id": uuid_like(&entry.event_id),
            "detail-type": entry.detail_type,
            "source": entry.source,
            "account": "210987654321",
            "time": format!("{}Z", entry.time.to_seconds_utc()),
            "region": "eu-west-1",
            "resources": entry.resources,
            "detail": entry.detail,
        });
        let path = events_dir().join(to).join(name);
        let text = serde_json::to_string_pretty(&delivered).unwrap() + "\n";
        if std::env::var_os("UPDATE_SAMPLES").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &text).unwrap();
        }
        let stored: Value = serde_json::from_slice(&std::fs::read(&path).unwrap_or_default())
            .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_SAMPLES=1", path.display()));
        assert_eq!(stored, delivered, "{name}");
    }
    names.len()
}

/// A stable EventBridge-style id per notification (EventBridge assigns its own on delivery).
fn uuid_like(seed: &str) -> String {
    let hex: String = seed
        .bytes()
        .rev()
        .map(|b| format!("{:x}", b % 16))
        .cycle()
        .take(32)
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

//! `ticketbridge demo`, the real binary with the real functions, as `make demo` runs it: a story
//! of a few hundred lines (a summary per step and per input, and a closing table of what the
//! destinations would hold) instead of every request, which go in full to the file it names,
//! or to the screen with `--verbose`. Nothing personal is printed or written.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use ticketbridge_e2e::binary;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs the demo writing its requests to `requests`; returns whether it succeeded and stdout.
fn demo(requests: &Path, extra: &[&str]) -> (bool, String) {
    let output = Command::new(binary("ticketbridge"))
        .current_dir(root())
        .arg("demo")
        .arg("--function")
        .arg(binary("mixpanel-sink"))
        .arg("--fullstory")
        .arg(binary("fullstory-sink"))
        .arg("--bridge")
        .arg(binary("webhook-bridge"))
        .arg("--store")
        .arg(binary("ticket-store"))
        .arg("--requests")
        .arg(requests)
        .args(extra)
        .arg("events")
        .output()
        .expect("the demo runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), stdout)
}

fn requests_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("ticketbridge-{name}-{}.jsonl", std::process::id()))
}

/// The `$insert_id`s per event name of every `/import` event in the transcript.
fn imported(transcript: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut held: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in transcript.lines() {
        let entry: Value = serde_json::from_str(line).expect("one JSON object per line");
        let request = &entry["request"];
        if !request["url"].as_str().unwrap().contains("/import") {
            continue;
        }
        for event in request["body"].as_array().unwrap() {
            held.entry(event["event"].as_str().unwrap().to_owned())
                .or_default()
                .insert(
                    event["properties"]["$insert_id"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                );
        }
    }
    held
}

#[test]
fn the_demo_tells_a_short_story_and_keeps_every_request_in_the_file_it_names() {
    let requests = requests_file("demo");
    let (_, stdout) = demo(&requests, &[]);
    let transcript = std::fs::read_to_string(&requests).expect("the demo wrote its requests");
    std::fs::remove_file(&requests).unwrap();

    let lines = stdout.lines().count();
    assert!(
        lines < 600,
        "{lines} lines: the demo should summarize, not dump"
    );
    for step in [
        "━━ 1.",
        "━━ 2.",
        "━━ 3.",
        "━━ 4.",
        "━━ 5.",
        "━━ 6.",
        "━━ 7.",
    ] {
        assert!(stdout.contains(step), "{step} missing:\n{stdout}");
    }
    assert!(
        !stdout.contains("\"$insert_id\""),
        "request bodies belong in the file, not on screen"
    );
    assert!(
        stdout.contains(&requests.display().to_string()),
        "the file is named"
    );

    // The closing table agrees with the requests in the file, counted here independently.
    let held = imported(&transcript);
    assert!(held.len() > 30, "{held:?}");
    for (name, ids) in &held {
        let row = format!("| event {name} | {} |", ids.len());
        assert!(
            stdout.contains(&row),
            "{row} missing from the table:\n{stdout}"
        );
    }
    assert!(stdout.contains("| group profile organization_id=360000000777 | 1 | — |"));
    assert!(
        stdout.contains("| event Ticket SLA Breached | 1 | — |"),
        "the demo shows an SLA breach: {stdout}"
    );
    assert!(stdout.contains("| profiles from mixpanel-sink (accounts) | 1 (900000000101) | — |"));
    assert!(transcript.contains("/groups?verbose=1&ip=0"));
    // The store step: the out-of-order pair ends at the newer status, the older one skipped.
    assert!(
        stdout.contains("| 48999 | solved | Status Changed |"),
        "{stdout}"
    );
    assert!(stdout.contains("1 older skipped"), "{stdout}");
    // Profiles from the store's stream: ticket 48999's profile only ever receives "solved".
    assert!(
        stdout.contains("ticket 48999's images: solved ("),
        "{stdout}"
    );
    let stream_sets: Vec<serde_json::Value> = transcript
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|entry| {
            entry["input"]
                .as_str()
                .unwrap_or("")
                .starts_with("stream batch")
        })
        .flat_map(|entry| {
            entry["request"]["body"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|update| update["$distinct_id"] == "48999")
        .map(|update| update["$set"]["status"].clone())
        .collect();
    assert_eq!(
        stream_sets,
        [serde_json::json!("solved")],
        "{stream_sets:?}"
    );

    // The account webhooks carry an e-mail, a name, a phone number and notes: none leaves.
    for personal in [
        "ada.lovelace@example.com",
        "Lovelace",
        "7946 0958",
        "Owes us money",
    ] {
        assert!(!stdout.contains(personal), "{personal} printed");
        assert!(!transcript.contains(personal), "{personal} in the requests");
    }
}

#[test]
fn the_demo_prints_every_request_with_verbose() {
    let requests = requests_file("demo-verbose");
    let (_, stdout) = demo(&requests, &["--verbose"]);
    let transcript = std::fs::read_to_string(&requests).unwrap();
    std::fs::remove_file(&requests).unwrap();
    let printed = stdout.matches("    POST https://").count();
    assert_eq!(
        printed,
        transcript.lines().count(),
        "every request is printed"
    );
    assert!(stdout.contains("\"$insert_id\""));
    assert!(
        stdout.contains("→ zendesk-tickets-to-mixpanel"),
        "every event's rules"
    );
}

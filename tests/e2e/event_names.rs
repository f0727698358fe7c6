//! `EVENT_NAMES` with the real sinks: renamed events reach Mixpanel and FullStory under the new
//! name with dedup keys of their own, an unknown Zendesk name fails init naming the entry, and
//! the Zendesk-trigger recipe of README (two example rules plus `EVENT_NAMES`) yields exactly
//! its three events.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use event_rules::{EventCheck, RuleSet};
use serde_json::Value;
use ticketbridge_cli::{FunctionProcess, RuntimeApi};
use ticketbridge_e2e::{
    FULLSTORY_KEY, MockFullStory, MockMixpanel, MockZendesk, ZENDESK_TOKEN, binary,
    deliver_over_sns, sample,
};

const TIMEOUT: Duration = Duration::from_secs(20);

/// README's recipe: the example rules and the sink's `EVENT_NAMES`.
const RECIPE_RULES: [&str; 2] = [
    "zendesk-trigger-recipe-to-mixpanel",
    "zendesk-trigger-recipe-updates-to-mixpanel",
];
const RECIPE_EVENT_NAMES: &str = "Status Changed=Ticket Updated,Comment Created=";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renamed_events_reach_mixpanel_under_the_new_name_with_insert_ids_of_their_own() {
    let mixpanel = MockMixpanel::start().await;
    let status = sample("connector/status-changed.json");
    for (names, id) in [
        (None, "default"),
        (Some("Status Changed=Ticket Updated"), "renamed"),
    ] {
        let api = RuntimeApi::start().await.unwrap();
        let settings: Vec<(&str, &str)> = names.map(|n| ("EVENT_NAMES", n)).into_iter().collect();
        let env = mixpanel.sink_env(&settings);
        let process = FunctionProcess::spawn(&binary("mixpanel-sink"), &api, &env).unwrap();
        deliver_over_sns(&api, &status, id).await;
        process.stop().await;
    }
    let held = mixpanel.deduplicated();
    let by_name: BTreeMap<&str, &Value> = held
        .iter()
        .map(|e| (e["event"].as_str().unwrap(), &e["properties"]["$insert_id"]))
        .collect();
    assert_eq!(
        by_name.keys().copied().collect::<Vec<_>>(),
        ["Ticket Status Changed", "Ticket Updated"],
        "{held:?}"
    );
    assert_ne!(
        by_name["Ticket Status Changed"], by_name["Ticket Updated"],
        "a renamed event must not fall into the old name's dedup window"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renamed_events_reach_fullstory_under_the_new_name_with_idempotency_keys_of_their_own() {
    let fullstory = MockFullStory::start().await;
    let zendesk =
        MockZendesk::start(&[(900000000101, Some("user-4242"), Some("ada@example.com"))]).await;
    let status = sample("connector/status-changed.json");
    for (names, id) in [
        (None, "default"),
        (Some("Status Changed=Ticket Updated"), "renamed"),
    ] {
        let api = RuntimeApi::start().await.unwrap();
        let mut env = vec![
            ("FULLSTORY_API_URL".to_owned(), fullstory.url()),
            ("FULLSTORY_API_KEY".to_owned(), FULLSTORY_KEY.to_owned()),
            ("ZENDESK_API_URL".to_owned(), zendesk.url()),
            ("ZENDESK_OAUTH_TOKEN".to_owned(), ZENDESK_TOKEN.to_owned()),
        ];
        if let Some(names) = names {
            env.push(("EVENT_NAMES".to_owned(), names.to_owned()));
        }
        let process = FunctionProcess::spawn(&binary("fullstory-sink"), &api, &env).unwrap();
        deliver_over_sns(&api, &status, id).await;
        process.stop().await;
    }
    let names: Vec<String> = fullstory
        .events()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["Ticket Status Changed", "Ticket Updated"]);
    let keys = fullstory.keys_seen();
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert_ne!(keys[0], keys[1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_zendesk_name_in_event_names_fails_init_naming_the_entry() {
    for sink in ["mixpanel-sink", "fullstory-sink"] {
        let api = RuntimeApi::start().await.unwrap();
        let env: Vec<(String, String)> = [
            ("DRY_RUN", "true"),
            ("FULLSTORY_API_KEY", FULLSTORY_KEY),
            ("ZENDESK_API_URL", "http://127.0.0.1:9"),
            ("ZENDESK_OAUTH_TOKEN", ZENDESK_TOKEN),
            (
                "EVENT_NAMES",
                "Ticket Created=Ticket Opened,Status Chnaged=Ticket Updated",
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let mut process = FunctionProcess::spawn(&binary(sink), &api, &env).unwrap();
        let code = tokio::time::timeout(TIMEOUT, process.wait())
            .await
            .expect("init failure exits");
        assert_eq!(code, Some(1), "{sink}");
        assert!(api.first_poll().is_none(), "{sink} asked for work");
        let reported = api
            .init_error()
            .expect("reported through /runtime/init/error");
        let message = reported["errorMessage"].as_str().unwrap();
        assert!(message.contains("EVENT_NAMES"), "{sink}: {message}");
        assert!(
            message.contains("\"Status Chnaged=Ticket Updated\""),
            "{sink}: {message}"
        );
    }
}

/// Every bus event under `events/` that README's recipe rules route to the Mixpanel sink.
fn routed_by_the_recipe() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let rules = RuleSet::load(&root.join("infra/rules")).unwrap();
    let mut routed = Vec::new();
    for folder in [
        "connector",
        "bridged",
        "routing",
        "privacy",
        "webhook-on-bus",
    ] {
        let mut files: Vec<_> = std::fs::read_dir(root.join("events").join(folder))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            if let EventCheck::Matches(matched) = rules.check(text.as_bytes())
                && matched
                    .iter()
                    .any(|r| RECIPE_RULES.contains(&r.name.as_str()))
            {
                let name = format!("{folder}/{}", file.file_name().unwrap().to_string_lossy());
                routed.push((name, text));
            }
        }
    }
    routed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_zendesk_trigger_recipe_yields_ticket_created_updated_and_responded_only() {
    let routed = routed_by_the_recipe();
    let routed_names: Vec<&str> = routed.iter().map(|(n, _)| n.as_str()).collect();
    // Status changes to open (connector/status-changed, routing/vip-ticket-closed) stay out.
    assert!(
        routed_names.contains(&"routing/ticket-solved.json"),
        "{routed_names:?}"
    );
    assert!(!routed_names.contains(&"connector/status-changed.json"));
    assert!(!routed_names.contains(&"routing/vip-ticket-closed.json"));

    let mixpanel = MockMixpanel::start().await;
    let api = RuntimeApi::start().await.unwrap();
    let env = mixpanel.sink_env(&[("EVENT_NAMES", RECIPE_EVENT_NAMES)]);
    let process = FunctionProcess::spawn(&binary("mixpanel-sink"), &api, &env).unwrap();
    for (name, event) in &routed {
        deliver_over_sns(&api, event, name).await;
    }
    process.stop().await;

    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for event in mixpanel.deduplicated() {
        *counts
            .entry(event["event"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let created = routed_names
        .iter()
        .filter(|n| n.contains("ticket-created") || n.contains("ticket.created"))
        .count();
    let comments = routed_names
        .iter()
        .filter(|n| n.contains("comment"))
        .count();
    assert_eq!(
        counts.keys().map(String::as_str).collect::<Vec<_>>(),
        ["Ticket Created", "Ticket Responded", "Ticket Updated"],
        "{counts:?} from {routed_names:?}"
    );
    assert_eq!(counts["Ticket Created"], created, "{routed_names:?}");
    assert_eq!(counts["Ticket Updated"], 1, "only the change to solved");
    assert!(
        (1..=comments).contains(&counts["Ticket Responded"]),
        "{counts:?}: public staff comments only, never a Comment Added"
    );
}

//! Personal data leaves only by name. The real `mixpanel-sink` and `fullstory-sink` binaries
//! take the `events/privacy/` samples, which carry every field Zendesk documents for ticket
//! events plus an e-mail address and a phone number in keys the model does not name (an unknown
//! key on `ticket_event`, a free-text custom field's value, CC addresses). By default none of it
//! reaches the mock destinations or the functions' output; each opt-in lets exactly its field
//! through.

use std::time::Duration;

use serde_json::{Value, json};
use ticketbridge_cli::bridge_demo::{DEMO_SECRET, bridge_env, signed_delivery};
use ticketbridge_cli::{FunctionProcess, LocalBus, Outcome, RuntimeApi};
use ticketbridge_e2e::{FULLSTORY_KEY, MockFullStory, MockMixpanel, binary, sample, sqs};

const TIMEOUT: Duration = Duration::from_secs(20);

/// What the samples hold that is personal (events/generate.py `PERSONAL`, names, free text).
const PERSONAL: &[&str] = &[
    "ada.lovelace@example.com",
    "grace.hopper@example.com",
    "7946 0958",
    "Ada Lovelace",
    "Grace Hopper",
    "Ada Example",
    "charged twice",
    "Call me on",
    "Write to",
];

/// The privacy samples as one SQS batch.
fn batch() -> String {
    sqs(&[
        (
            "p1",
            sample("privacy/connector-comment-created-everything.json"),
        ),
        (
            "p2",
            sample("privacy/connector-email-ccs-changed-addresses.json"),
        ),
        (
            "p3",
            sample("privacy/webhook-on-bus-custom-field-free-text.json"),
        ),
        // The same webhook as Zendesk sends it, unwrapped.
        ("p4", sample("privacy/webhook-custom-field-free-text.json")),
    ])
}

fn leaks(text: &str) -> Vec<&'static str> {
    PERSONAL
        .iter()
        .copied()
        .filter(|p| text.contains(p))
        .collect()
}

/// Runs mixpanel-sink with `extra` settings over the batch: (events Mixpanel holds, the
/// ticket's profile, everything the process printed).
async fn through_mixpanel(extra: &[(&str, &str)]) -> (Vec<Value>, Value, String) {
    let mixpanel = MockMixpanel::start().await;
    let mut env = vec![
        ("MIXPANEL_API_URL".to_owned(), mixpanel.url()),
        (
            "MIXPANEL_PROJECT_TOKEN".to_owned(),
            "privacy-token".to_owned(),
        ),
    ];
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let printed = sink_prints("mixpanel-sink", &env).await;
    let profile = Value::Object(mixpanel.profile("48213").unwrap_or_default());
    (mixpanel.received(), profile, printed)
}

/// Runs the sink `name` with `env` over the batch, checks that every record was acknowledged,
/// and returns everything it printed.
async fn sink_prints(name: &str, env: &[(String, String)]) -> String {
    let api = RuntimeApi::start().await.unwrap();
    let process = FunctionProcess::spawn(&binary(name), &api, env).unwrap();
    assert_eq!(
        api.invoke(batch(), TIMEOUT).await,
        Some(Outcome::Response(json!({"batchItemFailures": []})))
    );
    let mut printed = process.stdout_up_to_now().await;
    printed.extend(process.stderr_up_to_now().await);
    process.stop().await;
    printed.join("\n")
}

/// Runs fullstory-sink (every event type, uid = requester id) with `extra` settings over the
/// batch: (events FullStory holds, everything the process printed).
async fn through_fullstory(extra: &[(&str, &str)]) -> (Vec<Value>, String) {
    let fullstory = MockFullStory::start().await;
    let mut env = vec![
        ("FULLSTORY_API_URL".to_owned(), fullstory.url()),
        ("FULLSTORY_API_KEY".to_owned(), FULLSTORY_KEY.to_owned()),
        ("FULLSTORY_USER_ID".to_owned(), "requester_id".to_owned()),
        ("ZENDESK_EVENT_TYPES".to_owned(), "all".to_owned()),
    ];
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let printed = sink_prints("fullstory-sink", &env).await;
    (fullstory.events(), printed)
}

/// The events' properties without `key` (the one an opt-in let through), as text.
fn without(events: &[Value], key: &str) -> String {
    let rest: Vec<Value> = events
        .iter()
        .map(|e| {
            let mut p = e["properties"].clone();
            p.as_object_mut().unwrap().remove(key);
            p
        })
        .collect();
    format!("{rest:?}")
}

fn named<'a>(events: &'a [Value], name: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["event"] == name || e["name"] == name)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_personal_reaches_mixpanel_fullstory_or_the_logs_by_default() {
    let (events, profile, printed) = through_mixpanel(&[]).await;
    assert_eq!(events.len(), 4, "every sample delivered: {events:?}");
    let sent = format!("{events:?} {profile}");
    assert_eq!(
        leaks(&sent),
        Vec::<&str>::new(),
        "Mixpanel holds personal data"
    );
    assert_eq!(
        leaks(&printed),
        Vec::<&str>::new(),
        "mixpanel-sink printed personal data"
    );
    // CCs leave as ids only.
    let ccs = &named(&events, "Ticket Email CCs Changed")[0]["properties"];
    assert_eq!(ccs["previous"], json!([900000000404u64]));
    assert_eq!(ccs["current"], json!([900000000405u64, 900000000406u64]));
    for event in &events {
        let p = &event["properties"];
        for unnamed in [
            "requester_email",
            "callback",
            "email_ccs",
            "requester_phone",
        ] {
            assert!(p.get(unnamed).is_none(), "{unnamed} left: {p}");
        }
    }

    let (events, printed) = through_fullstory(&[]).await;
    // The bus copy and the webhook share one key: FullStory holds them once.
    assert_eq!(events.len(), 3, "every sample delivered: {events:?}");
    assert_eq!(
        leaks(&format!("{events:?}")),
        Vec::<&str>::new(),
        "FullStory holds personal data"
    );
    assert_eq!(
        leaks(&printed),
        Vec::<&str>::new(),
        "fullstory-sink printed personal data"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_opt_in_lets_exactly_its_field_through() {
    // CUSTOM_FIELD_VALUES: that field's value, nothing else.
    let (events, _, _) = through_mixpanel(&[("CUSTOM_FIELD_VALUES", "360000009999")]).await;
    let changed = named(&events, "Ticket Custom Field Changed");
    assert_eq!(changed.len(), 2, "on the bus and as sent");
    for event in &changed {
        let current = event["properties"]["current"].to_string();
        assert!(current.contains("7946 0958"), "{current}");
    }
    assert_eq!(leaks(&without(&events, "current")), Vec::<&str>::new());
    // Another field id lets nothing through.
    let (events, _, _) = through_mixpanel(&[("CUSTOM_FIELD_VALUES", "360000001234")]).await;
    assert_eq!(leaks(&format!("{events:?}")), Vec::<&str>::new());

    // EXTRA_PROPERTIES: the named key as sent, and no other unnamed key.
    let (events, _, _) = through_mixpanel(&[("EXTRA_PROPERTIES", "requester_email")]).await;
    let comment = &named(&events, "Ticket Comment Added")[0]["properties"];
    assert_eq!(comment["requester_email"], "ada.lovelace@example.com");
    assert!(comment.get("callback").is_none());
    assert_eq!(
        leaks(&without(&events, "requester_email")),
        Vec::<&str>::new()
    );

    // INCLUDE_SUBJECT and INCLUDE_COMMENT_BODY: subjects, then bodies and descriptions.
    let (events, _, _) = through_mixpanel(&[("INCLUDE_SUBJECT", "true")]).await;
    let comment = &named(&events, "Ticket Comment Added")[0]["properties"];
    assert_eq!(comment["subject"], "Call me on +44 20 7946 0958");
    assert!(comment.get("comment_body").is_none() && comment.get("description").is_none());
    let (events, _, _) = through_mixpanel(&[("INCLUDE_COMMENT_BODY", "true")]).await;
    let comment = &named(&events, "Ticket Comment Added")[0]["properties"];
    assert_eq!(comment["comment_body"], "I was charged twice this month.");
    assert_eq!(comment["description"], "Write to ada.lovelace@example.com");
    assert!(comment.get("subject").is_none() && comment.get("requester_email").is_none());

    // FullStory reads the same settings.
    let (events, _) = through_fullstory(&[("EXTRA_PROPERTIES", "requester_email")]).await;
    let comment = &named(&events, "Ticket Comment Added")[0]["properties"];
    assert_eq!(comment["requester_email"], "ada.lovelace@example.com");
}

/// A user webhook carrying personal data (e-mail, name, phone, notes).
fn user_webhook() -> String {
    json!({
        "account_id": 4410022, "id": "7b1d2c3e-1111-4a2b-9c3d-000000000001",
        "type": "zen:event-type:user.role_changed", "subject": "zen:user:900000000101",
        "time": "2026-03-10T15:00:00.123456789Z", "zendesk_event_version": "2022-06-20",
        "detail": {"id": "900000000101", "role": "AGENT", "email": "ada.lovelace@example.com",
                   "name": "Ada Lovelace", "phone": "+44 20 7946 0958", "notes": "Call me on weekends",
                   "organization_id": "360000000777", "locale": "en-GB", "time_zone": "London"},
        "event": {"previous": "END_USER", "current": "AGENT"}
    })
    .to_string()
}

/// Runs webhook-bridge with `extra` settings on signed deliveries of the privacy webhooks:
/// (what the bus holds, everything the bridge printed).
async fn through_the_bridge(extra: &[(&str, &str)]) -> (String, String) {
    let bus = LocalBus::start().await.unwrap();
    let mut env = bridge_env(&bus);
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let api = RuntimeApi::start().await.unwrap();
    let bridge = FunctionProcess::spawn(&binary("webhook-bridge"), &api, &env).unwrap();
    for body in [
        sample("privacy/webhook-custom-field-free-text.json"),
        sample("webhook/ticket.comment_added.json"),
        sample("webhook/ticket.attachment_linked_to_comment.json"),
        user_webhook(),
    ] {
        let answer = api
            .invoke(signed_delivery(body.as_bytes(), DEMO_SECRET), TIMEOUT)
            .await;
        assert!(
            matches!(&answer, Some(Outcome::Response(r)) if r["statusCode"] == 200),
            "{answer:?}"
        );
    }
    let mut printed = bridge.stdout_up_to_now().await;
    printed.extend(bridge.stderr_up_to_now().await);
    bridge.stop().await;
    assert_eq!(bus.events().len(), 4);
    (format!("{:?}", bus.events()), printed.join("\n"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_personal_reaches_the_bus_by_default() {
    let (bus, printed) = through_the_bridge(&[]).await;
    let mut personal = PERSONAL.to_vec();
    personal.extend([
        "Refund issued",
        "Sam Agent",
        "invoice.pdf",
        "Double charge",
        "weekends",
    ]);
    for p in &personal {
        assert!(!bus.contains(p), "the bus holds {p:?}: {bus}");
        assert!(!printed.contains(p), "webhook-bridge printed {p:?}");
    }
    // What is not personal still goes: ids, the role change, the custom field's id and title.
    for kept in [
        "\"role\": String(\"agent\")",
        "360000009999",
        "Callback number",
        "AGENT",
    ] {
        assert!(bus.contains(kept), "{kept} is missing: {bus}");
    }

    // Each opt-in lets exactly its field through.
    let (bus, _) = through_the_bridge(&[("INCLUDE_EMAIL", "true")]).await;
    assert!(bus.contains("ada.lovelace@example.com") && !bus.contains("Ada Lovelace"));
    assert!(!bus.contains("7946 0958"));
    let (bus, _) = through_the_bridge(&[("INCLUDE_USER_NAME", "true")]).await;
    assert!(bus.contains("Ada Lovelace") && !bus.contains("ada.lovelace@example.com"));
    let (bus, _) = through_the_bridge(&[("INCLUDE_COMMENT_BODY", "true")]).await;
    assert!(bus.contains("Refund issued") && !bus.contains("Double charge"));
    let (bus, _) = through_the_bridge(&[("CUSTOM_FIELD_VALUES", "360000009999")]).await;
    assert!(bus.contains("7946 0958") && !bus.contains("Ada Lovelace"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_personal_reaches_the_ticket_store_by_default() {
    // DRY_RUN prints every write ticket-store would make, in full.
    let env = vec![("DRY_RUN".to_owned(), "true".to_owned())];
    let printed = sink_prints("ticket-store", &env).await;
    assert!(
        printed.contains("dynamodb://"),
        "the writes were printed: {printed}"
    );
    assert_eq!(leaks(&printed), Vec::<&str>::new(), "{printed}");
    assert!(!printed.contains("\"external_id\""), "{printed}");
    // With INCLUDE_SUBJECT the subject is stored, and still no description.
    let env = vec![
        ("DRY_RUN".to_owned(), "true".to_owned()),
        ("INCLUDE_SUBJECT".to_owned(), "true".to_owned()),
    ];
    let printed = sink_prints("ticket-store", &env).await;
    assert!(printed.contains("\"subject\""), "{printed}");
    assert!(!printed.contains("\"description\""), "{printed}");
}

//! The live path end to end with real binaries: signed Zendesk webhooks (one delivered twice,
//! one forged, one met by a failing bus) through `webhook-bridge` to a local EventBridge; what
//! the bus accepted, delivered as SNS would (twice, as SNS may), through `mixpanel-sink` to a
//! deduplicating mock Mixpanel, which ends up with exactly one event per Zendesk event.

use std::time::Duration;

use serde_json::{Value, json};
use ticketbridge_cli::bridge_demo::{DEMO_SECRET, bridge_env, signed_delivery};
use ticketbridge_cli::{FunctionProcess, LocalBus, Outcome, RuntimeApi, sns_event};
use ticketbridge_e2e::{MockMixpanel, binary, sample};

const TIMEOUT: Duration = Duration::from_secs(20);

fn status(outcome: Option<Outcome>) -> u64 {
    match outcome {
        Some(Outcome::Response(answer)) => answer["statusCode"].as_u64().unwrap(),
        other => panic!("no HTTP answer: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_reach_mixpanel_exactly_once() {
    let bus = LocalBus::start().await.unwrap();
    let api = RuntimeApi::start().await.unwrap();
    let bridge =
        FunctionProcess::spawn(&binary("webhook-bridge"), &api, &bridge_env(&bus)).unwrap();

    let created = sample("webhook/ticket.created.json");
    let comment = sample("webhook/ticket.comment_added.json");
    let solved = sample("webhook/ticket.status_changed.json");
    let delivery = |body: &str| signed_delivery(body.as_bytes(), DEMO_SECRET);

    assert_eq!(status(api.invoke(delivery(&created), TIMEOUT).await), 200);
    // Zendesk delivers the same event again.
    assert_eq!(status(api.invoke(delivery(&created), TIMEOUT).await), 200);
    // A forged delivery publishes nothing.
    let forged = signed_delivery(comment.as_bytes(), "not-the-secret");
    assert_eq!(status(api.invoke(forged, TIMEOUT).await), 401);
    // The bus fails the entry once; the bridge retries and answers 200 only after acceptance.
    bus.fail_next_entries(1);
    assert_eq!(status(api.invoke(delivery(&comment), TIMEOUT).await), 200);
    assert_eq!(status(api.invoke(delivery(&solved), TIMEOUT).await), 200);
    let stderr = bridge.stderr_up_to_now().await.join("\n");
    assert!(!stderr.contains(DEMO_SECRET), "the secret is never logged");
    assert!(
        !stderr.contains("Refund issued"),
        "comment bodies are never logged"
    );
    bridge.stop().await;

    let events = bus.events();
    assert_eq!(events.len(), 4, "created twice, comment, status");
    assert!(events.iter().all(|e| e["source"] == "ticketbridge.zendesk"));

    let mixpanel = MockMixpanel::start().await;
    let sink_api = RuntimeApi::start().await.unwrap();
    let env: Vec<(String, String)> = [
        ("MIXPANEL_API_URL", mixpanel.url()),
        ("MIXPANEL_PROJECT_TOKEN", "e2e-token".to_owned()),
        ("RETRY_INITIAL_BACKOFF_MS", "20".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let sink = FunctionProcess::spawn(&binary("mixpanel-sink"), &sink_api, &env).unwrap();
    let sns = sns_event(&events).to_string();
    for _ in 0..2 {
        assert_eq!(
            sink_api.invoke(sns.clone(), TIMEOUT).await,
            Some(Outcome::Response(json!({"records": 4})))
        );
    }
    sink.stop().await;

    let kept = mixpanel.deduplicated();
    let mut names: Vec<&str> = kept.iter().map(|e| e["event"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "Ticket Comment Added",
            "Ticket Created",
            "Ticket Responded",
            "Ticket Status Changed"
        ],
        "one event per Zendesk event (plus the derived response)"
    );
    assert!(
        mixpanel.received().len() > kept.len(),
        "duplicates did reach Mixpanel, and were deduplicated there"
    );
    let ids: Vec<&Value> = kept
        .iter()
        .map(|e| &e["properties"]["$insert_id"])
        .collect();
    assert!(
        ids.iter()
            .all(|id| id.as_str().is_some_and(|s| s.len() == 32))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bridge_without_configuration_fails_init_naming_the_variable() {
    let api = RuntimeApi::start().await.unwrap();
    let env = vec![("EVENT_BUS_NAME".to_owned(), "b".to_owned())];
    let bridge = FunctionProcess::spawn(&binary("webhook-bridge"), &api, &env).unwrap();
    let error = tokio::time::timeout(TIMEOUT, async {
        loop {
            if let Some(error) = api.init_error() {
                return error;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap();
    assert_eq!(error["errorType"], "Runtime.ConfigurationError");
    assert!(
        error["errorMessage"]
            .as_str()
            .unwrap()
            .contains("ZENDESK_WEBHOOK_SECRETS")
    );
    bridge.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_unsigned_requests_is_counted_not_logged_one_by_one() {
    let bus = LocalBus::start().await.unwrap();
    let api = RuntimeApi::start().await.unwrap();
    let mut env = bridge_env(&bus);
    env.push(("REFUSAL_LOG_INTERVAL_SECONDS".into(), "1".into()));
    let bridge = FunctionProcess::spawn(&binary("webhook-bridge"), &api, &env).unwrap();
    let webhook = sample("webhook/ticket.created.json");
    let forged = signed_delivery(webhook.as_bytes(), "not-the-secret");
    let unsigned = String::from_utf8(signed_delivery(webhook.as_bytes(), DEMO_SECRET))
        .unwrap()
        .replace("x-zendesk-webhook-signature", "x-nothing");
    let started = std::time::Instant::now();
    let mut sent = 0;
    while started.elapsed() < Duration::from_millis(700) && sent < 2000 {
        let payload = if sent % 2 == 0 {
            forged.clone()
        } else {
            unsigned.clone().into_bytes()
        };
        assert_eq!(status(api.invoke(payload, TIMEOUT).await), 401);
        sent += 1;
    }
    assert!(sent > 100, "{sent} requests");
    let during = bridge.stderr_up_to_now().await;
    assert!(
        during.len() <= 4,
        "{sent} refusals printed {} lines: {during:?}",
        during.len()
    );
    assert!(during.iter().all(|l| !l.contains("CloudWatchMetrics")));
    // After the window, the next request brings one summary line and one EMF line.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(status(api.invoke(forged.clone(), TIMEOUT).await), 401);
    let after = bridge.stderr_up_to_now().await;
    let emf: Vec<Value> = after
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v.get("_aws").is_some())
        .collect();
    assert_eq!(emf.len(), 1, "{after:?}");
    assert_eq!(emf[0]["Rejected"].as_u64(), Some(sent + 1));
    assert!(bus.events().is_empty(), "nothing published");
    bridge.stop().await;
}

//! No configured secret appears in anything a function prints or answers. Every binary runs
//! under the Runtime API emulator, live against the mocks and in DRY_RUN where it has one,
//! with distinctive secret values, on good and bad input; its stdout, stderr, answers and
//! errors are searched for every secret.

use std::time::Duration;

use serde_json::json;
use ticketbridge_cli::bridge_demo::signed_delivery;
use ticketbridge_cli::{FunctionProcess, LocalBus, RuntimeApi, sns_event};
use ticketbridge_e2e::{
    EventSource, FULLSTORY_KEY, MockFullStory, MockMixpanel, MockZendesk, MockZendeskExports,
    ZENDESK_TOKEN, binary, sample, sns,
};

const TIMEOUT: Duration = Duration::from_secs(30);

const MIXPANEL_TOKEN: &str = "mp-token-SECRET-7f3a19";
const MIXPANEL_SA_SECRET: &str = "mp-sa-SECRET-c0ffee42";
const ZENDESK_WEBHOOK_SECRET: &str = "zd-webhook-SECRET-91c2d7";
const INTERCOM_SECRET: &str = "ic-webhook-SECRET-55ab03";

/// Every secret the tests configure, the mocks' own included.
const SECRETS: &[&str] = &[
    MIXPANEL_TOKEN,
    MIXPANEL_SA_SECRET,
    ZENDESK_WEBHOOK_SECRET,
    INTERCOM_SECRET,
    FULLSTORY_KEY,
    ZENDESK_TOKEN,
];

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Runs `binary` with `env`, invokes it with each payload, and returns everything it printed
/// and answered.
async fn printed_by(binary_name: &str, env: &[(String, String)], payloads: &[Vec<u8>]) -> String {
    let api = RuntimeApi::start().await.unwrap();
    let mut process = FunctionProcess::spawn(&binary(binary_name), &api, env).unwrap();
    let mut out = Vec::new();
    for payload in payloads {
        out.push(format!("{:?}", api.invoke(payload.clone(), TIMEOUT).await));
    }
    if payloads.is_empty() {
        // An init failure: wait for the function to report it and exit.
        let waited = tokio::time::Instant::now();
        while api.init_error().is_none() && waited.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        process.wait().await;
    }
    out.push(format!("{:?}", api.init_error()));
    out.extend(process.stdout_up_to_now().await);
    out.extend(process.stderr_up_to_now().await);
    process.stop().await;
    out.join("\n")
}

fn assert_no_secret(what: &str, printed: &str) {
    for secret in SECRETS {
        assert!(!printed.contains(secret), "{what} printed {secret:?}");
    }
}

fn sink_inputs() -> Vec<Vec<u8>> {
    vec![
        sample("wrapped/sqs-raw.json").into_bytes(),
        sample("malformed/sqs-with-bad-records.json").into_bytes(),
        sns(&sample("webhook/ticket.comment_added.json"), "s-1").into_bytes(),
        sample("malformed/not-a-zendesk-event.json").into_bytes(),
        b"not json".to_vec(),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixpanel_sink_never_prints_its_secrets() {
    let mixpanel = MockMixpanel::start().await;
    let mut env = pairs(&[
        ("MIXPANEL_PROJECT_TOKEN", MIXPANEL_TOKEN),
        ("MIXPANEL_SERVICE_ACCOUNT_USERNAME", "sa-user"),
        ("MIXPANEL_SERVICE_ACCOUNT_SECRET", MIXPANEL_SA_SECRET),
        ("MIXPANEL_PROJECT_ID", "42"),
        ("RETRY_INITIAL_BACKOFF_MS", "10"),
    ]);
    env.push(("MIXPANEL_API_URL".into(), mixpanel.url()));
    // Live: accepted, then refused as misconfigured (401), then a batch-wide 400.
    mixpanel.inject_import_faults_after(1, &[401, 400]);
    let live = printed_by("mixpanel-sink", &env, &sink_inputs()).await;
    assert!(live.contains("batchItemFailures"), "{live}");
    assert_no_secret("mixpanel-sink", &live);

    env.push(("DRY_RUN".into(), "true".into()));
    let dry = printed_by("mixpanel-sink", &env, &sink_inputs()).await;
    assert!(dry.contains("/engage") && dry.contains("$token"), "{dry}");
    assert_no_secret("mixpanel-sink (DRY_RUN)", &dry);

    // An init failure next to the secrets names the variable, not the values.
    let mut bad = env.clone();
    bad.push(("MIXPANEL_REGION".into(), "mars".into()));
    bad.retain(|(k, _)| k != "MIXPANEL_API_URL");
    let init = printed_by("mixpanel-sink", &bad, &[]).await;
    assert!(init.contains("MIXPANEL_REGION"), "{init}");
    assert_no_secret("mixpanel-sink (init error)", &init);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fullstory_sink_never_prints_its_secrets() {
    let fullstory = MockFullStory::start().await;
    let zendesk =
        MockZendesk::start(&[(900000000101, Some("user-4242"), Some("ada@example.com"))]).await;
    let mut env = pairs(&[
        ("FULLSTORY_API_KEY", FULLSTORY_KEY),
        ("ZENDESK_OAUTH_TOKEN", ZENDESK_TOKEN),
        ("RETRY_INITIAL_BACKOFF_MS", "10"),
        ("ZENDESK_EVENT_TYPES", "all"),
    ]);
    env.push(("FULLSTORY_API_URL".into(), fullstory.url()));
    env.push(("ZENDESK_API_URL".into(), zendesk.url()));
    fullstory.inject_faults(&[401]);
    zendesk.inject_faults(&[401]);
    let live = printed_by("fullstory-sink", &env, &sink_inputs()).await;
    assert!(!fullstory.events().is_empty(), "{live}");
    assert_no_secret("fullstory-sink", &live);

    env.push(("DRY_RUN".into(), "true".into()));
    let dry = printed_by("fullstory-sink", &env, &sink_inputs()).await;
    assert!(dry.contains("/v2/events"), "{dry}");
    assert_no_secret("fullstory-sink (DRY_RUN)", &dry);

    let mut bad = env.clone();
    bad.push(("FULLSTORY_CONCURRENCY".into(), "0".into()));
    let init = printed_by("fullstory-sink", &bad, &[]).await;
    assert!(init.contains("FULLSTORY_CONCURRENCY"), "{init}");
    assert_no_secret("fullstory-sink (init error)", &init);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_bridge_never_prints_its_secrets() {
    let bus = LocalBus::start().await.unwrap();
    let env = pairs(&[
        (
            "ZENDESK_WEBHOOK_SECRETS",
            &format!("{ZENDESK_WEBHOOK_SECRET},old-SECRET-x"),
        ),
        ("INTERCOM_WEBHOOK_SECRET", INTERCOM_SECRET),
        ("EVENT_BUS_NAME", "ticketbridge-secrets"),
        ("AWS_ENDPOINT_URL_EVENTBRIDGE", &bus.url()),
        ("AWS_ACCESS_KEY_ID", "local"),
        ("AWS_SECRET_ACCESS_KEY", "local"),
        ("RETRY_INITIAL_BACKOFF_MS", "10"),
    ]);
    let webhook = sample("webhook/ticket.comment_added.json");
    let payloads = vec![
        signed_delivery(webhook.as_bytes(), ZENDESK_WEBHOOK_SECRET),
        signed_delivery(webhook.as_bytes(), "forged"),
        signed_delivery(b"{\"not\": \"a webhook\"}", ZENDESK_WEBHOOK_SECRET),
        signed_delivery(b"not json", ZENDESK_WEBHOOK_SECRET),
        b"{}".to_vec(),
    ];
    bus.fail_next_entries(1);
    let printed = printed_by("webhook-bridge", &env, &payloads).await;
    assert_eq!(bus.events().len(), 1, "{printed}");
    assert_no_secret("webhook-bridge", &printed);

    let mut bad = env.clone();
    bad.push(("EVENT_SOURCE".into(), "aws.zendesk".into()));
    let init = printed_by("webhook-bridge", &bad, &[]).await;
    assert!(init.contains("EVENT_SOURCE"), "{init}");
    assert_no_secret("webhook-bridge (init error)", &init);
    // What reached the bus carries no secret either.
    assert_no_secret("the bus", &sns_event(&bus.events()).to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_metrics_never_prints_its_secrets() {
    let page: serde_json::Value =
        serde_json::from_str(&sample("zendesk-api/ticket-export-page.json")).unwrap();
    let tickets = page["tickets"].as_array().unwrap().clone();
    let zendesk = MockZendeskExports::start(EventSource::Fixed(vec![]), tickets, 2).await;
    let mixpanel = MockMixpanel::start().await;
    let mut env = pairs(&[
        ("ZENDESK_OAUTH_TOKEN", ZENDESK_TOKEN),
        ("MIXPANEL_PROJECT_TOKEN", MIXPANEL_TOKEN),
        ("ZENDESK_EXPORT_REQUESTS_PER_MINUTE", "600"),
        ("LOOKBACK_HOURS", "8784"),
        ("RETRY_INITIAL_BACKOFF_MS", "10"),
        ("REQUEST_TIMEOUT_MS", "2000"),
    ]);
    env.push(("ZENDESK_API_URL".into(), zendesk.url()));
    env.push(("MIXPANEL_API_URL".into(), mixpanel.url()));
    let inputs = vec![
        b"{}".to_vec(),
        json!({"detail-type": "Support Ticket: Ticket Created"})
            .to_string()
            .into_bytes(),
    ];
    let live = printed_by("ticket-metrics", &env, &inputs).await;
    assert!(live.contains("summary"), "{live}");
    // A run Mixpanel refuses.
    mixpanel.inject_import_faults(&[400; 16]);
    let refused = printed_by("ticket-metrics", &env, &inputs[..1]).await;
    assert!(refused.contains("HTTP 400"), "{refused}");
    env.push(("DRY_RUN".into(), "true".into()));
    let dry = printed_by("ticket-metrics", &env, &inputs).await;
    assert!(dry.contains("/engage"), "{dry}");
    for (what, printed) in [
        ("ticket-metrics", &live),
        ("ticket-metrics (refused)", &refused),
        ("ticket-metrics (DRY_RUN)", &dry),
    ] {
        assert_no_secret(what, printed);
    }
}

//! The real `mixpanel-sink` binary, run the way Lambda runs it (a Runtime API emulator), against
//! a mock Mixpanel: SNS and SQS inputs, duplicate deliveries, injected faults, bad input, bad
//! config. Asserts what Mixpanel ends up holding after dedup.

use std::time::Duration;

use serde_json::{Value, json};
use ticketbridge_cli::{FunctionProcess, Outcome, RuntimeApi};
use ticketbridge_e2e::{MockMixpanel, binary, sample, sns, sqs};

const TIMEOUT: Duration = Duration::from_secs(20);

fn env(mixpanel: &MockMixpanel) -> Vec<(String, String)> {
    [
        ("MIXPANEL_API_URL", mixpanel.url()),
        ("MIXPANEL_PROJECT_TOKEN", "e2e-token".to_owned()),
        ("RETRY_INITIAL_BACKOFF_MS", "20".to_owned()),
        ("RETRY_MAX_BACKOFF_MS", "100".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

fn sns_notification(message: &str) -> String {
    json!({"Type": "Notification", "MessageId": "n-1", "Message": message}).to_string()
}

fn names(events: &[Value]) -> Vec<String> {
    let mut n: Vec<String> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_owned())
        .collect();
    n.sort();
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicates_and_faults_leave_exactly_one_event_per_zendesk_event() {
    let mixpanel = MockMixpanel::start().await;
    let api = RuntimeApi::start().await.unwrap();
    let process = FunctionProcess::spawn(&binary("mixpanel-sink"), &api, &env(&mixpanel)).unwrap();

    let status = sample("connector/status-changed.json");
    let comment = sample("webhook/ticket.comment_added.json");
    let created = sample("connector/ticket-created.json");
    let on_bus = sample("webhook-on-bus/ticket.comment_added.json");

    // SNS, then the same event again as a duplicate SNS delivery.
    assert_eq!(
        api.invoke(sns(&status, "sns-a"), TIMEOUT).await,
        Some(Outcome::Response(json!({"records": 1})))
    );
    assert_eq!(
        api.invoke(sns(&status, "sns-b"), TIMEOUT).await,
        Some(Outcome::Response(json!({"records": 1})))
    );

    // SQS with raw and SNS-wrapped bodies, Mixpanel failing first (503, then 429).
    mixpanel.inject_import_faults(&[503, 429]);
    let batch = sqs(&[
        ("q1", created.clone()),
        ("q2", sns_notification(&comment)),
        ("q3", status.clone()),
    ]);
    assert_eq!(
        api.invoke(batch, TIMEOUT).await,
        Some(Outcome::Response(json!({"batchItemFailures": []})))
    );

    // The webhook published on a bus: the same Zendesk event as `comment`, another envelope.
    assert_eq!(
        api.invoke(sns(&on_bus, "sns-c"), TIMEOUT).await,
        Some(Outcome::Response(json!({"records": 1})))
    );

    let received = mixpanel.received();
    let kept = mixpanel.deduplicated();
    assert!(
        received.len() > kept.len(),
        "duplicates did reach Mixpanel ({} vs {})",
        received.len(),
        kept.len()
    );
    assert_eq!(
        names(&kept),
        [
            "Ticket Comment Added",
            "Ticket Created",
            "Ticket Responded",
            "Ticket Status Changed"
        ]
    );
    assert!(mixpanel.import_requests() >= 6, "faults were retried");
    let profile = mixpanel.profile("48213").expect("the ticket's profile");
    assert_eq!(profile["status"], "open");
    process.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_named_and_the_process_keeps_serving() {
    let mixpanel = MockMixpanel::start().await;
    let api = RuntimeApi::start().await.unwrap();
    let process = FunctionProcess::spawn(&binary("mixpanel-sink"), &api, &env(&mixpanel)).unwrap();

    // Not JSON at all: the runtime refuses it; the process survives.
    assert!(matches!(
        api.invoke("this is not json", TIMEOUT).await,
        Some(Outcome::Error { .. })
    ));

    // SNS with a field of the wrong type: the error names the record and the JSON path.
    let bad = sample("malformed/connector-bad-ticket-id.json");
    match api.invoke(sns(&bad, "sns-bad"), TIMEOUT).await {
        Some(Outcome::Error { error_message, .. }) => {
            assert!(
                error_message.contains("record 0 (sns-bad)"),
                "{error_message}"
            );
            assert!(
                error_message
                    .contains("$.Records[0].Sns.Message → $.detail.ticket_event.ticket.id"),
                "{error_message}"
            );
        }
        other => panic!("{other:?}"),
    }

    // SQS: only the bad records are reported; the good one is delivered.
    match api
        .invoke(sample("malformed/sqs-with-bad-records.json"), TIMEOUT)
        .await
    {
        Some(Outcome::Response(answer)) => {
            assert_eq!(answer["batchItemFailures"].as_array().unwrap().len(), 2)
        }
        other => panic!("{other:?}"),
    }

    // And the next invocation is served normally.
    let ok = sample("wrapped/sns-webhook-comment-added.json");
    assert_eq!(
        api.invoke(ok, TIMEOUT).await,
        Some(Outcome::Response(json!({"records": 1})))
    );
    assert_eq!(
        names(&mixpanel.deduplicated()),
        ["Ticket Comment Added", "Ticket Created", "Ticket Responded"]
    );
    let logs = process.stderr_up_to_now().await.join("\n");
    assert!(
        !logs.contains("Refund issued"),
        "comment bodies never reach the logs"
    );
    process.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixpanel_down_until_the_deadline_sends_records_back_to_lambda() {
    let mixpanel = MockMixpanel::start().await;
    mixpanel.inject_import_faults(&[503; 1000]);
    let api = RuntimeApi::start().await.unwrap();
    let mut vars = env(&mixpanel);
    vars.push(("RETRY_MAX_ATTEMPTS".into(), "100".into()));
    let process = FunctionProcess::spawn(&binary("mixpanel-sink"), &api, &vars).unwrap();
    let batch = sqs(&[("q1", sample("connector/ticket-created.json"))]);
    let started = std::time::Instant::now();
    let outcome = api.invoke(batch, Duration::from_secs(3)).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "answered before the Lambda deadline"
    );
    assert_eq!(
        outcome,
        Some(Outcome::Response(
            json!({"batchItemFailures": [{"itemIdentifier": "q1"}]})
        ))
    );
    assert!(mixpanel.received().is_empty());
    let logs = process.stderr_up_to_now().await.join("\n");
    assert!(
        logs.contains("\"RecordsFailed\":1"),
        "EMF metrics report the failure: {logs}"
    );
    process.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_setting_fails_init_naming_the_variable() {
    let api = RuntimeApi::start().await.unwrap();
    let mut process = FunctionProcess::spawn(&binary("mixpanel-sink"), &api, &[]).unwrap();
    let code = tokio::time::timeout(TIMEOUT, process.wait())
        .await
        .expect("init failure exits");
    assert_eq!(code, Some(1));
    let stderr = process.stderr_up_to_now().await.join("\n");
    assert!(stderr.contains("MIXPANEL_PROJECT_TOKEN"), "{stderr}");
    assert!(api.first_poll().is_none(), "it never asked for work");
    let reported = api
        .init_error()
        .expect("reported through /runtime/init/error");
    assert_eq!(reported["errorType"], "Runtime.ConfigurationError");
    assert!(
        reported["errorMessage"]
            .as_str()
            .unwrap()
            .contains("MIXPANEL_PROJECT_TOKEN")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_later_event_without_tags_leaves_the_profiles_tags_as_they_are() {
    let mixpanel = MockMixpanel::start().await;
    let api = RuntimeApi::start().await.unwrap();
    let process = FunctionProcess::spawn(&binary("mixpanel-sink"), &api, &env(&mixpanel)).unwrap();
    // Ticket 48213 is created with tags; a later status change arrives whose snapshot has
    // `tags: null` (Zendesk's webhooks send that).
    for (file, id) in [
        ("connector/ticket-created.json", "a"),
        ("webhook/ticket.status_changed.json", "b"),
    ] {
        assert_eq!(
            api.invoke(sns(&sample(file), id), TIMEOUT).await,
            Some(Outcome::Response(json!({"records": 1})))
        );
    }
    let profile = mixpanel.profile("48213").unwrap();
    assert_eq!(profile["tags"], json!(["billing"]), "{profile:?}");
    assert_eq!(profile["status"], "open", "the newer state did arrive");
    process.stop().await;
}

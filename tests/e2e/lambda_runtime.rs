//! The functions on `lambda_runtime`, seen from outside: what each log line says about its
//! invocation, what Lambda is told when a handler panics, several invocations served at once
//! (Lambda Managed Instances), and what a SIGTERM leaves in the logs.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use ticketbridge_cli::bridge_demo::{bridge_env, signed_delivery};
use ticketbridge_cli::emulator::trace_id;
use ticketbridge_cli::{FunctionProcess, LocalBus, Outcome, RuntimeApi};
use ticketbridge_e2e::{MockMixpanel, binary, sample, sqs};

const TIMEOUT: Duration = Duration::from_secs(20);

fn env(mixpanel: &MockMixpanel, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env = vec![
        ("MIXPANEL_API_URL".to_owned(), mixpanel.url()),
        ("MIXPANEL_PROJECT_TOKEN".to_owned(), "e2e-token".to_owned()),
        ("RETRY_INITIAL_BACKOFF_MS".to_owned(), "20".to_owned()),
    ];
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    env
}

/// An SQS batch of a good record, an undecodable one, and a second good one.
fn batch_with_a_bad_record() -> String {
    sqs(&[
        ("m-good", sample("connector/status-changed.json")),
        ("m-bad", "{\"detail-type\": 3}".to_owned()),
        ("m-good-2", sample("connector/ticket-created.json")),
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_log_line_of_an_invocation_carries_its_request_id_and_xray_trace_id() {
    let mixpanel = MockMixpanel::start().await;
    let api = RuntimeApi::start().await.unwrap();
    let process =
        FunctionProcess::spawn(&binary("mixpanel-sink"), &api, &env(&mixpanel, &[])).unwrap();
    let _ = process.stderr_up_to_now().await;
    // Mixpanel fails the first request, so the invocation also logs a retry.
    mixpanel.inject_import_faults(&[503]);
    let id = api.next_request_id();
    let outcome = api.invoke_as(&id, batch_with_a_bad_record(), TIMEOUT).await;
    assert_eq!(
        outcome,
        Some(Outcome::Response(
            json!({"batchItemFailures": [{"itemIdentifier": "m-bad"}]})
        ))
    );
    let lines = process.stderr_up_to_now().await;
    process.stop().await;
    assert!(
        lines.len() >= 3,
        "a warning, the summary, the EMF line: {lines:#?}"
    );
    for line in &lines {
        let value: Value =
            serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}"));
        let (request, trace) = match value.get("span") {
            Some(span) => (&span["requestId"], &span["xrayTraceId"]),
            None => (&value["requestId"], &value["xrayTraceId"]),
        };
        assert_eq!(request, &json!(id), "{line}");
        if value.get("_aws").is_none() {
            assert_eq!(trace, &json!(trace_id(&id)), "{line}");
        }
    }
    assert!(
        lines
            .iter()
            .any(|l| l.contains("bad input") && l.contains("m-bad")),
        "the bad record is named: {lines:#?}"
    );
    assert!(lines.iter().any(|l| l.contains("\"_aws\"")), "an EMF line");
    assert!(lines.iter().any(|l| l.contains("invocation summary")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_logs_and_the_log_level_follow_lambdas_logging_controls() {
    let mixpanel = MockMixpanel::start().await;
    let api = RuntimeApi::start().await.unwrap();
    let text = env(&mixpanel, &[("AWS_LAMBDA_LOG_FORMAT", "Text")]);
    let process = FunctionProcess::spawn(&binary("mixpanel-sink"), &api, &text).unwrap();
    let id = api.next_request_id();
    api.invoke_as(&id, batch_with_a_bad_record(), TIMEOUT)
        .await
        .unwrap();
    let lines = process.stderr_up_to_now().await;
    process.stop().await;
    let warning = lines
        .iter()
        .find(|l| l.contains("bad input"))
        .expect("the bad record is logged");
    assert!(
        warning.contains(&format!("requestId=\"{id}\"")) && warning.contains("WARN"),
        "{warning}"
    );

    let api = RuntimeApi::start().await.unwrap();
    let quiet = env(&mixpanel, &[("AWS_LAMBDA_LOG_LEVEL", "ERROR")]);
    let process = FunctionProcess::spawn(&binary("mixpanel-sink"), &api, &quiet).unwrap();
    api.invoke(batch_with_a_bad_record(), TIMEOUT)
        .await
        .unwrap();
    let lines = process.stderr_up_to_now().await;
    process.stop().await;
    assert!(
        !lines.iter().any(|l| l.contains("bad input")),
        "warnings are off at ERROR: {lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("invocation summary")),
        "the summary and metrics are always printed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_fails_only_its_invocation_and_the_process_serves_the_next() {
    let api = RuntimeApi::start().await.unwrap();
    let mut process = FunctionProcess::spawn(&binary("panicking-function"), &api, &[]).unwrap();
    let before = api.invoke("{}", TIMEOUT).await;
    assert!(matches!(before, Some(Outcome::Response(_))), "{before:?}");
    match api
        .invoke(r#"{"panic": "ticket 48213 broke the mapper"}"#, TIMEOUT)
        .await
    {
        Some(Outcome::Error { error_message, .. }) => {
            assert!(
                error_message.contains("ticket 48213 broke the mapper"),
                "{error_message}"
            );
        }
        other => panic!("the panic is not reported as the invocation's error: {other:?}"),
    }
    let id = api.next_request_id();
    assert_eq!(
        api.invoke_as(&id, "{}", TIMEOUT).await,
        Some(Outcome::Response(json!({ "served": id }))),
        "the next invocation is served by the same process"
    );
    assert!(!process.has_exited());
    process.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payload_that_is_no_event_fails_its_invocation_by_name_and_the_next_is_served() {
    let mixpanel = MockMixpanel::start().await;
    let api = RuntimeApi::start().await.unwrap();
    let mut process =
        FunctionProcess::spawn(&binary("mixpanel-sink"), &api, &env(&mixpanel, &[])).unwrap();
    for (payload, named) in [
        ("[1, 2]", "expected a JSON object"),
        (r#"{"Records": 7}"#, "Records"),
        (
            r#"{"Records": [{"eventSource": "aws:sqs", "body": "x"}"#,
            "EOF",
        ),
    ] {
        match api.invoke(payload, TIMEOUT).await {
            Some(Outcome::Error {
                error_type,
                error_message,
            }) => {
                assert_eq!(error_type, lambda_io::INVALID_PAYLOAD, "{payload}");
                assert!(
                    error_message.contains("not an SNS, SQS or EventBridge event")
                        && error_message.contains(named),
                    "{payload}: {error_message}"
                );
            }
            other => panic!("{payload}: not failed as a payload that is no event: {other:?}"),
        }
    }
    assert_eq!(
        api.invoke(batch_with_a_bad_record(), TIMEOUT).await,
        Some(Outcome::Response(
            json!({"batchItemFailures": [{"itemIdentifier": "m-bad"}]})
        )),
        "the same process reads the next payload"
    );
    assert!(
        !mixpanel.deduplicated().is_empty(),
        "the good records reached Mixpanel"
    );
    assert!(!process.has_exited());
    process.stop().await;
}

#[test]
fn release_builds_unwind_so_a_panic_can_be_reported() {
    let manifest = include_str!("../../Cargo.toml");
    let release = manifest
        .split("[profile.release]")
        .nth(1)
        .expect("a release profile")
        .split("\n[")
        .next()
        .unwrap();
    let aborts = release
        .lines()
        .map(|l| l.split('#').next().unwrap().replace(' ', ""))
        .any(|l| l == "panic=\"abort\"");
    assert!(
        !aborts,
        "panic = \"abort\" ends the process before lambda_runtime can report the panic"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn managed_instances_serve_invocations_at_once_and_deliver_each_event_once() {
    const LATENCY: Duration = Duration::from_millis(700);
    const AT_ONCE: usize = 4;
    let mixpanel = MockMixpanel::start_with_latency(LATENCY).await;
    let api = RuntimeApi::start().await.unwrap();
    let concurrent = env(
        &mixpanel,
        &[
            ("AWS_LAMBDA_MAX_CONCURRENCY", "4"),
            ("MIXPANEL_PROFILES", "false"),
        ],
    );
    let process = FunctionProcess::spawn(&binary("mixpanel-sink"), &api, &concurrent).unwrap();
    let events: Vec<String> = [
        "connector/status-changed.json",
        "connector/ticket-created.json",
        "webhook/ticket.comment_added.json",
        "webhook/ticket.created.json",
    ]
    .iter()
    .map(|s| sample(s))
    .collect();
    // Warm up (the first request opens the connection pool), then time four at once.
    api.invoke(
        sqs(&[("warm", sample("webhook/ticket.status_changed.json"))]),
        TIMEOUT,
    )
    .await
    .unwrap();
    let started = Instant::now();
    let outcomes = futures_util::future::join_all(events.iter().enumerate().map(|(n, event)| {
        let api = &api;
        async move {
            api.invoke(sqs(&[(&format!("m{n}"), event.clone())]), TIMEOUT)
                .await
        }
    }))
    .await;
    let elapsed = started.elapsed();
    process.stop().await;
    for outcome in &outcomes {
        assert_eq!(
            outcome,
            &Some(Outcome::Response(json!({"batchItemFailures": []})))
        );
    }
    assert!(
        elapsed < LATENCY * (AT_ONCE as u32) * 3 / 4,
        "{AT_ONCE} invocations against a {LATENCY:?} Mixpanel took {elapsed:?}: not served at once"
    );
    let received = mixpanel.received();
    let mut ids: Vec<&str> = received
        .iter()
        .map(|e| e["properties"]["$insert_id"].as_str().unwrap())
        .collect();
    let sent = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(sent, ids.len(), "no event was sent twice");
    assert!(
        ids.len() > AT_ONCE,
        "the warm-up's and every invocation's events arrived: {ids:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_flushes_the_refusal_counts_before_the_process_exits() {
    let bus = LocalBus::start().await.unwrap();
    let api = RuntimeApi::start().await.unwrap();
    let mut env = bridge_env(&bus);
    env.push(("REFUSAL_LOG_INTERVAL_SECONDS".into(), "3600".into()));
    let mut bridge = FunctionProcess::spawn(&binary("webhook-bridge"), &api, &env).unwrap();
    let forged = signed_delivery(
        sample("webhook/ticket.created.json").as_bytes(),
        "not-the-secret",
    );
    for _ in 0..3 {
        match api.invoke(forged.clone(), TIMEOUT).await {
            Some(Outcome::Response(answer)) => assert_eq!(answer["statusCode"], 401),
            other => panic!("{other:?}"),
        }
    }
    let before = bridge.stderr_up_to_now().await.join("\n");
    assert!(
        !before.contains("\"refused\":3"),
        "the window is still open: nothing summarised yet"
    );
    let pid = bridge.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let code = tokio::time::timeout(TIMEOUT, bridge.wait()).await.unwrap();
    assert_eq!(code, Some(0), "a clean exit after the flush");
    let after = bridge.stderr_up_to_now().await.join("\n");
    assert!(
        after.contains("requests refused before verification")
            && after.contains("\\\"refused\\\":3")
            || after.contains("\"refused\":3"),
        "the three refusals are logged at shutdown: {after}"
    );
    assert!(after.contains("shut down"), "{after}");
}

//! One way of calling AWS per binary: the functions that link the AWS SDK (webhook-bridge for
//! EventBridge, ticket-metrics for SSM) read their `…_ARN` secrets through it, and the sinks,
//! which do not, through their one signed call. A mock Secrets Manager sees which client asked.

use std::time::Duration;

use serde_json::{Value, json};
use ticketbridge_cli::bridge_demo::signed_delivery;
use ticketbridge_cli::{FunctionProcess, LocalBus, Outcome, RuntimeApi};
use ticketbridge_e2e::{
    EventSource, MockMixpanel, MockZendeskExports, ZENDESK_TOKEN, binary, sample,
};
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TIMEOUT: Duration = Duration::from_secs(30);
const WEBHOOK_SECRET: &str = "from-secrets-manager-8d1f";

/// A Secrets Manager answering `GetSecretValue` with `values` by `SecretId`.
async fn secrets_manager(values: &[(&'static str, &'static str)]) -> MockServer {
    let server = MockServer::start().await;
    let values: Vec<(String, String)> = values
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Mock::given(method("POST"))
        .and(header("x-amz-target", "secretsmanager.GetSecretValue"))
        .respond_with(move |request: &Request| {
            let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
            let id = body["SecretId"].as_str().unwrap_or_default();
            match values.iter().find(|(arn, _)| arn == id) {
                Some((arn, value)) => ResponseTemplate::new(200)
                    .set_body_json(json!({"ARN": arn, "Name": "n", "SecretString": value})),
                None => ResponseTemplate::new(400).set_body_json(
                    json!({"__type": "ResourceNotFoundException", "message": "no such secret"}),
                ),
            }
        })
        .mount(&server)
        .await;
    server
}

/// Whether every `GetSecretValue` the mock received came from the AWS SDK for Rust.
async fn asked_through_the_sdk(server: &MockServer) -> Vec<bool> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            r.headers
                .get("x-amz-user-agent")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|ua| ua.contains("aws-sdk-rust") && ua.contains("secretsmanager"))
        })
        .collect()
}

fn aws(endpoint: &str) -> Vec<(String, String)> {
    [
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "example-secret-key"),
        ("AWS_ENDPOINT_URL_SECRETS_MANAGER", endpoint),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_bridge_reads_its_secrets_through_the_sdk_it_links() {
    let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:zendesk-webhook-AbCdEf";
    let secrets = secrets_manager(&[(arn, WEBHOOK_SECRET)]).await;
    let bus = LocalBus::start().await.unwrap();
    let mut env = aws(&secrets.uri());
    env.extend(
        [
            ("ZENDESK_WEBHOOK_SECRETS_ARN", arn),
            ("EVENT_BUS_NAME", "ticketbridge-sdk"),
            ("AWS_ENDPOINT_URL_EVENTBRIDGE", &bus.url()),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    let api = RuntimeApi::start().await.unwrap();
    let bridge = FunctionProcess::spawn(&binary("webhook-bridge"), &api, &env).unwrap();
    let webhook = sample("webhook/ticket.created.json");
    let answer = api
        .invoke(signed_delivery(webhook.as_bytes(), WEBHOOK_SECRET), TIMEOUT)
        .await;
    assert!(
        matches!(&answer, Some(Outcome::Response(r)) if r["statusCode"] == 200),
        "the secret was read: {answer:?} {:?}",
        bridge.stderr_up_to_now().await
    );
    bridge.stop().await;
    assert_eq!(asked_through_the_sdk(&secrets).await, [true]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_metrics_reads_its_secrets_through_the_sdk_it_links() {
    let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:zendesk-export-AbCdEf";
    let secrets = secrets_manager(&[(arn, ZENDESK_TOKEN)]).await;
    let page: Value = serde_json::from_str(&sample("zendesk-api/ticket-export-page.json")).unwrap();
    let zendesk = MockZendeskExports::start(
        EventSource::Fixed(vec![]),
        page["tickets"].as_array().unwrap().clone(),
        4,
    )
    .await;
    let mixpanel = MockMixpanel::start().await;
    let mut env = aws(&secrets.uri());
    env.extend([
        ("ZENDESK_OAUTH_TOKEN_ARN".to_owned(), arn.to_owned()),
        ("ZENDESK_API_URL".to_owned(), zendesk.url()),
        ("MIXPANEL_API_URL".to_owned(), mixpanel.url()),
        ("MIXPANEL_PROJECT_TOKEN".to_owned(), "t".to_owned()),
        ("LOOKBACK_HOURS".to_owned(), "8784".to_owned()),
        (
            "ZENDESK_EXPORT_REQUESTS_PER_MINUTE".to_owned(),
            "600".to_owned(),
        ),
        ("REQUEST_TIMEOUT_MS".to_owned(), "2000".to_owned()),
    ]);
    let api = RuntimeApi::start().await.unwrap();
    let metrics = FunctionProcess::spawn(&binary("ticket-metrics"), &api, &env).unwrap();
    let answer = api.invoke(b"{}".to_vec(), TIMEOUT).await;
    assert!(
        matches!(&answer, Some(Outcome::Response(r)) if r["tickets"] == 4),
        "the export token was read: {answer:?}"
    );
    metrics.stop().await;
    assert_eq!(asked_through_the_sdk(&secrets).await, [true]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sinks_read_theirs_with_one_signed_call_and_no_sdk() {
    let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:mixpanel-AbCdEf";
    let secrets = secrets_manager(&[(arn, "mixpanel-token")]).await;
    let mixpanel = MockMixpanel::start().await;
    let mut env = aws(&secrets.uri());
    env.push(("MIXPANEL_PROJECT_TOKEN_ARN".into(), arn.into()));
    env.push(("MIXPANEL_API_URL".into(), mixpanel.url()));
    let api = RuntimeApi::start().await.unwrap();
    let sink = FunctionProcess::spawn(&binary("mixpanel-sink"), &api, &env).unwrap();
    let answer = api
        .invoke(sample("connector/ticket-created.json"), TIMEOUT)
        .await;
    assert_eq!(answer, Some(Outcome::Response(json!({"records": 1}))));
    sink.stop().await;
    assert_eq!(asked_through_the_sdk(&secrets).await, [false]);
}

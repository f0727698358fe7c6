//! `NAME_ARN` settings are read from Secrets Manager (a local server speaking its JSON protocol).

use delivery::{SecretsManager, Settings, resolve_secret_arns, resolve_secrets};
use serde_json::json;
use wiremock::matchers::{body_partial_json, header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ARN: &str = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:zendesk-AbCdEf";

/// What Lambda puts in a function's environment, with the endpoint of the local server.
fn lambda_environment(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_REGION", "eu-west-1".into()),
        ("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE".into()),
        ("AWS_SECRET_ACCESS_KEY", "example-secret-key".into()),
        ("AWS_SESSION_TOKEN", "example-session-token".into()),
        ("AWS_ENDPOINT_URL_SECRETS_MANAGER", endpoint.into()),
    ]
}

fn with_lambda_environment(endpoint: &str, pairs: &[(&str, &str)]) -> Settings<'static> {
    let environment = lambda_environment(endpoint);
    let mut all: Vec<(&str, &str)> = environment.iter().map(|(k, v)| (*k, v.as_str())).collect();
    all.extend_from_slice(pairs);
    Settings::from_pairs(&all)
}

fn sdk(endpoint: &str) -> SecretsManager {
    SecretsManager::from_settings(&with_lambda_environment(endpoint, &[])).unwrap()
}

async fn secrets_manager(expected_reads: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("x-amz-target", "secretsmanager.GetSecretValue"))
        .and(body_partial_json(json!({ "SecretId": ARN })))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/x-amz-json-1.1")
                .set_body_json(
                    json!({ "ARN": ARN, "Name": "zendesk", "SecretString": " new,old\n" }),
                ),
        )
        .expect(expected_reads)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(header("x-amz-target", "secretsmanager.GetSecretValue"))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("content-type", "application/x-amz-json-1.1")
                .set_body_json(json!({
                    "__type": "ResourceNotFoundException",
                    "message": "Secrets Manager can't find the specified secret."
                })),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn an_arn_setting_is_replaced_by_the_secret_value() {
    let server = secrets_manager(1).await;
    let settings = Settings::from_pairs(&[("ZENDESK_WEBHOOK_SECRETS_ARN", ARN), ("OTHER", "x")]);
    let settings = resolve_secret_arns(settings, &["ZENDESK_WEBHOOK_SECRETS"], &sdk(&server.uri()))
        .await
        .unwrap();
    assert_eq!(
        settings.get("ZENDESK_WEBHOOK_SECRETS").as_deref(),
        Some("new,old")
    );
    assert_eq!(settings.get("OTHER").as_deref(), Some("x"));
}

#[tokio::test]
async fn plain_values_need_no_call() {
    let server = MockServer::start().await;
    let settings = Settings::from_pairs(&[("ZENDESK_WEBHOOK_SECRETS", "abc")]);
    let settings = resolve_secret_arns(settings, &["ZENDESK_WEBHOOK_SECRETS"], &sdk(&server.uri()))
        .await
        .unwrap();
    assert_eq!(
        settings.get("ZENDESK_WEBHOOK_SECRETS").as_deref(),
        Some("abc")
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn errors_name_the_variable_and_never_the_value() {
    let server = secrets_manager(0).await;
    let both = Settings::from_pairs(&[("API_KEY", "k"), ("API_KEY_ARN", ARN)]);
    let err = resolve_secret_arns(both, &["API_KEY"], &sdk(&server.uri()))
        .await
        .err()
        .unwrap();
    assert_eq!(err.variable, "API_KEY_ARN");
    assert!(err.reason.contains("not both"), "{err}");

    let missing = Settings::from_pairs(&[(
        "API_KEY_ARN",
        "arn:aws:secretsmanager:eu-west-1:1:secret:gone",
    )]);
    let err = resolve_secret_arns(missing, &["API_KEY"], &sdk(&server.uri()))
        .await
        .err()
        .unwrap();
    assert_eq!(err.variable, "API_KEY_ARN");
    assert!(err.reason.contains("ResourceNotFoundException"), "{err}");
}

#[tokio::test]
async fn the_client_is_configured_from_the_lambda_environment_and_signs_with_its_credentials() {
    let server = secrets_manager(1).await;
    let settings = with_lambda_environment(&server.uri(), &[("API_KEY_ARN", ARN)]);
    let settings = resolve_secrets(settings, &["API_KEY"]).await.unwrap();
    assert_eq!(settings.get("API_KEY").as_deref(), Some("new,old"));
    let requests = server.received_requests().await.unwrap();
    let header = |name: &str| {
        requests[0]
            .headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert!(
        header("authorization").starts_with("AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/")
            && header("authorization").contains("/eu-west-1/secretsmanager/aws4_request"),
        "signed with the environment's key for its region: {}",
        header("authorization")
    );
    assert_eq!(header("x-amz-security-token"), "example-session-token");
}

#[tokio::test]
async fn a_missing_aws_setting_is_named_only_when_a_secret_arn_needs_it() {
    let plain = Settings::from_pairs(&[("API_KEY", "k")]);
    let settings = resolve_secrets(plain, &["API_KEY"]).await.unwrap();
    assert_eq!(settings.get("API_KEY").as_deref(), Some("k"));

    let no_credentials = Settings::from_pairs(&[("API_KEY_ARN", ARN), ("AWS_REGION", "eu-west-1")]);
    let err = resolve_secrets(no_credentials, &["API_KEY"])
        .await
        .err()
        .unwrap();
    assert_eq!(err.variable, "AWS_ACCESS_KEY_ID");
    let no_region = Settings::from_pairs(&[
        ("API_KEY_ARN", ARN),
        ("AWS_ACCESS_KEY_ID", "a"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
    ]);
    let err = resolve_secrets(no_region, &["API_KEY"])
        .await
        .err()
        .unwrap();
    assert_eq!(err.variable, "AWS_REGION");
}

#[tokio::test]
async fn throttling_and_server_errors_are_tried_again_a_denial_is_not() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(
                json!({ "__type": "ThrottlingException", "message": "Rate exceeded" }),
            ),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "SecretString": "v" })))
        .with_priority(3)
        .mount(&server)
        .await;
    let settings = Settings::from_pairs(&[("API_KEY_ARN", ARN)]);
    let settings = resolve_secret_arns(settings, &["API_KEY"], &sdk(&server.uri()))
        .await
        .unwrap();
    assert_eq!(settings.get("API_KEY").as_deref(), Some("v"));
    assert_eq!(server.received_requests().await.unwrap().len(), 3);

    let denied = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "__type": "com.amazonaws.secretsmanager#AccessDeniedException",
            "Message": "not authorized to perform secretsmanager:GetSecretValue"
        })))
        .mount(&denied)
        .await;
    let settings = Settings::from_pairs(&[("API_KEY_ARN", ARN)]);
    let err = resolve_secret_arns(settings, &["API_KEY"], &sdk(&denied.uri()))
        .await
        .err()
        .unwrap();
    assert_eq!(err.variable, "API_KEY_ARN");
    assert!(
        err.reason.contains("AccessDeniedException") && err.reason.contains("not authorized"),
        "{err}"
    );
    assert_eq!(denied.received_requests().await.unwrap().len(), 1);
}

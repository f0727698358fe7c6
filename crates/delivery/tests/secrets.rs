//! `NAME_ARN` settings are read from Secrets Manager (a local server speaking its JSON protocol).

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_secretsmanager::config::{Credentials, SharedCredentialsProvider};
use delivery::{Settings, resolve_secret_arns};
use serde_json::json;
use wiremock::matchers::{body_partial_json, header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ARN: &str = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:zendesk-AbCdEf";

fn sdk(endpoint: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::for_tests()))
        .build()
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

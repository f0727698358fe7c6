//! The sink against a mock Mixpanel: every response class, and what ends up acknowledged.

mod support;

use lambda_io::SinkHandler;
use std::time::{Duration, Instant};

use serde_json::json;
use support::*;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/engage"))
        .respond_with(ok_engage())
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn delivers_events_and_profiles_with_the_documented_request_shape() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/import"))
        .and(query_param("strict", "1"))
        .and(header("authorization", "Basic dGVzdC10b2tlbjo="))
        .and(header("content-type", "application/json"))
        .respond_with(ok_import())
        .expect(1)
        .mount(&server)
        .await;
    let answer = sink(&server.uri(), &[])
        .handle(lambda_io::local_event(
            sqs(&[CREATED, COMMENT]).as_bytes(),
            Duration::from_secs(30),
        ))
        .await
        .unwrap();
    assert_eq!(answer, json!({"batchItemFailures": []}));
    let (imports, engages) = received(&server).await;
    let names: Vec<_> = imports[0]
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        ["Ticket Created", "Ticket Comment Added", "Ticket Responded"]
    );
    assert!(imports[0].iter().all(|e| e["properties"]["ip"] == 0));
    assert_eq!(engages[0].len(), 1, "one coalesced update for ticket 48213");
    assert_eq!(engages[0][0]["$token"], "test-token");
    assert_eq!(engages[0][0]["$ip"], 0);
    let engage = &server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.url.path() == "/engage")
        .unwrap();
    assert_eq!(engage.url.query(), Some("verbose=1&ip=0"));
    assert!(
        engage.headers.get("content-encoding").is_none(),
        "/engage takes no gzip"
    );
}

#[tokio::test]
async fn service_account_auth_and_project_id() {
    let server = server().await;
    Mock::given(path("/import"))
        .and(query_param("project_id", "777"))
        .and(header("authorization", "Basic c2EudXNlcjpzM2NyM3Q="))
        .respond_with(ok_import())
        .expect(1)
        .mount(&server)
        .await;
    let sink = sink(
        &server.uri(),
        &[
            ("MIXPANEL_SERVICE_ACCOUNT_USERNAME", "sa.user"),
            ("MIXPANEL_SERVICE_ACCOUNT_SECRET", "s3cr3t"),
            ("MIXPANEL_PROJECT_ID", "777"),
        ],
    );
    sink.handle(lambda_io::local_event(
        sns(STATUS).as_bytes(),
        Duration::from_secs(30),
    ))
    .await
    .unwrap();
}

#[tokio::test]
async fn retries_429_honouring_retry_after_then_delivers() {
    let server = server().await;
    Mock::given(path("/import"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1").set_body_json(json!({"code": 429, "error": "Project exceeded rate limits. Please retry the request with exponential backoff.", "status": "Too Many Requests"})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/import"))
        .respond_with(ok_import())
        .mount(&server)
        .await;
    let started = Instant::now();
    sink(&server.uri(), &[])
        .handle(lambda_io::local_event(
            sns(STATUS).as_bytes(),
            Duration::from_secs(30),
        ))
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited for Retry-After"
    );
    let (imports, _) = received(&server).await;
    assert_eq!(imports.len(), 2);
    assert_eq!(
        imports[0], imports[1],
        "the retry resends the identical events ($insert_id, time)"
    );
}

#[tokio::test]
async fn retries_429_without_retry_after_using_backoff() {
    let server = server().await;
    Mock::given(path("/import"))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/import"))
        .respond_with(ok_import())
        .mount(&server)
        .await;
    let answer = sink(&server.uri(), &[])
        .handle(lambda_io::local_event(
            sqs(&[STATUS]).as_bytes(),
            Duration::from_secs(30),
        ))
        .await
        .unwrap();
    assert_eq!(answer, json!({"batchItemFailures": []}));
    assert_eq!(received(&server).await.0.len(), 3);
}

#[tokio::test]
async fn failed_records_reject_exactly_their_input_records() {
    let server = server().await;
    // Index 1 is the second event: the Comment Added of record m1 (m1 also yields Ticket Responded).
    Mock::given(path("/import"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "code": 400, "error": "some data points in the request failed validation",
            "failed_records": [{"index": 1, "$insert_id": "x", "field": "properties.time", "message": "'properties.time' is invalid"}],
            "num_records_imported": 3, "status": "Bad Request"})))
        .expect(1)
        .mount(&server)
        .await;
    let answer = sink(&server.uri(), &[])
        .handle(lambda_io::local_event(
            sqs(&[CREATED, COMMENT, PRIORITY]).as_bytes(),
            Duration::from_secs(30),
        ))
        .await
        .unwrap();
    assert_eq!(
        answer,
        json!({"batchItemFailures": [{"itemIdentifier": "m1"}]})
    );
}

#[tokio::test]
async fn unauthorized_fails_the_invocation_without_a_retry_storm() {
    let server = server().await;
    Mock::given(path("/import"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"code": 401, "error": "Invalid credentials", "status": "Unauthorized"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = sink(&server.uri(), &[])
        .handle(lambda_io::local_event(
            sqs(&[CREATED, STATUS]).as_bytes(),
            Duration::from_secs(30),
        ))
        .await
        .unwrap_err();
    assert!(err.0.contains("Invalid credentials"), "{err}");
    assert!(!err.0.contains("test-token"), "never log secrets");
}

#[tokio::test]
async fn too_large_splits_and_resends() {
    let server = server().await;
    Mock::given(path("/import"))
        .respond_with(ResponseTemplate::new(413).set_body_json(json!({"code": 413, "error": "request exceeds max limit of 2097152 bytes", "status": "Request Entity Too Large"})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/import"))
        .respond_with(ok_import())
        .mount(&server)
        .await;
    let answer = sink(&server.uri(), &[])
        .handle(lambda_io::local_event(
            sqs(&[CREATED, STATUS, PRIORITY, COMMENT]).as_bytes(),
            Duration::from_secs(30),
        ))
        .await
        .unwrap();
    assert_eq!(answer, json!({"batchItemFailures": []}));
    let sizes: Vec<_> = received(&server).await.0.iter().map(Vec::len).collect();
    assert_eq!(sizes, [5, 2, 3]);
}

#[tokio::test]
async fn server_errors_until_the_deadline_fail_the_records_in_time() {
    let server = server().await;
    Mock::given(path("/import"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let started = Instant::now();
    let budget = Duration::from_secs(3);
    let err = sink(&server.uri(), &[("RETRY_MAX_ATTEMPTS", "100")])
        .handle(lambda_io::local_event(sns(STATUS).as_bytes(), budget))
        .await
        .unwrap_err();
    assert!(started.elapsed() < budget, "answered before the deadline");
    assert!(
        err.0.contains("record 0 (sns-1)") && err.0.contains("503"),
        "{err}"
    );
    assert!(
        received(&server).await.0.len() > 3,
        "kept retrying while there was time"
    );
}

#[tokio::test]
async fn slow_answers_time_out_and_are_retried() {
    let server = server().await;
    Mock::given(path("/import"))
        .respond_with(ok_import().set_delay(Duration::from_secs(3)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/import"))
        .respond_with(ok_import())
        .mount(&server)
        .await;
    let answer = sink(&server.uri(), &[("REQUEST_TIMEOUT_MS", "300")])
        .handle(lambda_io::local_event(
            sqs(&[STATUS]).as_bytes(),
            Duration::from_secs(30),
        ))
        .await
        .unwrap();
    assert_eq!(answer, json!({"batchItemFailures": []}));
    assert_eq!(received(&server).await.0.len(), 2);
}

#[tokio::test]
async fn engage_status_zero_refuses_the_request_and_fails_its_records() {
    let server = MockServer::start().await;
    Mock::given(path("/import"))
        .respond_with(ok_import())
        .mount(&server)
        .await;
    Mock::given(path("/engage"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"status": 0, "error": "$token is invalid"})),
        )
        .mount(&server)
        .await;
    let answer = sink(&server.uri(), &[])
        .handle(lambda_io::local_event(
            sqs(&[STATUS]).as_bytes(),
            Duration::from_secs(30),
        ))
        .await
        .unwrap();
    assert_eq!(
        answer,
        json!({"batchItemFailures": [{"itemIdentifier": "m0"}]})
    );
}

#[tokio::test]
async fn bad_records_fail_alone_and_the_rest_is_delivered() {
    let server = server().await;
    Mock::given(path("/import"))
        .respond_with(ok_import())
        .mount(&server)
        .await;
    let batch = include_str!("../../../events/malformed/sqs-with-bad-records.json");
    let answer = sink(&server.uri(), &[])
        .handle(lambda_io::local_event(
            batch.as_bytes(),
            Duration::from_secs(30),
        ))
        .await
        .unwrap();
    let failed: Vec<_> = answer["batchItemFailures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["itemIdentifier"].clone())
        .collect();
    assert_eq!(failed.len(), 2);
    assert_eq!(
        received(&server).await.0[0].len(),
        1,
        "the good record went through"
    );
}

#[tokio::test]
async fn filtered_types_are_acknowledged_without_sending() {
    let server = server().await;
    Mock::given(path("/import"))
        .respond_with(ok_import())
        .mount(&server)
        .await;
    let sink = sink(&server.uri(), &[("ZENDESK_EVENT_TYPES", "Ticket Created")]);
    let answer = sink
        .handle(lambda_io::local_event(
            sqs(&[CREATED, STATUS]).as_bytes(),
            Duration::from_secs(30),
        ))
        .await
        .unwrap();
    assert_eq!(answer, json!({"batchItemFailures": []}));
    let (imports, _) = received(&server).await;
    assert_eq!(imports.concat().len(), 1);
}

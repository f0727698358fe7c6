//! The client through the real delivery loop against wiremock: headers as FullStory documents
//! them, identical bodies and keys on every retry, and each answer class.

use std::time::Duration;

use delivery::{Deadline, Delivery, Failure, Item, Outcome, Settings};
use fullstory::{FullStoryClient, FullStoryConfig};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn config(server: &MockServer) -> FullStoryConfig {
    FullStoryConfig::from_settings(&Settings::from_pairs(&[
        ("FULLSTORY_API_URL", &server.uri()),
        ("FULLSTORY_API_KEY", "na1.abc/def=="),
        ("FULLSTORY_USER_ID", "requester_id"),
        ("RETRY_INITIAL_BACKOFF_MS", "10"),
        ("RETRY_MAX_BACKOFF_MS", "20"),
        ("RETRY_MAX_ATTEMPTS", "3"),
        ("REQUEST_TIMEOUT_MS", "300"),
    ]))
    .unwrap()
}

fn item() -> Item {
    let body = json!({"name": "Ticket Created", "timestamp": "2026-03-10T15:01:11.204Z",
        "user": {"uid": "user-1"}, "session": {"use_most_recent": true}, "properties": {"ticket_id": 1},
        "schema": {"properties": {"ticket_id": "int"}}});
    Item::keyed(
        serde_json::to_vec(&body).unwrap(),
        0,
        "3d0f6b8e-5c51-5b0e-9a7e-2f64c1d9a810".into(),
    )
}

async fn deliver(server: &MockServer) -> Outcome {
    let config = config(server);
    let client = FullStoryClient::new(&config).unwrap();
    let mut delivery = Delivery::new(config.retry, Deadline::after(Duration::from_secs(10)), 1);
    delivery.send_each(&client, vec![item()], 8).await;
    delivery.ledger.outcome(0)
}

#[tokio::test]
async fn the_key_is_verbatim_and_retries_resend_the_same_bytes_under_the_same_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/events"))
        .and(header("authorization", "Basic na1.abc/def=="))
        .and(header(
            "idempotency-key",
            "3d0f6b8e-5c51-5b0e-9a7e-2f64c1d9a810",
        ))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    assert_eq!(deliver(&server).await, Outcome::Delivered);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3, "429, a timeout, then delivered");
    for r in &requests {
        assert_eq!(r.body, item().bytes);
        assert_eq!(
            r.headers["idempotency-key"],
            "3d0f6b8e-5c51-5b0e-9a7e-2f64c1d9a810"
        );
    }
}

#[tokio::test]
async fn a_full_session_is_resent_once_without_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_json(
            serde_json::from_slice::<serde_json::Value>(&item().bytes).unwrap(),
        ))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"code": "session_page_limit_exceeded", "message": "too many pages"}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    assert_eq!(deliver(&server).await, Outcome::Delivered);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    let second: serde_json::Value = serde_json::from_slice(&requests[1].body).unwrap();
    assert!(second.get("session").is_none());
    assert_ne!(
        requests[0].headers["idempotency-key"],
        requests[1].headers["idempotency-key"]
    );
}

#[tokio::test]
async fn rejections_carry_fullstorys_message_and_credentials_stop_everything() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"code": "invalid_argument", "message": "properties.bad-name is not a valid name"}),
        ))
        .mount(&server)
        .await;
    assert_eq!(
        deliver(&server).await,
        Outcome::Failed(Failure::Rejected(
            "HTTP 400 invalid_argument: properties.bad-name is not a valid name".into()
        ))
    );
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"code": "forbidden", "message": "key lacks permission"})),
        )
        .mount(&server)
        .await;
    assert!(
        matches!(deliver(&server).await, Outcome::Failed(Failure::Misconfigured(m)) if m.contains("forbidden"))
    );
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "not retried"
    );
}

#[tokio::test]
async fn server_errors_are_retried_until_attempts_run_out() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(json!({"code": "server_error", "message": "oops"})),
        )
        .mount(&server)
        .await;
    assert!(matches!(
        deliver(&server).await,
        Outcome::Failed(Failure::Undelivered(m)) if m.contains("gave up after 3 attempts") && m.contains("server_error")
    ));
}

#[tokio::test]
async fn a_key_fullstory_already_holds_under_another_body_counts_as_delivered() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "code": "invalid_argument",
            "message": "Idempotency-Key reused with a different body"
        })))
        .mount(&server)
        .await;
    assert_eq!(deliver(&server).await, Outcome::Delivered);
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "not retried"
    );
}

#[tokio::test]
async fn a_misrouted_request_is_refused_as_a_whole_not_rejected() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(404).set_body_string("<html>Not Found</html>"))
        .mount(&server)
        .await;
    assert!(matches!(
        deliver(&server).await,
        Outcome::Failed(Failure::Refused(m)) if m.contains("HTTP 404")
    ));
}

#[tokio::test]
async fn the_session_full_fallback_never_outlives_the_request_timeout() {
    let server = MockServer::start().await;
    // The first answer takes most of the 300 ms timeout; the fallback gets only what is left.
    Mock::given(method("POST"))
        .and(body_json(
            serde_json::from_slice::<serde_json::Value>(&item().bytes).unwrap(),
        ))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(
                    json!({"code": "session_page_limit_exceeded", "message": "too many pages"}),
                )
                .set_delay(Duration::from_millis(200)),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({}))
                .set_delay(Duration::from_millis(250)),
        )
        .mount(&server)
        .await;
    let config = config(&server);
    let client = FullStoryClient::new(&config).unwrap();
    let started = std::time::Instant::now();
    let verdict = delivery::Destination::send(&client, &[item()], Duration::from_millis(300)).await;
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(300) + Duration::from_millis(60),
        "both requests together stayed within the one timeout: {took:?}"
    );
    assert!(
        matches!(verdict, delivery::Verdict::Retry { .. }),
        "{verdict:?}"
    );
}

//! `users_by_id` against a local server that answers like Zendesk's `show_many`.

use std::time::Duration;

use delivery::{Deadline, RetryPolicy, Settings};
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};
use zendesk_api::{ZendeskClient, ZendeskConfig, ZendeskError};

fn policy() -> RetryPolicy {
    RetryPolicy {
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        max_attempts: 4,
        min_attempt_time: Duration::from_millis(100),
        request_timeout: Duration::from_secs(2),
    }
}

fn client(server: &MockServer) -> ZendeskClient {
    let config = ZendeskConfig::from_settings(&Settings::from_pairs(&[
        ("ZENDESK_API_URL", &server.uri()),
        ("ZENDESK_OAUTH_TOKEN", "oauth-token"),
    ]))
    .unwrap();
    ZendeskClient::new(&config, policy()).unwrap()
}

fn deadline() -> Deadline {
    Deadline::after(Duration::from_secs(10))
}

fn user(id: u64) -> serde_json::Value {
    json!({"id": id, "external_id": format!("ext-{id}"), "email": format!("u{id}@example.com"), "active": true, "role": "end-user"})
}

#[tokio::test]
async fn ids_are_chunked_by_a_hundred_and_answers_indexed_by_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users/show_many.json"))
        .and(header("authorization", "Bearer oauth-token"))
        .respond_with(|req: &wiremock::Request| {
            let ids = req
                .url
                .query_pairs()
                .find(|(k, _)| k == "ids")
                .unwrap()
                .1
                .into_owned();
            // Zendesk answers in its own order and leaves unknown ids out.
            let users: Vec<_> = ids
                .split(',')
                .rev()
                .map(|id| id.parse::<u64>().unwrap())
                .filter(|id| id % 7 != 0)
                .map(user)
                .collect();
            ResponseTemplate::new(200).set_body_json(json!({ "users": users }))
        })
        .expect(3)
        .mount(&server)
        .await;
    let ids: Vec<u64> = (1..=250).collect();
    let found = client(&server)
        .users_by_id(&ids, &deadline())
        .await
        .unwrap();
    assert_eq!(found.len(), 250 - 250 / 7);
    assert_eq!(found[&8].external_id.as_deref(), Some("ext-8"));
    assert!(!found.contains_key(&14));
    let sizes: Vec<usize> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            let ids = r.url.query_pairs().find(|(k, _)| k == "ids").unwrap().1;
            ids.split(',').count()
        })
        .collect();
    assert_eq!(sizes, vec![100, 100, 50]);
}

#[tokio::test]
async fn rate_limits_wait_retry_after_then_succeed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(query_param("ids", "5"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"users": [user(5)]})))
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    let found = client(&server)
        .users_by_id(&[5], &deadline())
        .await
        .unwrap();
    assert_eq!(found[&5].id, 5);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited Retry-After"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn server_errors_are_retried_until_attempts_run_out() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_string("maintenance"))
        .mount(&server)
        .await;
    let err = client(&server)
        .users_by_id(&[5], &deadline())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ZendeskError::Unavailable { reason } if reason.contains("gave up after 4 attempts") && reason.contains("503")),
        "{err}"
    );
    assert!(!err.is_configuration());
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[tokio::test]
async fn a_retry_after_past_the_deadline_is_not_waited() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "60"))
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    let err = client(&server)
        .users_by_id(&[5], &Deadline::after(Duration::from_secs(3)))
        .await
        .unwrap_err();
    assert!(matches!(err, ZendeskError::Unavailable { .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn credentials_and_shape_errors_are_typed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(query_param("ids", "1"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"error": "Couldn't authenticate you"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(query_param("ids", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"users": [{"id": "two"}]})))
        .mount(&server)
        .await;
    let c = client(&server);
    let err = c.users_by_id(&[1], &deadline()).await.unwrap_err();
    assert!(err.is_configuration());
    assert_eq!(
        err.to_string(),
        "Zendesk refused the credentials (HTTP 401): Couldn't authenticate you"
    );
    let err = c.users_by_id(&[2], &deadline()).await.unwrap_err();
    assert!(
        matches!(&err, ZendeskError::Decode { path, .. } if path == "$.users[0].id"),
        "{err}"
    );
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        2,
        "no retries"
    );
}

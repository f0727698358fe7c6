//! PutEvents against a local endpoint speaking EventBridge's JSON protocol: failed entries and
//! failed requests are retried, 200 only once the bus accepted, 503 in time when it did not.

mod support;

use std::time::{Duration, Instant};

use support::*;

fn body() -> Vec<u8> {
    sample("webhook/ticket.created.json")
}

#[tokio::test]
async fn failed_entries_are_retried_until_accepted() {
    let bus = local_bus(vec![
        Answer::FailEntries(1, "ThrottlingException"),
        Answer::FailEntries(1, "InternalFailure"),
        Answer::Accept,
    ])
    .await;
    let response = bridge(&bus, &[])
        .handle(lambda_io::local_event(zendesk_delivery(&body()), BUDGET))
        .await;
    assert_eq!(response.status, 200);
    let sent = sent_entries(&bus).await;
    assert_eq!(sent.len(), 3, "the same entry, three times");
    assert!(
        sent.windows(2).all(|w| w[0] == w[1]),
        "retries resend the identical entry"
    );
}

#[tokio::test]
async fn failed_requests_are_retried() {
    let bus = local_bus(vec![
        Answer::FailRequest(500, "InternalException"),
        Answer::FailRequest(400, "ThrottlingException"),
        Answer::Accept,
    ])
    .await;
    let response = bridge(&bus, &[])
        .handle(lambda_io::local_event(zendesk_delivery(&body()), BUDGET))
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(sent_entries(&bus).await.len(), 3);
}

#[tokio::test]
async fn a_bus_that_keeps_failing_gets_503_within_the_publish_timeout() {
    let bus = local_bus(vec![Answer::FailEntries(1, "InternalFailure")]).await;
    let bridge = bridge(
        &bus,
        &[
            ("PUBLISH_TIMEOUT_MS", "1500"),
            ("RETRY_MAX_ATTEMPTS", "100"),
            ("RETRY_MAX_BACKOFF_MS", "100"),
        ],
    );
    let started = Instant::now();
    let response = bridge
        .handle(lambda_io::local_event(zendesk_delivery(&body()), BUDGET))
        .await;
    assert_eq!(response.status, 503);
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    assert!(sent_entries(&bus).await.len() > 2, "it did retry");
}

#[tokio::test]
async fn the_lambda_deadline_bounds_retries_too() {
    let bus = local_bus(vec![Answer::FailRequest(503, "ServiceUnavailable")]).await;
    let bridge = bridge(&bus, &[("RETRY_MAX_ATTEMPTS", "100")]);
    let started = Instant::now();
    let response = bridge
        .handle(lambda_io::local_event(
            zendesk_delivery(&body()),
            Duration::from_millis(900),
        ))
        .await;
    assert_eq!(response.status, 503);
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn refusals_that_retrying_cannot_fix_are_not_retried() {
    for answer in [
        Answer::FailRequest(400, "ResourceNotFoundException"),
        Answer::FailRequest(400, "AccessDeniedException"),
        Answer::FailEntries(1, "NotAuthorizedForSourceException"),
    ] {
        let bus = local_bus(vec![answer]).await;
        let response = bridge(&bus, &[])
            .handle(lambda_io::local_event(zendesk_delivery(&body()), BUDGET))
            .await;
        assert_eq!(
            response.status, 503,
            "Zendesk keeps the event and retries after the fix"
        );
        assert_eq!(sent_entries(&bus).await.len(), 1);
    }
}

#[tokio::test]
async fn an_unreachable_bus_is_503() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let bridge = bridge_at(&endpoint, &[("PUBLISH_TIMEOUT_MS", "800")]);
    let response = bridge
        .handle(lambda_io::local_event(zendesk_delivery(&body()), BUDGET))
        .await;
    assert_eq!(response.status, 503);
}

#[tokio::test]
async fn any_authentic_body_a_function_url_delivers_is_published_not_refused() {
    // Just under the Function URL's 6 MB request limit: a comment, its HTML and a description.
    let mut webhook: serde_json::Value =
        serde_json::from_slice(&sample("webhook/ticket.comment_added.json")).unwrap();
    let long = "Refund issued. ".repeat(120_000);
    webhook["event"]["comment"]["body"] = long.clone().into();
    webhook["event"]["comment"]["html_body"] = format!("<p>{long}</p>").into();
    webhook["detail"]["description"] = long.clone().into();
    let body = serde_json::to_vec(&webhook).unwrap();
    assert!(
        body.len() > 5 * 1024 * 1024 && body.len() < 6 * 1000 * 1000,
        "{}",
        body.len()
    );
    let bus = local_bus(vec![Answer::Accept]).await;
    let bodies = [("INCLUDE_COMMENT_BODY", "true")];
    let response = bridge(&bus, &bodies)
        .handle(lambda_io::local_event(zendesk_delivery(&body), BUDGET))
        .await;
    assert_eq!(response.status, 200, "{response:?}");
    let entry = &sent_entries(&bus).await[0];
    assert!(entry["Detail"].as_str().unwrap().len() < 256 * 1024);

    // Past what a Function URL can deliver, the body is refused.
    let mut webhook = webhook.clone();
    webhook["event"]["comment"]["body"] = "x".repeat(6 * 1024 * 1024).into();
    let body = serde_json::to_vec(&webhook).unwrap();
    let response = bridge(&bus, &bodies)
        .handle(lambda_io::local_event(zendesk_delivery(&body), BUDGET))
        .await;
    assert_eq!(response.status, 413);
}

#[tokio::test]
async fn an_oversized_comment_is_shrunk_not_refused() {
    let mut webhook: serde_json::Value =
        serde_json::from_slice(&sample("webhook/ticket.comment_added.json")).unwrap();
    let long = "Refund issued. ".repeat(30_000);
    webhook["event"]["comment"]["body"] = long.clone().into();
    webhook["event"]["comment"]["html_body"] = format!("<p>{long}</p>").into();
    let body = serde_json::to_vec(&webhook).unwrap();
    assert!(body.len() > 256 * 1024);
    let bus = local_bus(vec![Answer::Accept]).await;
    let response = bridge(&bus, &[("INCLUDE_COMMENT_BODY", "true")])
        .handle(lambda_io::local_event(zendesk_delivery(&body), BUDGET))
        .await;
    assert_eq!(response.status, 200);
    let entry = &sent_entries(&bus).await[0];
    let detail = entry["Detail"].as_str().unwrap();
    assert!(detail.len() < 256 * 1024);
    let detail: serde_json::Value = serde_json::from_str(detail).unwrap();
    let te = &detail["ticket_event"];
    assert_eq!(
        te["ticketbridge_truncated"],
        serde_json::json!(["comment.html_body", "comment.body"])
    );
    assert!(long.starts_with(te["comment"]["body"].as_str().unwrap()));
}

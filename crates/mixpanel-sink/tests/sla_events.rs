//! The SLA events `ticket-metrics` publishes, through the sink against a mock Mixpanel.

mod support;

use std::time::Duration;

use lambda_io::SinkHandler;
use serde_json::json;
use support::*;
use wiremock::MockServer;
use wiremock::matchers::path;

#[tokio::test]
async fn sla_events_reach_import_with_their_sla_and_update_no_profile() {
    let server = MockServer::start().await;
    for (endpoint, answer) in [("/import", ok_import()), ("/engage", ok_engage())] {
        wiremock::Mock::given(path(endpoint))
            .respond_with(answer)
            .mount(&server)
            .await;
    }
    let breach = include_str!("../../../events/sla-on-bus/48213-sla-breached.json");
    let answer = sink(&server.uri(), &[])
        .handle(lambda_io::local_event(
            sqs(&[breach]).as_bytes(),
            Duration::from_secs(5),
        ))
        .await
        .unwrap();
    assert_eq!(answer, json!({"batchItemFailures": []}));
    let (imports, engages) = received(&server).await;
    let event = &imports[0][0];
    assert_eq!(event["event"], "Ticket SLA Breached");
    assert_eq!(event["properties"]["sla_policy_title"], "Urgent tickets");
    assert_eq!(event["properties"]["sla_target_minutes"], 60);
    assert_eq!(event["properties"]["sla_metric"], "reply_time");
    assert!(
        engages.is_empty(),
        "no ticket state in an SLA event: {engages:?}"
    );
}

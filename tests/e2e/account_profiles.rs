//! Zendesk user and organization events, as webhook-bridge publishes them, through the real
//! `mixpanel-sink`: organizations become Mixpanel group profiles (`/groups`, checked against
//! the documented shape) and ticket events carry the group key; users set the requester's own
//! profile in requester mode and are skipped, not failed, in ticket mode. Nothing personal
//! leaves unless a setting names it.

use serde_json::{Value, json};
use ticketbridge_cli::{FunctionProcess, RuntimeApi};
use ticketbridge_e2e::{MockMixpanel, binary, deliver_over_sns, sample};
use webhook_bridge::bus_policy::BusPolicy;
use webhook_bridge::zendesk::{ZendeskOutcome, normalize};

const EMAIL: &str = "ada.lovelace@example.com";

/// A Zendesk webhook turned into the EventBridge event the sinks receive, by the bridge's own
/// normalization with `policy`.
fn on_the_bus(webhook: &Value, policy: &BusPolicy) -> String {
    let ZendeskOutcome::Publish(entry) = normalize(
        webhook.to_string().as_bytes(),
        "ticketbridge.zendesk",
        policy,
    )
    .unwrap() else {
        panic!("the bridge ignores {webhook}")
    };
    json!({"version": "0", "id": entry.event_id, "detail-type": entry.detail_type,
           "source": entry.source, "account": "210987654321", "time": entry.time.to_seconds_utc(),
           "region": "eu-west-1", "resources": entry.resources, "detail": entry.detail})
    .to_string()
}

fn organization_created() -> Value {
    json!({"account_id": 4410022, "id": "ev-org-1", "type": "zen:event-type:organization.created",
           "subject": "zen:organization:360000000777", "time": "2026-03-10T15:00:00.000000000Z",
           "zendesk_event_version": "2022-11-06",
           "detail": {"id": "360000000777", "name": "Acme Ltd", "tags": ["gold"],
                      "group_id": "360000000555", "created_at": "2024-01-02T03:04:05Z",
                      "notes": "owes us money", "details": "VIP account, call Ada",
                      "domain_names": ["acme.example"]},
           "event": {}})
}

fn user_created() -> Value {
    json!({"account_id": 4410022, "id": "ev-user-1", "type": "zen:event-type:user.created",
           "subject": "zen:user:900000000101", "time": "2026-03-10T15:00:00.000000000Z",
           "zendesk_event_version": "2022-06-20",
           "detail": {"id": "900000000101", "role": "END_USER", "organization_id": "360000000777",
                      "locale": "en-GB", "time_zone": "London", "tags": ["vip"],
                      "created_at": "2024-01-02T03:04:05Z", "last_login_at": "2026-03-01T09:00:00Z",
                      "email": EMAIL, "name": "Ada Lovelace", "phone": "+44 20 7946 0958"},
           "event": {}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organization_events_set_group_profiles_and_ticket_events_carry_the_group_key() {
    let mixpanel = MockMixpanel::start().await;
    let api = RuntimeApi::start().await.unwrap();
    let env = mixpanel.sink_env(&[("MIXPANEL_GROUP_KEY", "organization_id")]);
    let process = FunctionProcess::spawn(&binary("mixpanel-sink"), &api, &env).unwrap();
    // The bridge's default policy: notes, details and domain names stay behind.
    let organization = on_the_bus(&organization_created(), &BusPolicy::default());
    deliver_over_sns(&api, &organization, "org").await;
    deliver_over_sns(&api, &sample("connector/status-changed.json"), "ticket").await;
    process.stop().await;

    let group = mixpanel
        .group("organization_id", "360000000777")
        .expect("the mock accepted a /groups update of the documented shape");
    assert_eq!(
        Value::Object(group),
        json!({"$name": "Acme Ltd", "tags": ["gold"], "group_id": 360000000555_u64,
               "created_at": "2024-01-02T03:04:05Z"})
    );
    let events = mixpanel.deduplicated();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        events[0]["properties"]["organization_id"], "360000000777",
        "the event carries the group key with the group id"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_updates_are_retried_and_a_refused_one_fails_only_its_records() {
    let mixpanel = MockMixpanel::start().await;
    let api = RuntimeApi::start().await.unwrap();
    let mut settings = mixpanel.sink_env(&[("MIXPANEL_GROUP_KEY", "organization_id")]);
    settings.extend([
        ("RETRY_INITIAL_BACKOFF_MS".to_owned(), "20".to_owned()),
        ("RETRY_MAX_BACKOFF_MS".to_owned(), "100".to_owned()),
    ]);
    let process = FunctionProcess::spawn(&binary("mixpanel-sink"), &api, &settings).unwrap();
    let organization = on_the_bus(&organization_created(), &BusPolicy::default());
    let ticket = sample("connector/status-changed.json");

    // A 503 then a 429: retried, and the record is acknowledged once Mixpanel accepts.
    mixpanel.inject_groups_faults(&[503, 429]);
    deliver_over_sns(&api, &organization, "retried").await;
    assert_eq!(mixpanel.groups_requests(), 3);
    assert!(mixpanel.group("organization_id", "360000000777").is_some());

    // A refusal (`{"status": 0}`) fails the organization's record and only it: the ticket event
    // in the same SQS batch is acknowledged.
    let group_id = "360000000999";
    let other = organization
        .replace("360000000777", group_id)
        .replace("ev-org-1", "ev-org-2");
    mixpanel.inject_groups_faults(&[200]);
    let batch = ticketbridge_e2e::sqs(&[("org", other), ("ticket", ticket)]);
    let answer = api.invoke(batch, std::time::Duration::from_secs(20)).await;
    process.stop().await;
    assert_eq!(
        answer,
        Some(ticketbridge_cli::Outcome::Response(
            json!({"batchItemFailures": [{"itemIdentifier": "org"}]})
        ))
    );
    assert!(mixpanel.group("organization_id", group_id).is_none());
    assert_eq!(
        mixpanel.deduplicated().len(),
        1,
        "the ticket event was delivered"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organization_events_without_a_group_key_are_skipped_not_failed() {
    let mixpanel = MockMixpanel::start().await;
    let api = RuntimeApi::start().await.unwrap();
    let process =
        FunctionProcess::spawn(&binary("mixpanel-sink"), &api, &mixpanel.sink_env(&[])).unwrap();
    let organization = on_the_bus(&organization_created(), &BusPolicy::default());
    deliver_over_sns(&api, &organization, "org").await;
    let stderr = process.stderr_up_to_now().await.join("\n");
    process.stop().await;
    assert!(mixpanel.group("organization_id", "360000000777").is_none());
    assert!(stderr.contains("\"records_skipped\":1"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_events_set_the_requesters_profile_in_requester_mode_without_personal_data() {
    // Even when the bridge puts e-mail and name on the bus, the sink sends them only by setting.
    let policy = BusPolicy {
        include_email: true,
        include_user_name: true,
        ..BusPolicy::default()
    };
    let user = on_the_bus(&user_created(), &policy);
    for (extra, personal) in [
        (vec![], false),
        (
            vec![("INCLUDE_EMAIL", "true"), ("INCLUDE_USER_NAME", "true")],
            true,
        ),
    ] {
        let mixpanel = MockMixpanel::start().await;
        let api = RuntimeApi::start().await.unwrap();
        let mut settings = vec![("MIXPANEL_DISTINCT_ID", "requester")];
        settings.extend(extra);
        let process = FunctionProcess::spawn(
            &binary("mixpanel-sink"),
            &api,
            &mixpanel.sink_env(&settings),
        )
        .unwrap();
        deliver_over_sns(&api, &user, "user").await;
        deliver_over_sns(&api, &sample("connector/status-changed.json"), "ticket").await;
        process.stop().await;
        let profile = mixpanel.profile("900000000101").expect("requester profile");
        for (key, value) in [
            ("role", json!("end_user")),
            ("organization_id", json!(360000000777_u64)),
            ("locale", json!("en-GB")),
            ("time_zone", json!("London")),
            ("user_tags", json!(["vip"])),
            ("created_at", json!("2024-01-02T03:04:05Z")),
            ("last_login_at", json!("2026-03-01T09:00:00Z")),
        ] {
            assert_eq!(profile.get(key), Some(&value), "{key}: {profile:?}");
        }
        assert_eq!(
            profile.get("status"),
            Some(&json!("open")),
            "the ticket event's state is kept beside the user's: {profile:?}"
        );
        assert_eq!(profile.get("$email").is_some(), personal, "{profile:?}");
        assert_eq!(profile.get("$name").is_some(), personal, "{profile:?}");
        let everything = serde_json::to_string(&profile).unwrap();
        assert!(
            !everything.contains("+44"),
            "a phone number left: {everything}"
        );
        if !personal {
            assert!(!everything.contains(EMAIL) && !everything.contains("Lovelace"));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_events_in_ticket_mode_are_skipped_and_counted_not_failed() {
    let mixpanel = MockMixpanel::start().await;
    let api = RuntimeApi::start().await.unwrap();
    let process =
        FunctionProcess::spawn(&binary("mixpanel-sink"), &api, &mixpanel.sink_env(&[])).unwrap();
    deliver_over_sns(
        &api,
        &on_the_bus(&user_created(), &BusPolicy::default()),
        "user",
    )
    .await;
    let stderr = process.stderr_up_to_now().await.join("\n");
    process.stop().await;
    assert!(mixpanel.profile("900000000101").is_none());
    assert!(stderr.contains("\"records_skipped\":1"), "{stderr}");
}

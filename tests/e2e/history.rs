//! Zendesk history into Mixpanel against local counterparts: a mock of Zendesk's incremental
//! exports (cursor and time-based paging, boundary duplicates, same-second loops, 429 with
//! `Retry-After`, 5xx, archived tickets without metric sets) and a mock Mixpanel that stores
//! what it accepts.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Duration;

use delivery::Settings;
use mixpanel::MixpanelConfig;
use serde_json::{Value, json};
use ticket_metrics::{CursorStore, MetricsConfig, MetricsJob, Stop};
use ticketbridge_cli::backfill::{Backfill, BackfillOptions, CheckpointFile, Ended};
use ticketbridge_cli::{FunctionProcess, Outcome, RuntimeApi};
use ticketbridge_e2e::{
    EventSource, MockMixpanel, MockZendeskExports, ZENDESK_TOKEN, binary, deliver_over_sns, sample,
    sns,
};
use zendesk_api::ZendeskConfig;

fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ticketbridge-history-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

fn settings(
    zendesk: &MockZendeskExports,
    mixpanel: &MockMixpanel,
    extra: &[(&str, &str)],
) -> Settings<'static> {
    let (z, m) = (zendesk.url(), mixpanel.url());
    let mut pairs = vec![
        ("ZENDESK_API_URL", z.as_str()),
        ("ZENDESK_OAUTH_TOKEN", ZENDESK_TOKEN),
        ("MIXPANEL_API_URL", m.as_str()),
        ("MIXPANEL_PROJECT_TOKEN", "history-token"),
        // Fast pace for tests; the benchmark runs Zendesk's real 10/min.
        ("ZENDESK_EXPORT_REQUESTS_PER_MINUTE", "600"),
        ("RETRY_INITIAL_BACKOFF_MS", "10"),
    ];
    pairs.extend_from_slice(extra);
    Settings::from_pairs(&pairs)
}

fn backfill(s: &Settings<'_>) -> Backfill {
    Backfill::new(
        &ZendeskConfig::from_settings(s).unwrap(),
        MixpanelConfig::from_settings(s).unwrap(),
    )
    .unwrap()
}

/// An export item on ticket `ticket` at `ts` changing status, with a comment every third item.
fn item(id: u64, ticket: u64, ts: i64) -> Value {
    let mut children = vec![
        json!({"id": id * 10, "event_type": "Change", "field_name": "status", "value": "open", "previous_value": "new"}),
    ];
    if id.is_multiple_of(3) {
        children.push(json!({"id": id * 10 + 1, "event_type": "Comment", "author_id": 7, "public": false, "body": "internal note"}));
    }
    json!({"id": id, "ticket_id": ticket, "timestamp": ts, "updater_id": 7, "event_type": "Audit", "child_events": children})
}

fn insert_ids(mixpanel: &MockMixpanel) -> Vec<String> {
    mixpanel
        .received()
        .iter()
        .map(|e| e["properties"]["$insert_id"].as_str().unwrap().to_owned())
        .collect()
}

fn assert_no_duplicates(ids: &[String]) {
    let mut sorted = ids.to_vec();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len(), "an event was sent twice");
}

#[tokio::test]
async fn backfill_pages_by_time_skips_boundary_duplicates_and_stops_at_end_of_stream() {
    // 40 items, 2 per second: pages of 7 end mid-second, so each next page repeats items.
    let items: Vec<Value> = (1..=40)
        .map(|i| item(i, 100 + i % 5, 1_700_000_000 + (i as i64 - 1) / 2))
        .collect();
    let zendesk = MockZendeskExports::start(EventSource::Fixed(items), vec![], 7).await;
    let mixpanel = MockMixpanel::start().await;
    let s = settings(&zendesk, &mixpanel, &[]);
    let options = BackfillOptions {
        since: 1_700_000_000,
        until: None,
        checkpoint: None,
        json: true,
    };
    let (ended, counts) = backfill(&s).run(&options).await.unwrap();
    assert_eq!(ended, Ended::Complete);
    assert_eq!(counts.items_read, 40);
    assert!(counts.duplicates_skipped > 0, "{counts:?}");
    // 40 status changes + 13 comments (ids divisible by 3).
    assert_eq!(counts.events_sent, 53);
    let ids = insert_ids(&mixpanel);
    assert_eq!(ids.len(), 53);
    assert_no_duplicates(&ids);
    let requests = zendesk.requests();
    assert!(
        requests
            .iter()
            .all(|r| r.contains("include=comment_events")),
        "{requests:?}"
    );
    // Private notes are sent as events, never with their body.
    assert!(
        !serde_json::to_string(&mixpanel.received())
            .unwrap()
            .contains("internal note")
    );
}

#[tokio::test]
async fn backfill_breaks_the_same_second_loop_and_says_so() {
    // 5 items in one second, pages of 3: Zendesk would answer the same page forever.
    let mut items: Vec<Value> = (1..=5).map(|i| item(i, 1, 1_700_000_100)).collect();
    items.push(item(6, 1, 1_700_000_101));
    let zendesk = MockZendeskExports::start(EventSource::Fixed(items), vec![], 3).await;
    let mixpanel = MockMixpanel::start().await;
    let s = settings(&zendesk, &mixpanel, &[]);
    let options = BackfillOptions {
        since: 1_700_000_100,
        until: None,
        checkpoint: None,
        json: true,
    };
    let (ended, counts) = tokio::time::timeout(Duration::from_secs(20), backfill(&s).run(&options))
        .await
        .expect("the loop guard ends the run")
        .unwrap();
    assert_eq!(ended, Ended::Complete);
    assert_eq!(counts.stuck_seconds, 1);
    assert_eq!(
        counts.items_read, 4,
        "the first page of that second, then the next second"
    );
    assert_no_duplicates(&insert_ids(&mixpanel));
}

#[tokio::test]
async fn backfill_waits_out_429_and_retries_5xx() {
    let items: Vec<Value> = (1..=10)
        .map(|i| item(i, 1, 1_700_000_000 + i as i64))
        .collect();
    let zendesk = MockZendeskExports::start(EventSource::Fixed(items), vec![], 4).await;
    zendesk.inject_faults(&[429, 503, 500]);
    let mixpanel = MockMixpanel::start().await;
    mixpanel.inject_import_faults(&[503]);
    let s = settings(&zendesk, &mixpanel, &[]);
    let options = BackfillOptions {
        since: 1_700_000_000,
        until: Some(1_700_000_008),
        checkpoint: None,
        json: true,
    };
    let (_, counts) = backfill(&s).run(&options).await.unwrap();
    assert_eq!(counts.items_read, 8, "items after --until are not read");
    assert!(
        counts.rate_limit_wait_s >= 1.0,
        "Retry-After: 1 was honoured: {counts:?}"
    );
    assert_eq!(
        mixpanel.deduplicated().len(),
        10,
        "8 status changes and 2 comments"
    );
}

#[tokio::test]
async fn an_interrupted_backfill_resumes_from_its_checkpoint_and_sends_nothing_twice() {
    let items: Vec<Value> = (1..=60)
        .map(|i| item(i, 1 + i % 7, 1_700_000_000 + (i as i64) / 3))
        .collect();
    let zendesk = MockZendeskExports::start(EventSource::Fixed(items), vec![], 10).await;
    let mixpanel = MockMixpanel::start().await;
    let s = settings(&zendesk, &mixpanel, &[("MIXPANEL_BATCH_MAX_EVENTS", "6")]);
    let checkpoint = temp_path("resume.json");
    let options = BackfillOptions {
        since: 1_700_000_000,
        until: Some(1_700_000_100),
        checkpoint: Some(CheckpointFile::new(&checkpoint)),
        json: true,
    };
    let first = backfill(&s);
    let stop = first.stop_flag();
    // Ctrl-C sets this flag; pages come every 100 ms, so the run is mid-way at 150 ms.
    let watcher = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        stop.store(true, Ordering::Relaxed);
    });
    let (ended, counts) = first.run(&options).await.unwrap();
    watcher.await.unwrap();
    assert_eq!(ended, Ended::Interrupted);
    assert!(counts.items_read < 60, "stopped early: {counts:?}");
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(&checkpoint).unwrap()).unwrap();
    assert_eq!(saved["complete"], false);
    let sent_before = insert_ids(&mixpanel).len();
    assert_eq!(saved["events_sent"].as_u64().unwrap() as usize, sent_before);

    let (ended, _) = backfill(&s).run(&options).await.unwrap();
    assert_eq!(ended, Ended::Complete);
    let ids = insert_ids(&mixpanel);
    assert_no_duplicates(&ids);
    assert_eq!(ids.len(), 60 + 20, "every status change and comment, once");
    // A third run has nothing to do.
    let (_, counts) = backfill(&s).run(&options).await.unwrap();
    assert_eq!(counts.events_sent, 0);
    assert_eq!(insert_ids(&mixpanel).len(), 80);
}

#[tokio::test]
async fn a_checkpoint_for_another_range_is_refused() {
    let zendesk = MockZendeskExports::start(EventSource::Fixed(vec![]), vec![], 10).await;
    let mixpanel = MockMixpanel::start().await;
    let s = settings(&zendesk, &mixpanel, &[]);
    let checkpoint = temp_path("other-range.json");
    let file = CheckpointFile::new(&checkpoint);
    let options = |since| BackfillOptions {
        since,
        until: None,
        checkpoint: Some(file.clone()),
        json: true,
    };
    backfill(&s).run(&options(1_700_000_000)).await.unwrap();
    let e = backfill(&s).run(&options(1_600_000_000)).await.unwrap_err();
    assert!(e.contains("--since 1700000000"), "{e}");
}

/// The sample page's tickets, changed within the last hour (inside the default lookback).
fn export_tickets() -> Vec<Value> {
    let page: Value = serde_json::from_str(&sample("zendesk-api/ticket-export-page.json")).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let mut tickets = page["tickets"].as_array().unwrap().clone();
    for (n, t) in tickets.iter_mut().enumerate() {
        t["generated_timestamp"] = json!(now - 3600 + n as i64);
    }
    tickets
}

/// One metrics run of up to a minute, cursor in `cursor`.
async fn run_metrics(
    s: &Settings<'_>,
    cursor: &std::path::Path,
) -> Result<ticket_metrics::RunSummary, ticket_metrics::JobError> {
    metrics_job(s, cursor)
        .await
        .run(Duration::from_secs(60))
        .await
}

async fn metrics_job(s: &Settings<'_>, cursor: &std::path::Path) -> MetricsJob {
    MetricsJob::from_config(MetricsConfig::from_settings(s).unwrap())
        .await
        .unwrap()
        .with_store(CursorStore::File(cursor.to_owned()))
}

#[tokio::test]
async fn ticket_metrics_pages_by_cursor_saves_it_and_overlapping_runs_count_once() {
    let zendesk = MockZendeskExports::start(EventSource::Fixed(vec![]), export_tickets(), 2).await;
    zendesk.inject_faults(&[429, 502]);
    let mixpanel = MockMixpanel::start().await;
    let s = settings(&zendesk, &mixpanel, &[]);
    let cursor = temp_path("metrics-cursor");
    let job = metrics_job(&s, &cursor).await;
    let summary = job.run(Duration::from_secs(60)).await.unwrap();
    assert_eq!(summary.stopped, Some(Stop::CaughtUp));
    assert_eq!(summary.pages, 2);
    assert_eq!(
        (
            summary.tickets,
            summary.with_metrics,
            summary.without_metrics
        ),
        (4, 2, 2)
    );
    // Every ticket's state reached its profile; the two with metric sets also their event.
    assert_eq!(summary.delivered, 4);
    assert_eq!(std::fs::read_to_string(&cursor).unwrap(), "c:4");
    let requests = zendesk.requests();
    assert!(
        requests[0].contains("start_time=") && requests[0].contains("include=metric_sets"),
        "{requests:?}"
    );
    assert!(requests[1].contains("cursor=c%3A2"), "{requests:?}");
    let events = mixpanel.deduplicated();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["event"], "Ticket Metrics Updated");
    assert_eq!(events[0]["properties"]["reply_time_minutes_business"], 41);
    let profile = mixpanel.profile("48213").expect("profile $set");
    assert_eq!(profile["full_resolution_time_minutes_calendar"], 1148);

    // A lookback run over the same window (no cursor) sends the same metric sets again:
    // Mixpanel counts them once.
    std::fs::remove_file(&cursor).unwrap();
    run_metrics(&s, &cursor).await.unwrap();
    assert_eq!(mixpanel.received().len(), 4);
    assert_eq!(mixpanel.deduplicated().len(), 2);
}

#[tokio::test]
async fn ticket_metrics_stops_before_the_deadline_and_the_next_run_continues() {
    let zendesk = MockZendeskExports::start(EventSource::Fixed(vec![]), export_tickets(), 1).await;
    let mixpanel = MockMixpanel::start().await;
    // One export request per second; a page needs its export request, one /import and one
    // /engage request (3 × 1 s) and the cursor save (2 s) of the budget.
    let s = settings(
        &zendesk,
        &mixpanel,
        &[
            ("ZENDESK_EXPORT_REQUESTS_PER_MINUTE", "60"),
            ("REQUEST_TIMEOUT_MS", "1000"),
        ],
    );
    let cursor = temp_path("deadline-cursor");
    let summary = metrics_job(&s, &cursor)
        .await
        .run(Duration::from_millis(5500))
        .await
        .unwrap();
    assert_eq!(summary.stopped, Some(Stop::Deadline));
    assert_eq!(summary.pages, 1);
    assert_eq!(std::fs::read_to_string(&cursor).unwrap(), "c:1");
    let summary = run_metrics(&s, &cursor).await.unwrap();
    assert_eq!(summary.stopped, Some(Stop::CaughtUp));
    assert_eq!(summary.pages, 3);
    assert_eq!(std::fs::read_to_string(&cursor).unwrap(), "c:4");
    assert_eq!(mixpanel.deduplicated().len(), 2);
}

#[tokio::test]
async fn ticket_metrics_keeps_the_cursor_when_mixpanel_fails() {
    let zendesk = MockZendeskExports::start(EventSource::Fixed(vec![]), export_tickets(), 4).await;
    let mixpanel = MockMixpanel::start().await;
    mixpanel.inject_import_faults(&[401]);
    let s = settings(&zendesk, &mixpanel, &[]);
    let cursor = temp_path("failed-cursor");
    std::fs::write(&cursor, "c:0").unwrap();
    let e = run_metrics(&s, &cursor).await.unwrap_err();
    assert!(e.to_string().contains("Mixpanel did not accept"), "{e}");
    assert_eq!(
        std::fs::read_to_string(&cursor).unwrap(),
        "c:0",
        "not saved past what failed"
    );
}

/// Answers Mixpanel gives that name no record: a batch-wide 400, a misrouted proxy's 404 or 405,
/// a 408, a status nobody documents.
const WHOLE_REQUEST_REFUSALS: [u16; 5] = [400, 404, 405, 408, 418];

#[tokio::test]
async fn ticket_metrics_never_moves_the_cursor_past_a_page_mixpanel_refused_as_a_whole() {
    for status in WHOLE_REQUEST_REFUSALS {
        let zendesk =
            MockZendeskExports::start(EventSource::Fixed(vec![]), export_tickets(), 2).await;
        let mixpanel = MockMixpanel::start().await;
        // Every /import of the run is answered so (retries included).
        mixpanel.inject_import_faults(&[status; 64]);
        let s = settings(&zendesk, &mixpanel, &[("RETRY_MAX_ATTEMPTS", "2")]);
        let cursor = temp_path(&format!("refused-cursor-{status}"));
        std::fs::write(&cursor, "c:0").unwrap();
        let e = run_metrics(&s, &cursor)
            .await
            .expect_err("a run whose pages were refused does not succeed")
            .to_string();
        assert!(
            e.contains(&format!("HTTP {status}")) && e.contains("page 1"),
            "the error names the status and the page: {e}"
        );
        assert_eq!(
            std::fs::read_to_string(&cursor).unwrap(),
            "c:0",
            "HTTP {status}: the cursor stays where it was"
        );
        assert!(mixpanel.received().is_empty());

        // Once Mixpanel answers again, a rerun delivers every ticket.
        mixpanel.clear_import_faults();
        let summary = run_metrics(&s, &cursor).await.unwrap();
        assert_eq!(summary.stopped, Some(Stop::CaughtUp));
        assert_eq!(summary.rejected, 0);
        assert_eq!(
            mixpanel.deduplicated().len() as u64,
            summary.with_metrics,
            "HTTP {status}: every metric set delivered on the rerun"
        );
    }
}

#[tokio::test]
async fn backfill_never_moves_the_checkpoint_past_a_batch_mixpanel_refused_as_a_whole() {
    for status in WHOLE_REQUEST_REFUSALS {
        let items: Vec<Value> = (1..=12)
            .map(|i| item(i, 1 + i % 3, 1_700_000_000 + i as i64))
            .collect();
        let zendesk = MockZendeskExports::start(EventSource::Fixed(items), vec![], 4).await;
        let mixpanel = MockMixpanel::start().await;
        let s = settings(
            &zendesk,
            &mixpanel,
            &[
                ("MIXPANEL_BATCH_MAX_EVENTS", "4"),
                ("RETRY_MAX_ATTEMPTS", "2"),
            ],
        );
        let checkpoint = temp_path(&format!("refused-{status}.json"));
        let options = BackfillOptions {
            since: 1_700_000_000,
            until: Some(1_700_000_100),
            checkpoint: Some(CheckpointFile::new(&checkpoint)),
            json: true,
        };
        // The first batch is accepted; every request after it is refused.
        mixpanel.inject_import_faults_after(1, &[status; 64]);
        let e = backfill(&s)
            .run(&options)
            .await
            .map(|_| ())
            .expect_err("a refused batch stops the backfill");
        assert!(
            e.contains(&format!("HTTP {status}")) && e.contains("batch 2"),
            "the error names the status and the batch: {e}"
        );
        assert_eq!(mixpanel.received().len(), 4, "only the first batch landed");
        let saved: Value =
            serde_json::from_str(&std::fs::read_to_string(&checkpoint).unwrap()).unwrap();
        assert_eq!(saved["complete"], false, "HTTP {status}");
        let accepted = mixpanel.received().len();
        assert_eq!(
            saved["events_sent"].as_u64().unwrap() as usize,
            accepted,
            "HTTP {status}: the checkpoint holds exactly what Mixpanel accepted"
        );

        mixpanel.clear_import_faults();
        let (ended, _) = backfill(&s).run(&options).await.unwrap();
        assert_eq!(ended, Ended::Complete);
        let ids = insert_ids(&mixpanel);
        assert_no_duplicates(&ids);
        assert_eq!(ids.len(), 12 + 4, "HTTP {status}: every event, once");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_an_older_event_overwrote_is_healed_by_the_next_metrics_run() {
    let mixpanel = MockMixpanel::start().await;
    let api = RuntimeApi::start().await.unwrap();
    let env = vec![
        ("MIXPANEL_API_URL".to_owned(), mixpanel.url()),
        (
            "MIXPANEL_PROJECT_TOKEN".to_owned(),
            "history-token".to_owned(),
        ),
    ];
    let sink = FunctionProcess::spawn(&binary("mixpanel-sink"), &api, &env).unwrap();
    // Ticket 48213 is solved; an older "open" event of it arrives last (an SQS retry, a DLQ
    // redrive, a re-delivery), in its own invocation.
    let event = |status: &str, occurred_at: &str, position: u64| {
        let mut e: Value = serde_json::from_str(&sample("connector/status-changed.json")).unwrap();
        let te = &mut e["detail"]["ticket_event"];
        te["ticket"]["status"] = json!(status);
        te["current"] = json!(status);
        te["meta"]["occurred_at"] = json!(occurred_at);
        te["meta"]["sequence"]["position"] = json!(position);
        e.to_string()
    };
    for (n, payload) in [
        event("solved", "2026-03-11T09:30:00Z", 2),
        event("open", "2026-03-10T15:01:11Z", 1),
    ]
    .iter()
    .enumerate()
    {
        assert_eq!(
            api.invoke(sns(payload, &format!("m{n}")), Duration::from_secs(20))
                .await,
            Some(Outcome::Response(json!({"records": 1})))
        );
    }
    sink.stop().await;
    assert_eq!(
        mixpanel.profile("48213").unwrap()["status"],
        "open",
        "Mixpanel's $set is last-write-wins: the older event made the profile stale"
    );

    // The next scheduled run reads the ticket's current state from the export and sets it.
    let zendesk = MockZendeskExports::start(EventSource::Fixed(vec![]), export_tickets(), 4).await;
    let s = settings(&zendesk, &mixpanel, &[]);
    let cursor = temp_path("healing-cursor");
    run_metrics(&s, &cursor).await.unwrap();
    let healed = mixpanel.profile("48213").unwrap();
    assert_eq!(healed["status"], "solved");
    assert_eq!(healed["tags"], json!(["billing", "refund"]));
    assert_eq!(healed["last_event_at"], "2026-03-11T09:30:00");
    // Tickets without a metric set heal too.
    assert_eq!(mixpanel.profile("30001").unwrap()["status"], "closed");
}

/// A metric event `seconds` from now (negative: in the past).
fn metric_event(id: u64, ticket: u64, kind: &str, seconds: i64, extra: Value) -> Value {
    let at = zendesk_events::Timestamp::from_unix_nanos(
        (zendesk_api::unix_now() + seconds) as i128 * 1_000_000_000,
    )
    .unwrap();
    let mut event = json!({"id": id, "ticket_id": ticket, "metric": "reply_time", "instance_id": 1,
                           "type": kind, "time": at.to_rfc3339_millis()});
    event
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    event
}

fn urgent() -> Value {
    json!({"sla": {"target": 60, "business_hours": false,
                   "policy": {"id": 25, "title": "Urgent", "description": "Within the hour"}}})
}

/// The job with the SLA pass publishing to `bus`, both cursors beside `cursor`.
async fn sla_job(
    s: &Settings<'_>,
    cursor: &std::path::Path,
    bus: &ticketbridge_cli::LocalBus,
) -> MetricsJob {
    let sdk = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("eu-west-1"))
        .endpoint_url(bus.url())
        .credentials_provider(aws_sdk_eventbridge::config::SharedCredentialsProvider::new(
            aws_sdk_eventbridge::config::Credentials::for_tests(),
        ))
        .build();
    let config = MetricsConfig::from_settings(s).unwrap();
    let publisher = event_bus::Publisher::new(&sdk, "ticketbridge-events", config.mixpanel.retry);
    MetricsJob::from_config(config)
        .await
        .unwrap()
        .with_store(CursorStore::File(cursor.to_owned()))
        .with_sla(
            CursorStore::File(cursor.with_extension("sla.json")),
            Some(publisher),
        )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sla_breaches_are_published_once_they_happened_never_when_deleted_or_cancelled_and_reach_mixpanel_once()
 {
    // Tickets 1 and 3 as Zendesk holds them (2 was deleted since).
    let tickets = [1u64, 3]
        .map(|id| {
            json!({"id": id, "status": "open", "requester_id": 900 + id, "organization_id": 77,
                         "subject": "Call me on +44 20 7946 0958", "generated_timestamp": 0})
        })
        .to_vec();
    // Pages of three, overlapping at their boundary second as Zendesk's do.
    let zendesk = MockZendeskExports::start(EventSource::Fixed(vec![]), tickets, 3).await;
    zendesk.set_metric_events(vec![
        // Ticket 1: applied, breached an hour later, fulfilled after: the target was missed.
        metric_event(1, 1, "apply_sla", -10_800, urgent()),
        metric_event(2, 1, "activate", -10_800, json!({})),
        metric_event(3, 1, "breach", -7_200, json!({})),
        metric_event(4, 1, "fulfill", -3_600, json!({})),
        // Ticket 2: fulfilled in time; its breach was recorded ahead and then deleted.
        metric_event(5, 2, "apply_sla", -5_400, urgent()),
        metric_event(6, 2, "fulfill", -3_000, json!({})),
        metric_event(7, 2, "breach", -1_800, json!({"deleted": true})),
        // Ticket 3: applied, its breach still 3 s ahead.
        metric_event(8, 3, "apply_sla", -600, urgent()),
        metric_event(9, 3, "breach", 3, json!({})),
        // Ticket 4: its policy changed; the old target's breach was deleted, the new one's
        // happened.
        metric_event(10, 4, "apply_sla", -7_000, urgent()),
        metric_event(
            11,
            4,
            "apply_sla",
            -6_900,
            json!({"sla": {"target": 240, "business_hours": true,
                     "policy": {"id": 26, "title": "Normal"}}}),
        ),
        metric_event(12, 4, "breach", -3_400, json!({"deleted": true})),
        metric_event(13, 4, "breach", -900, json!({})),
    ]);
    let mixpanel = MockMixpanel::start().await;
    let bus = ticketbridge_cli::LocalBus::start().await.unwrap();
    let s = settings(
        &zendesk,
        &mixpanel,
        &[("EVENT_BUS_NAME", "ticketbridge-events")],
    );
    let cursor = temp_path("sla-cursor");
    let summary = sla_job(&s, &cursor, &bus)
        .await
        .run(Duration::from_secs(60))
        .await
        .unwrap();
    let sla = summary.sla.clone().expect("the SLA pass ran");
    assert_eq!(
        (sla.published, sla.cancelled, sla.held),
        (4, 2, 1),
        "{sla:?}"
    );
    assert!(sla.pages > 3, "{sla:?}");
    let names = |events: &[Value]| -> Vec<(u64, String)> {
        events
            .iter()
            .map(|e| {
                (
                    e["detail"]["ticket_event"]["ticket"]["id"]
                        .as_u64()
                        .unwrap(),
                    e["detail-type"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(
        names(&bus.events()),
        [
            (1, "Support Ticket: SLA Breached".to_owned()),
            (1, "Support Ticket: SLA Fulfilled".to_owned()),
            (2, "Support Ticket: SLA Fulfilled".to_owned()),
            (4, "Support Ticket: SLA Breached".to_owned()),
        ]
    );
    let changed = &bus.events()[3]["detail"]["ticket_event"]["sla"];
    assert_eq!(
        (
            changed["policy_title"].clone(),
            changed["target_minutes"].clone()
        ),
        (json!("Normal"), json!(240)),
        "the breach of the policy in force"
    );
    let fulfilled = |ticket: u64| {
        bus.events()
            .into_iter()
            .find(|e| {
                e["detail"]["ticket_event"]["ticket"]["id"] == ticket
                    && e["detail-type"] == "Support Ticket: SLA Fulfilled"
            })
            .unwrap()["detail"]["ticket_event"]["sla"]["target_met"]
            .clone()
    };
    assert_eq!((fulfilled(1), fulfilled(2)), (json!(false), json!(true)));
    // Each carries its ticket as Zendesk holds it (the requester for requester timelines and
    // profiles), never its subject; a deleted ticket keeps its id only.
    let first = &bus.events()[0]["detail"]["ticket_event"]["ticket"];
    assert_eq!(
        (
            first["requester_id"].clone(),
            first["organization_id"].clone()
        ),
        (json!(901), json!(77))
    );
    assert!(
        !bus.events().iter().any(|e| e.to_string().contains("7946")),
        "no subject on the bus"
    );
    assert_eq!(
        bus.events()[2]["detail"]["ticket_event"]["ticket"],
        json!({"id": 2})
    );

    // A run before the breach's time publishes nothing again; once it passed, it is published
    // with the SLA its apply_sla (read by the first run) set.
    let again = sla_job(&s, &cursor, &bus)
        .await
        .run(Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(again.sla.unwrap().published, 0);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let later = sla_job(&s, &cursor, &bus)
        .await
        .run(Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(later.sla.unwrap().published, 1);
    let events = bus.events();
    assert_eq!(events.len(), 5);
    let breach = &events[4]["detail"]["ticket_event"];
    assert_eq!(breach["ticket"]["id"], 3);
    assert_eq!(breach["sla"]["policy_title"], "Urgent");
    assert_eq!(breach["sla"]["target_minutes"], 60);

    // Through the real mixpanel-sink, delivered twice: each SLA event counted once, keyed by
    // its metric event.
    let api = RuntimeApi::start().await.unwrap();
    let sink =
        FunctionProcess::spawn(&binary("mixpanel-sink"), &api, &mixpanel.sink_env(&[])).unwrap();
    for (n, event) in events.iter().chain(events.iter()).enumerate() {
        deliver_over_sns(&api, &event.to_string(), &format!("sla-{n}")).await;
    }
    sink.stop().await;
    let held = mixpanel.deduplicated();
    let sla_events: Vec<&Value> = held
        .iter()
        .filter(|e| e["event"].as_str().unwrap().starts_with("Ticket SLA"))
        .collect();
    assert_eq!(sla_events.len(), 5, "{held:?}");
    let breached = sla_events
        .iter()
        .find(|e| e["event"] == "Ticket SLA Breached" && e["properties"]["ticket_id"] == 3)
        .unwrap();
    assert_eq!(breached["properties"]["sla_policy_title"], "Urgent");
    assert_eq!(breached["properties"]["sla_metric"], "reply_time");
}

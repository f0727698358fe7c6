//! The scheduled `ticket-metrics` function the way Lambda runs it, against Zendesk's real export
//! limit:
//! - init: process start → first request for work, over 20 cold starts;
//! - one scheduled run over a backlog of tickets with metric sets (30,000 by default), from a
//!   mock cursor export serving 1000 tickets per page and answering 429 past 10 requests per
//!   rolling minute, into a mock Mixpanel: tickets per minute at the mock, requests answered 429,
//!   events and profiles Mixpanel received, and the function's peak resident memory (VmHWM),
//!   which is what its Lambda memory size has to hold.
//!
//! Usage: `metrics-bench [target/release/ticket-metrics] [tickets]` (`make bench-metrics`).

use std::collections::HashSet;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use ticketbridge_cli::{FunctionProcess, Outcome, RuntimeApi};
use ticketbridge_e2e::{
    EventSource, MockMixpanel, MockZendeskExports, ZENDESK_TOKEN, cold_starts,
    describe_cold_starts, memory_kib,
};
use zendesk_events::samples;

const COLD_STARTS: usize = 20;
const PAGE: usize = 1000;
const LIMIT_PER_MINUTE: usize = 10;
/// Lambda's longest timeout, the one the infra gives ticket-metrics.
const LAMBDA_TIMEOUT: Duration = Duration::from_secs(15 * 60);

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let binary = std::path::PathBuf::from(
        args.next()
            .unwrap_or_else(|| "target/release/ticket-metrics".into()),
    );
    let count: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(30_000);

    let zendesk = MockZendeskExports::start(EventSource::Fixed(vec![]), backlog(count), PAGE).await;
    let mixpanel = MockMixpanel::start().await;
    let env: Vec<(String, String)> = vec![
        ("ZENDESK_API_URL".into(), zendesk.url()),
        ("ZENDESK_OAUTH_TOKEN".into(), ZENDESK_TOKEN.into()),
        ("MIXPANEL_API_URL".into(), mixpanel.url()),
        ("MIXPANEL_PROJECT_TOKEN".into(), "bench-token".into()),
    ];

    let inits = cold_starts(&binary, &env, COLD_STARTS).await;
    println!(
        "init (process start → first /next), {}",
        describe_cold_starts(&inits)
    );

    zendesk.enforce_limit(LIMIT_PER_MINUTE, Duration::from_secs(60));
    let api = RuntimeApi::start().await.expect("emulator");
    let process = FunctionProcess::spawn(&binary, &api, &env).expect("spawn");
    let pid = process.id().expect("pid");
    while api.first_poll().is_none() {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let idle = memory_kib(pid, "VmRSS").unwrap_or(0);
    let schedule = json!({"version": "0", "id": "bench", "detail-type": "Scheduled Event",
        "source": "aws.events", "account": "123456789012", "time": "2026-11-21T10:00:00Z",
        "region": "eu-west-1", "resources": [], "detail": {}});
    let started = Instant::now();
    let outcome = api.invoke(schedule.to_string(), LAMBDA_TIMEOUT).await;
    let took = started.elapsed();
    let peak = memory_kib(pid, "VmHWM").unwrap_or(0);
    let summary = match outcome {
        Some(Outcome::Response(summary)) => summary,
        other => panic!(
            "the run failed: {other:?}\n{}",
            process.stderr_up_to_now().await.join("\n")
        ),
    };
    process.stop().await;

    let ceiling = (LIMIT_PER_MINUTE * PAGE) as f64;
    let pages = zendesk.ticket_pages();
    // Steady state, as measured at the mock: the tickets after the first page, over the time from
    // the first page served to the last (the first page comes free at the start).
    let steady = match (pages.first(), pages.last()) {
        (Some((first_at, first_items)), Some((last_at, _))) if pages.len() > 1 => {
            (count - first_items) as f64 * 60.0 / last_at.duration_since(*first_at).as_secs_f64()
        }
        _ => 0.0,
    };
    let events = mixpanel.deduplicated();
    let tickets_with_event: HashSet<&Value> = events
        .iter()
        .filter(|e| e["event"] == "Ticket Metrics Updated")
        .map(|e| &e["properties"]["ticket_id"])
        .collect();
    println!(
        "one scheduled run over {count} tickets with metric sets, mock export enforcing {LIMIT_PER_MINUTE} requests/min, {PAGE} tickets/page:"
    );
    println!("  answered in {:.0} s: {summary}", took.as_secs_f64());
    println!(
        "  export pages served: {}, answered 429 by the mock: {}; steady state {steady:.0} tickets/min = {:.1}% of the {ceiling:.0}/min ceiling",
        pages.len(),
        zendesk.throttled(),
        steady * 100.0 / ceiling
    );
    println!(
        "  Mixpanel: {} events received, {} distinct, covering {} tickets; {} ticket profiles set",
        mixpanel.received().len(),
        events.len(),
        tickets_with_event.len(),
        (0..count)
            .filter(|n| mixpanel.profile(&ticket_id(*n).to_string()).is_some())
            .count()
    );
    println!(
        "  resident memory: {:.1} MB idle after init, peak {:.1} MB during the run (Lambda memory size set by the infra: 256 MB)",
        idle as f64 / 1024.0,
        peak as f64 / 1024.0
    );
}

/// The id of backlog ticket `n`, which is also its profile's distinct id (Mixpanel's default
/// `MIXPANEL_DISTINCT_ID=ticket`).
fn ticket_id(n: usize) -> u64 {
    1_000_000 + n as u64
}

/// `count` tickets changed over the last hour, each with a metric set, built from the sample
/// export page's tickets that carry one.
fn backlog(count: usize) -> Vec<Value> {
    let (_, page) = samples::read("zendesk-api")
        .into_iter()
        .find(|(stem, _)| stem == "ticket-export-page")
        .expect("events/zendesk-api/ticket-export-page.json");
    let page: Value = serde_json::from_str(&page).expect("sample JSON");
    let templates: Vec<Value> = page["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .filter(|t| t["metric_set"].is_object())
        .cloned()
        .collect();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    (0..count)
        .map(|n| {
            let mut ticket = templates[n % templates.len()].clone();
            let id = ticket_id(n);
            // Spread over the last hour, oldest first, as the export orders them.
            let changed = now - 3600 + (n * 3600 / count) as i64;
            ticket["id"] = id.into();
            ticket["generated_timestamp"] = changed.into();
            ticket["metric_set"]["id"] = (5_000_000 + n as u64).into();
            ticket["metric_set"]["ticket_id"] = id.into();
            ticket
        })
        .collect()
}

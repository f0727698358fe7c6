//! Backfill throughput and memory against Zendesk's real export limit: a mock serving 1000
//! items per page that answers 429 past 10 requests per rolling minute, the real
//! `ticketbridge backfill` binary (release) sending to a mock Mixpanel, its resident memory
//! sampled every second. After the run time it gets Ctrl-C (SIGINT), like a user would.
//!
//! Usage: `backfill-bench [target/release/ticketbridge] [seconds]` (`make bench-backfill`).

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use ticketbridge_e2e::{EventSource, MockMixpanel, MockZendeskExports, ZENDESK_TOKEN, memory_kib};
use tokio::io::{AsyncBufReadExt, BufReader};

const PAGE: usize = 1000;
const LIMIT_PER_MINUTE: usize = 10;
const START: i64 = 1_600_000_000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let binary = args
        .next()
        .unwrap_or_else(|| "target/release/ticketbridge".into());
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(180);

    let zendesk = MockZendeskExports::start(
        EventSource::Generated {
            start: START,
            count: 100_000_000,
        },
        vec![],
        PAGE,
    )
    .await;
    zendesk.enforce_limit(LIMIT_PER_MINUTE, Duration::from_secs(60));
    let mixpanel = MockMixpanel::start().await;

    let mut child = tokio::process::Command::new(&binary)
        .args(["backfill", "--since", &START.to_string(), "--json"])
        .env("ZENDESK_API_URL", zendesk.url())
        .env("ZENDESK_OAUTH_TOKEN", ZENDESK_TOKEN)
        .env("MIXPANEL_API_URL", mixpanel.url())
        .env("MIXPANEL_PROJECT_TOKEN", "bench-token")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {binary}: {e} (run `make bench-backfill`)"));
    let pid = child.id().expect("pid");
    let mut progress = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let last_progress = tokio::spawn(async move {
        let mut last = Value::Null;
        while let Ok(Some(line)) = progress.next_line().await {
            if let Ok(v) = serde_json::from_str::<Value>(&line)
                && v.get("progress").is_some()
            {
                last = v;
            }
        }
        last
    });

    let started = Instant::now();
    let mut samples = Vec::new();
    while started.elapsed() < Duration::from_secs(seconds) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if let Some(kib) = memory_kib(pid, "VmRSS") {
            samples.push((started.elapsed().as_secs(), kib));
        }
    }
    let _ = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status();
    let output = child.wait_with_output().await.expect("backfill exit");
    let elapsed = started.elapsed().as_secs_f64();
    let summary: Value = String::from_utf8_lossy(&output.stdout)
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or(Value::Null);
    let progress = last_progress.await.unwrap_or(Value::Null);
    let counts = if summary.is_null() {
        &progress["progress"]
    } else {
        &summary["summary"]
    };

    let items = counts["items_read"].as_u64().unwrap_or(0);
    let sent = counts["events_sent"].as_u64().unwrap_or(0);
    let requests = zendesk.requests().len();
    let ceiling = (LIMIT_PER_MINUTE * PAGE) as f64;
    let items_per_minute = items as f64 * 60.0 / elapsed;
    // Steady state, as measured at the mock: the items read after the first page, over the time
    // from the first page served to the last (the first page comes free at the start).
    let pages = zendesk.event_pages();
    let steady = match (pages.first(), pages.last()) {
        (Some((first_at, first_items)), Some((last_at, _))) if pages.len() > 1 => {
            (items as f64 - *first_items as f64) * 60.0
                / last_at.duration_since(*first_at).as_secs_f64()
        }
        _ => 0.0,
    };
    let after_warmup: Vec<u64> = samples
        .iter()
        .filter(|(t, _)| *t >= 30)
        .map(|(_, k)| *k)
        .collect();
    let (min, max) = (
        after_warmup.iter().min().copied().unwrap_or(0),
        after_warmup.iter().max().copied().unwrap_or(0),
    );
    println!(
        "backfill against a mock export enforcing {LIMIT_PER_MINUTE} requests/min, {PAGE} items/page, for {elapsed:.0} s:"
    );
    println!(
        "  export requests answered: {requests} ({} ticket event pages), answered 429 by the mock: {}",
        pages.len(),
        zendesk.throttled()
    );
    println!(
        "  ticket events (export items) read: {items} = {items_per_minute:.0}/min over the run; steady state {steady:.0}/min = {:.1}% of the {ceiling:.0}/min ceiling",
        steady * 100.0 / ceiling
    );
    println!(
        "  Mixpanel events accepted: {sent} ({} received by the mock, {} distinct)",
        mixpanel.received().len(),
        mixpanel.deduplicated().len()
    );
    println!(
        "  rate-limit wait: {:.0} s; duplicates skipped at page boundaries: {}",
        counts["rate_limit_wait_s"].as_f64().unwrap_or(0.0),
        counts["duplicates_skipped"]
    );
    println!(
        "  resident memory after 30 s: min {:.1} MB, max {:.1} MB ({} samples); {}",
        min as f64 / 1024.0,
        max as f64 / 1024.0,
        after_warmup.len(),
        output.status
    );
}

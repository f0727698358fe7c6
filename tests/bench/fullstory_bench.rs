//! Measures the real `fullstory-sink` binary the way Lambda runs it, against a mock FullStory
//! that answers every request after 20 ms: events per second per function instance through
//! bounded concurrency, for several `FULLSTORY_CONCURRENCY` values; and init time.
//!
//! Usage: `fullstory-bench target/release/fullstory-sink` (`make bench-lambda`).

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use ticketbridge_cli::{FunctionProcess, Outcome, RuntimeApi};
use ticketbridge_e2e::{FULLSTORY_KEY, MockFullStory, cold_starts, describe_cold_starts, sample};

const LATENCY: Duration = Duration::from_millis(20);
const BATCHES: usize = 10;
const BATCH: usize = 100;
const COLD_STARTS: usize = 20;

/// `BATCHES` SQS batches of `BATCH` distinct status changes (distinct webhook ids per `run`, so
/// distinct keys and no dedup).
fn batches(run: usize) -> Vec<String> {
    let template: Value =
        serde_json::from_str(&sample("webhook/ticket.status_changed.json")).unwrap();
    (0..BATCHES)
        .map(|b| {
            let records: Vec<Value> = (0..BATCH)
                .map(|n| {
                    let mut event = template.clone();
                    event["id"] = json!(format!("bench-{run}-{b}-{n}"));
                    json!({"messageId": format!("m{b}-{n}"), "eventSource": "aws:sqs", "body": event.to_string()})
                })
                .collect();
            json!({ "Records": records }).to_string()
        })
        .collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let binary = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/release/fullstory-sink".into());
    let binary = std::path::PathBuf::from(binary);
    let fullstory = MockFullStory::start_with_latency(LATENCY).await;
    let env = |concurrency: usize| -> Vec<(String, String)> {
        [
            ("FULLSTORY_API_URL", fullstory.url()),
            ("FULLSTORY_API_KEY", FULLSTORY_KEY.to_owned()),
            ("FULLSTORY_USER_ID", "requester_id".to_owned()),
            ("FULLSTORY_CONCURRENCY", concurrency.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    };

    let inits = cold_starts(&binary, &env(8), COLD_STARTS).await;
    println!(
        "init (process start → first /next), {}",
        describe_cold_starts(&inits)
    );

    for concurrency in [1, 8, 16, 32] {
        let payloads = batches(concurrency);
        let api = RuntimeApi::start().await.expect("emulator");
        let process = FunctionProcess::spawn(&binary, &api, &env(concurrency)).expect("spawn");
        let before = fullstory.events().len();
        let started = Instant::now();
        for payload in &payloads {
            match api.invoke(payload.clone(), Duration::from_secs(120)).await {
                Some(Outcome::Response(answer)) if answer == json!({"batchItemFailures": []}) => {}
                other => panic!("unexpected answer: {other:?}"),
            }
        }
        let elapsed = started.elapsed();
        let sent = fullstory.events().len() - before;
        assert_eq!(sent, BATCHES * BATCH, "every event stored once");
        println!(
            "FULLSTORY_CONCURRENCY={concurrency:>2}: {sent} events in {:.2} s against {} ms latency → {:.0} events/s",
            elapsed.as_secs_f64(),
            LATENCY.as_millis(),
            sent as f64 / elapsed.as_secs_f64()
        );
        process.stop().await;
    }
}

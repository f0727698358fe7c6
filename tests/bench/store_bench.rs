//! Measures the real `ticket-store` binary the way Lambda runs it, writing to the local table
//! (the in-process stand-in that answers its conditional `UpdateItem`s, as `make demo` uses):
//! items written per second per function instance, for several `STORE_CONCURRENCY` values,
//! over SQS batches of distinct tickets (no write coalesced, none skipped); and init time. The
//! local table answers in microseconds, so this measures the function, not DynamoDB's latency.
//!
//! Usage: `store-bench target/release/ticket-store` (`make bench-store`).

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use ticketbridge_cli::{FunctionProcess, LocalTable, Outcome, RuntimeApi};
use ticketbridge_e2e::{cold_starts, describe_cold_starts, sample};

const BATCHES: usize = 20;
const BATCH: usize = 100;
const COLD_STARTS: usize = 20;

/// `BATCHES` SQS batches of `BATCH` status changes, each of its own ticket.
fn batches(run: usize) -> Vec<String> {
    let template: Value = serde_json::from_str(&sample("connector/status-changed.json")).unwrap();
    (0..BATCHES)
        .map(|b| {
            let records: Vec<Value> = (0..BATCH)
                .map(|n| {
                    let mut event = template.clone();
                    event["detail"]["ticket_event"]["ticket"]["id"] =
                        json!(1_000_000 * (run + 1) + b * BATCH + n);
                    json!({"messageId": format!("m{b}-{n}"), "eventSource": "aws:sqs", "body": event.to_string()})
                })
                .collect();
            json!({ "Records": records }).to_string()
        })
        .collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let binary = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "target/release/ticket-store".into()),
    );
    let table = LocalTable::start().await.expect("local table");
    let env = |concurrency: usize| -> Vec<(String, String)> {
        [
            ("TICKET_TABLE", "bench-tickets".to_owned()),
            ("AWS_ENDPOINT_URL_DYNAMODB", table.url()),
            ("AWS_REGION", "local".to_owned()),
            ("AWS_ACCESS_KEY_ID", "local".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "local".to_owned()),
            ("STORE_CONCURRENCY", concurrency.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    };
    let inits = cold_starts(&binary, &env(16), COLD_STARTS).await;
    println!(
        "init (process start → first /next), {}",
        describe_cold_starts(&inits)
    );
    for (run, concurrency) in [1, 4, 16, 32].into_iter().enumerate() {
        let api = RuntimeApi::start().await.expect("emulator");
        let process = FunctionProcess::spawn(&binary, &api, &env(concurrency)).expect("spawn");
        while api.first_poll().is_none() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let payloads = batches(run);
        let before = table.counts().0;
        let started = Instant::now();
        for payload in payloads {
            match api.invoke(payload, Duration::from_secs(60)).await {
                Some(Outcome::Response(answer)) if answer["batchItemFailures"] == json!([]) => {}
                other => panic!("a batch was not fully written: {other:?}"),
            }
        }
        let took = started.elapsed();
        process.stop().await;
        let written = table.counts().0 - before;
        assert_eq!(written, BATCHES * BATCH, "every ticket written once");
        println!(
            "STORE_CONCURRENCY={concurrency}: {written} items in {:.0} ms = {:.0} items/s per instance",
            took.as_secs_f64() * 1000.0,
            written as f64 / took.as_secs_f64()
        );
    }
}

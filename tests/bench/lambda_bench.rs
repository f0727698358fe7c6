//! Measures the real function binary the way Lambda runs it:
//! - init: process start → first request for work, over 20 cold starts;
//! - peak RSS (VmHWM) while handling one 10,000-record SQS batch, against a local mock Mixpanel.
//!
//! Usage: `lambda-bench target/release/mixpanel-sink` (`make bench-lambda`).

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use ticketbridge_cli::{FunctionProcess, Outcome, RuntimeApi};
use ticketbridge_e2e::{MockMixpanel, cold_starts, describe_cold_starts, memory_kib};
use zendesk_events::samples;

const COLD_STARTS: usize = 20;
const BATCH: usize = 10_000;

fn peak_rss_kib(pid: u32) -> u64 {
    memory_kib(pid, "VmHWM").expect("VmHWM of the live function")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let binary = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/release/mixpanel-sink".into());
    let binary = std::path::PathBuf::from(binary);
    let mixpanel = MockMixpanel::start().await;
    let mut env: Vec<(String, String)> = vec![
        ("MIXPANEL_API_URL".into(), mixpanel.url()),
        ("MIXPANEL_PROJECT_TOKEN".into(), "bench-token".into()),
    ];
    // Extra settings for the function: KEY=VALUE arguments after the binary.
    env.extend(
        std::env::args()
            .skip(2)
            .filter_map(|a| a.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned()))),
    );

    let inits = cold_starts(&binary, &env, COLD_STARTS).await;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "init (process start → first /next), {}",
        describe_cold_starts(&inits)
    );

    let payload = sqs_batch(BATCH);
    let api = RuntimeApi::start().await.expect("emulator");
    let process = FunctionProcess::spawn(&binary, &api, &env).expect("spawn");
    let pid = process.id().expect("pid");
    while api.first_poll().is_none() {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    println!(
        "idle after init: RSS {:.1} MB",
        peak_rss_kib(pid) as f64 / 1024.0
    );
    let started = Instant::now();
    let outcome = api.invoke(payload.clone(), Duration::from_secs(120)).await;
    let took = started.elapsed();
    let hwm = peak_rss_kib(pid);
    match outcome {
        Some(Outcome::Response(answer))
            if answer["batchItemFailures"]
                .as_array()
                .is_some_and(Vec::is_empty) => {}
        other => panic!(
            "the batch was not fully delivered: {other:?}\n{:?}",
            process.take_stderr()
        ),
    }
    process.stop().await;
    println!(
        "{BATCH}-record SQS batch ({:.1} MB payload): peak RSS {:.1} MB, handled in {:.0} ms ({:.0} records/s end to end), {} events in Mixpanel",
        payload.len() as f64 / 1e6,
        hwm as f64 / 1024.0,
        ms(took),
        BATCH as f64 / took.as_secs_f64(),
        mixpanel.deduplicated().len()
    );
}

/// 10,000 raw-delivery SQS records cycling through every sample type, each a distinct event.
fn sqs_batch(n: usize) -> String {
    let mut templates = Vec::new();
    for folder in ["connector", "webhook"] {
        for (_, json) in samples::read(folder) {
            templates.push(serde_json::from_str::<Value>(&json).unwrap());
        }
    }
    let records: Vec<Value> = (0..n)
        .map(|i| {
            let mut event = templates[i % templates.len()].clone();
            let ticket = 100_000 + i as u64;
            if let Some(te) = event.pointer_mut("/detail/ticket_event") {
                te["ticket"]["id"] = ticket.into();
            } else {
                event["id"] = format!("00000000-0000-4000-8000-{i:012}").into();
                event["detail"]["id"] = ticket.to_string().into();
            }
            json!({"messageId": format!("m{i}"), "receiptHandle": "AQEB", "eventSource": "aws:sqs",
                   "eventSourceARN": "arn:aws:sqs:eu-west-1:210987654321:ticketbridge-mixpanel",
                   "awsRegion": "eu-west-1", "attributes": {"ApproximateReceiveCount": "1"},
                   "body": event.to_string()})
        })
        .collect();
    json!({ "Records": records }).to_string()
}

//! Measures the real `webhook-bridge` binary the way Lambda runs it:
//! - init (AWS SDK client included): process start → first request for work, 20 cold starts;
//! - a signed webhook through the binary to a local EventBridge and back, 500 requests.
//!
//! Usage: `bridge-bench target/release/webhook-bridge` (`make bench-lambda`).

use std::time::{Duration, Instant};

use ticketbridge_cli::bridge_demo::{DEMO_SECRET, bridge_env, signed_delivery};
use ticketbridge_cli::{FunctionProcess, LocalBus, Outcome, RuntimeApi};
use ticketbridge_e2e::{cold_starts, describe_cold_starts, sample};

const COLD_STARTS: usize = 20;
const REQUESTS: usize = 500;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let binary = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/release/webhook-bridge".into());
    let binary = std::path::PathBuf::from(binary);
    let bus = LocalBus::start().await.expect("local bus");
    let env = bridge_env(&bus);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;

    let inits = cold_starts(&binary, &env, COLD_STARTS).await;
    println!(
        "init (process start → first /next, SDK client built), {}",
        describe_cold_starts(&inits)
    );

    let api = RuntimeApi::start().await.expect("emulator");
    let process = FunctionProcess::spawn(&binary, &api, &env).expect("spawn");
    let body = sample("webhook/ticket.comment_added.json");
    let mut latencies = Vec::with_capacity(REQUESTS);
    for _ in 0..REQUESTS {
        let payload = signed_delivery(body.as_bytes(), DEMO_SECRET);
        let started = Instant::now();
        let outcome = api.invoke(payload, Duration::from_secs(10)).await;
        latencies.push(started.elapsed());
        match outcome {
            Some(Outcome::Response(answer)) if answer["statusCode"] == 200 => {}
            other => panic!("unexpected answer: {other:?}"),
        }
        process.take_stderr();
    }
    process.stop().await;
    latencies.sort();
    println!(
        "signed webhook → bridge → local EventBridge → answer, {REQUESTS} requests: p50 {:.2} ms, p99 {:.2} ms",
        ms(latencies[REQUESTS / 2]),
        ms(latencies[REQUESTS * 99 / 100])
    );
}

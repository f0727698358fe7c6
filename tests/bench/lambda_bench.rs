//! Measures the real function binary the way Lambda runs it:
//! - init: process start → first request for work, over 20 cold starts;
//! - on SQS batches of full-size events filling Lambda's 6 MB invocation payload, against a local
//!   mock Mixpanel: records per CPU-second of the function process (utime + stime from
//!   `/proc/<pid>/stat`) over ten invocations, and peak RSS (VmHWM) with the runtime's copy;
//! - peak RSS and time for one 10,000-record (12.9 MB) batch, for comparison with earlier figures.
//!
//! Usage: `lambda-bench target/release/mixpanel-sink` (`make bench-lambda`).

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use ticketbridge_cli::{FunctionProcess, Outcome, RuntimeApi};
use ticketbridge_e2e::{MockMixpanel, cold_starts, describe_cold_starts, memory_kib};
use zendesk_events::samples;

const COLD_STARTS: usize = 20;
const BATCH: usize = 10_000;
/// Lambda's synchronous invocation payload limit, which caps an SQS event source's batch.
const PAYLOAD_LIMIT: usize = 6 * 1024 * 1024;
const CPU_RUNS: usize = 10;

/// CPU time the process used so far (user + system), from `/proc/<pid>/stat`.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat of the function");
    // Fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_secs_f64(ticks as f64 / CLOCK_TICKS_PER_SECOND)
}

/// CPU time the process's threads ran so far, from each `/proc/<pid>/task/<tid>/schedstat`
/// (nanoseconds, where `stat` counts 10 ms ticks): the finer figure printed beside the floor's.
fn cpu_time_ns(pid: u32) -> Duration {
    let mut ns = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).expect("tasks of the function") {
        let stat = std::fs::read_to_string(task.expect("a task").path().join("schedstat"));
        // A thread that ended between the listing and the read ran no more.
        if let Some(first) = stat
            .ok()
            .and_then(|s| s.split(' ').next()?.parse::<u64>().ok())
        {
            ns += first;
        }
    }
    Duration::from_nanos(ns)
}

/// `/proc` counts CPU time in USER_HZ ticks, 100 per second on Linux.
const CLOCK_TICKS_PER_SECOND: f64 = 100.0;

/// Largest batch of distinct full-size records (starting at record `offset`) whose SQS event
/// fits in Lambda's 6 MB payload.
fn full_payload(offset: usize) -> (String, usize) {
    let mut n = 4000;
    loop {
        let payload = sqs_batch_from(offset, n + 50);
        if payload.len() > PAYLOAD_LIMIT {
            let fitting = sqs_batch_from(offset, n);
            return (fitting, n);
        }
        n += 50;
    }
}

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

    six_mb_batches(&binary, &env, &mixpanel).await;

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

/// Ten invocations with 6 MB batches of distinct events on one warm process: records per
/// CPU-second, peak RSS.
async fn six_mb_batches(
    binary: &std::path::Path,
    env: &[(String, String)],
    mixpanel: &MockMixpanel,
) {
    let api = RuntimeApi::start().await.expect("emulator");
    let process = FunctionProcess::spawn(binary, &api, env).expect("spawn");
    let pid = process.id().expect("pid");
    while api.first_poll().is_none() {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let mut batches = Vec::new();
    for run in 0..CPU_RUNS {
        batches.push(full_payload(run * 10_000));
    }
    let (size, records) = (batches[0].0.len(), batches[0].1);
    // `PERF_DATA=FILE` records a perf profile of the function over these invocations
    // (`make profile-lambda`).
    let perf = std::env::var_os("PERF_DATA").map(|file| {
        std::process::Command::new("perf")
            .args(["record", "-F", "4999", "-g", "-o"])
            .arg(file)
            .args(["-p", &pid.to_string()])
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("perf starts")
    });
    if perf.is_some() {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let before = mixpanel.deduplicated().len();
    let mut cpu = Duration::ZERO;
    let mut cpu_fine = Duration::ZERO;
    let mut wall = Duration::ZERO;
    let mut total = 0;
    for (payload, n) in batches {
        let (cpu_before, fine_before) = (cpu_time(pid), cpu_time_ns(pid));
        let started = Instant::now();
        let outcome = api.invoke(payload, Duration::from_secs(120)).await;
        wall += started.elapsed();
        cpu += cpu_time(pid) - cpu_before;
        cpu_fine += cpu_time_ns(pid) - fine_before;
        total += n;
        match outcome {
            Some(Outcome::Response(answer))
                if answer["batchItemFailures"]
                    .as_array()
                    .is_some_and(Vec::is_empty) => {}
            other => panic!("a 6 MB batch was not fully delivered: {other:?}"),
        }
    }
    let hwm = peak_rss_kib(pid);
    if let Some(mut perf) = perf {
        let _ = std::process::Command::new("kill")
            .args(["-INT", &perf.id().to_string()])
            .status();
        let _ = perf.wait();
    }
    process.stop().await;
    println!(
        "6 MB SQS batches ({records} records, {:.2} MB each), {CPU_RUNS} invocations: {:.0} records per CPU-second of the function ({:.1} ms CPU and {:.1} ms wall per batch; {:.2} ms CPU by schedstat), peak RSS {:.1} MB, {} events in Mixpanel",
        size as f64 / 1e6,
        total as f64 / cpu.as_secs_f64(),
        cpu.as_secs_f64() * 1000.0 / CPU_RUNS as f64,
        wall.as_secs_f64() * 1000.0 / CPU_RUNS as f64,
        cpu_fine.as_secs_f64() * 1000.0 / CPU_RUNS as f64,
        hwm as f64 / 1024.0,
        mixpanel.deduplicated().len() - before
    );
}

/// 10,000 raw-delivery SQS records cycling through every sample type, each a distinct event.
fn sqs_batch(n: usize) -> String {
    sqs_batch_from(0, n)
}

/// `n` raw-delivery SQS records starting at record number `offset`, cycling through every
/// sample type, each a distinct event.
fn sqs_batch_from(offset: usize, n: usize) -> String {
    let mut templates = Vec::new();
    for folder in ["connector", "webhook"] {
        for (_, json) in samples::read(folder) {
            templates.push(serde_json::from_str::<Value>(&json).unwrap());
        }
    }
    let records: Vec<Value> = (offset..offset + n)
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

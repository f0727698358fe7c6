//! The real `mixpanel-sink` against a Lambda Runtime API we did not write: cargo-lambda's own
//! emulator (`cargo lambda watch`), invoked with `cargo lambda invoke --data-file events/…`.
//! Checks what cargo-lambda answered and what the mock Mixpanel received.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use ticketbridge_e2e::{MockMixpanel, binary, cargo_lambda};
use tokio::process::{Child, Command};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `cargo lambda watch` serving only its Lambda APIs on `port`: the function is the binary we
/// built, started by the test, as an IDE would start it.
async fn watch(port: u16) -> Child {
    let child = Command::new(cargo_lambda())
        .args([
            "lambda",
            "watch",
            "--only-lambda-apis",
            "-A",
            "127.0.0.1",
            "-P",
        ])
        .arg(port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("cargo lambda watch starts");
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("cargo lambda watch did not listen on {port}");
}

/// `cargo lambda invoke --data-file <sample>`: the function's answer as JSON.
async fn invoke(port: u16, sample: &str) -> Value {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../events")
        .join(sample);
    let output = Command::new(cargo_lambda())
        .args([
            "lambda",
            "invoke",
            "--invoke-address",
            "127.0.0.1",
            "--invoke-port",
        ])
        .arg(port.to_string())
        .arg("--data-file")
        .arg(&file)
        .args(["--output-format", "json"])
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "cargo lambda invoke failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixpanel_sink_serves_cargo_lambdas_runtime_api() {
    let mixpanel = MockMixpanel::start().await;
    let port = free_port();
    let _watch = watch(port).await;
    let mut function = Command::new(binary("mixpanel-sink"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        // What `cargo lambda watch --only-lambda-apis` says a function must be given.
        .env(
            "AWS_LAMBDA_RUNTIME_API",
            format!("http://127.0.0.1:{port}/.rt"),
        )
        .env("AWS_LAMBDA_FUNCTION_NAME", "_")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
        .env("MIXPANEL_API_URL", mixpanel.url())
        .env("MIXPANEL_PROJECT_TOKEN", "e2e-token")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();

    // Three SQS records in raw delivery: every one accepted, so none is listed as failed.
    assert_eq!(
        invoke(port, "wrapped/sqs-raw.json").await,
        json!({"batchItemFailures": []})
    );
    // An SNS invocation answers with its record count.
    assert_eq!(
        invoke(port, "wrapped/sns-connector-status-changed.json").await,
        json!({"records": 1})
    );
    // The same SNS message delivered again adds nothing to what Mixpanel keeps.
    let kept_before = mixpanel.deduplicated().len();
    invoke(port, "wrapped/sns-connector-status-changed.json").await;
    function.kill().await.unwrap();

    let kept = mixpanel.deduplicated();
    assert_eq!(kept.len(), kept_before, "a redelivery is deduplicated");
    assert!(kept.len() >= 4, "every record's events arrived: {kept:#?}");
    let mut ids: Vec<&str> = kept
        .iter()
        .map(|e| e["properties"]["$insert_id"].as_str().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), kept.len(), "one $insert_id per event");
    assert!(
        kept.iter()
            .all(|e| e["properties"]["token"].is_null() || e["properties"]["token"] == "e2e-token")
    );
}

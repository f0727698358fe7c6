//! The demo's ticket-store step: the real `ticket-store` writing to the local table, one line per
//! input (writes applied, older ones skipped), then an out-of-order pair of events for one
//! ticket to show the older one skipped. The table's stream is kept for the next step: profiles
//! from the store.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::emulator::{Outcome, RuntimeApi};
use crate::function::FunctionProcess;
use crate::local_table::LocalTable;

/// What the store step did.
#[derive(Debug, Default)]
pub struct StoreReport {
    /// Inputs invoked.
    pub inputs: usize,
    /// Writes the table applied.
    pub applied: usize,
    /// Writes refused as older than the item.
    pub skipped_older: usize,
    /// Invocations answered with an error.
    pub errors: Vec<String>,
    /// Items in the table at the end.
    pub items: Vec<Value>,
    /// The table's stream: a new image per applied write, in order.
    pub stream: Vec<Value>,
}

/// A status change of the demo's out-of-order ticket to `status`, at minute `minute`.
fn status_change(template: &Value, status: &str, minute: u32) -> Value {
    let mut event = template.clone();
    let te = &mut event["detail"]["ticket_event"];
    te["meta"]["occurred_at"] = json!(format!("2025-03-10T16:{minute:02}:00.000000000Z"));
    te["meta"]["sequence"]["id"] = json!(format!("DE30{minute:028X}"));
    te["current"] = json!(status);
    te["ticket"]["id"] = json!(48999);
    te["ticket"]["status"] = json!(status);
    te["ticket"]["updated_at"] = json!(format!("2025-03-10T16:{minute:02}:00Z"));
    event
}

/// Runs `binary` over `inputs` (SNS invocations), then over a newer and an older status change
/// of one ticket, in that order.
pub async fn run(
    binary: &Path,
    mut inputs: Vec<(String, Vec<u8>)>,
    status_template: &Value,
) -> Result<StoreReport, String> {
    let table = LocalTable::start()
        .await
        .map_err(|e| format!("cannot start the local table: {e}"))?;
    let api = RuntimeApi::start()
        .await
        .map_err(|e| format!("cannot start the Runtime API emulator: {e}"))?;
    let env: Vec<(String, String)> = [
        ("TICKET_TABLE", "ticketbridge-tickets"),
        ("AWS_ENDPOINT_URL_DYNAMODB", &table.url()),
        ("AWS_REGION", "local"),
        ("AWS_ACCESS_KEY_ID", "local"),
        ("AWS_SECRET_ACCESS_KEY", "local"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let process = FunctionProcess::spawn(binary, &api, &env).map_err(|e| {
        format!(
            "cannot start {}: {e} (build it first: cargo build --bins)",
            binary.display()
        )
    })?;
    for (minute, status, label) in [(30, "solved", "newer"), (10, "open", "older")] {
        let event = status_change(status_template, status, minute);
        inputs.push((
            format!("ticket 48999 set to {status} at 16:{minute:02} (the {label} of an out-of-order pair)"),
            crate::local_bus::sns_event(&[event]).to_string().into_bytes(),
        ));
    }
    let mut report = StoreReport::default();
    for (label, payload) in inputs {
        let before = table.counts();
        let outcome = api.invoke(payload, Duration::from_secs(30)).await;
        let after = table.counts();
        let (applied, skipped) = (after.0 - before.0, after.1 - before.1);
        report.inputs += 1;
        match outcome {
            Some(Outcome::Response(answer)) => println!(
                "  ✔ {label}\n      {applied} write(s) applied, {skipped} older skipped · answered {answer}"
            ),
            Some(Outcome::Error {
                error_type,
                error_message,
            }) => {
                println!("  ✘ {label}\n      {error_type}: {error_message}");
                report.errors.push(label);
            }
            None => {
                let stderr = process.stderr_up_to_now().await.join("\n");
                return Err(format!("{label}: ticket-store did not answer\n{stderr}"));
            }
        }
        process.stderr_up_to_now().await;
    }
    process.stop().await;
    (report.applied, report.skipped_older) = table.counts();
    report.items = table.items();
    report.stream = table.stream_records();
    Ok(report)
}

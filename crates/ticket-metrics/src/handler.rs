//! The Lambda invocation: an EventBridge "Scheduled Event" (or `{}` for a manual run) in, the
//! run's summary out; a failed run is an invocation error, so Lambda retries it.

use std::time::Duration;

use delivery::{ANSWER_RESERVE, InvocationError};
use serde_json::Value;

use crate::job::MetricsJob;

/// The function name in logs.
pub const FUNCTION: &str = "ticket-metrics";

/// Runs the job once for this invocation.
pub async fn handle(
    job: &MetricsJob,
    payload: &[u8],
    budget: Duration,
) -> Result<Value, InvocationError> {
    check_schedule(payload).map_err(|e| InvocationError(format!("bad input: {e}")))?;
    let result = job.run(budget.saturating_sub(ANSWER_RESERVE)).await;
    match result {
        Ok(summary) => {
            let answer = serde_json::to_value(&summary).expect("summaries serialize");
            eprintln!(
                "{}",
                serde_json::json!({"function": FUNCTION, "summary": answer})
            );
            Ok(answer)
        }
        Err(e) => {
            tracing::error!(error = %e, "run failed; the cursor holds the last accepted page");
            Err(InvocationError(e.to_string()))
        }
    }
}

/// Accepts a Scheduled Event or an empty object; names what else arrived.
fn check_schedule(payload: &[u8]) -> Result<(), String> {
    let value: Value =
        serde_json::from_slice(payload).map_err(|e| format!("the payload is not JSON ({e})"))?;
    let Some(object) = value.as_object() else {
        return Err("expected an EventBridge Scheduled Event object".into());
    };
    match object.get("detail-type").and_then(Value::as_str) {
        None if object.is_empty() => Ok(()),
        Some("Scheduled Event") => Ok(()),
        Some(other) => Err(format!(
            "$.detail-type is {other:?}; ticket-metrics runs on a schedule (\"Scheduled Event\")"
        )),
        None => Err("$.detail-type is missing; expected an EventBridge Scheduled Event".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_and_manual_runs_pass_anything_else_is_named() {
        assert!(
            check_schedule(
                br#"{"detail-type":"Scheduled Event","source":"aws.events","detail":{}}"#
            )
            .is_ok()
        );
        assert!(check_schedule(b"{}").is_ok());
        let e = check_schedule(br#"{"detail-type":"Support Ticket: Ticket Created"}"#).unwrap_err();
        assert!(
            e.contains("$.detail-type") && e.contains("Support Ticket"),
            "{e}"
        );
        assert!(check_schedule(b"[1]").is_err());
        assert!(
            check_schedule(br#"{"Records":[]}"#)
                .unwrap_err()
                .contains("missing")
        );
    }
}

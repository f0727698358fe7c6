//! The Lambda invocation: an EventBridge "Scheduled Event" (or `{}` for a manual run) in, the
//! run's summary out; a failed run is an invocation error, so Lambda retries it.

use aws_lambda_events::eventbridge::EventBridgeEvent;
use lambda_io::{ANSWER_RESERVE, InvocationError, RawEvent, budget, with_request};
use serde_json::Value;

use crate::job::MetricsJob;

/// The function name in logs.
pub const FUNCTION: &str = "ticket-metrics";

/// Runs the job once for this invocation.
pub async fn handle(job: &MetricsJob, event: RawEvent) -> Result<Value, InvocationError> {
    check_schedule(event.payload.get().as_bytes())
        .map_err(|e| InvocationError(format!("bad input: {e}")))?;
    let result = job
        .run(budget(&event.context).saturating_sub(ANSWER_RESERVE))
        .await;
    match result {
        Ok(summary) => {
            let answer = serde_json::to_value(&summary).expect("summaries serialize");
            let mut line = serde_json::json!({"function": FUNCTION, "summary": answer});
            with_request(&mut line, &event.context);
            lambda_io::print_line(&line);
            Ok(answer)
        }
        Err(e) => {
            tracing::error!(error = %e, "run failed; the cursor holds the last accepted page");
            Err(InvocationError(e.to_string()))
        }
    }
}

/// Accepts an EventBridge Scheduled Event or an empty object (a manual run); names what else
/// arrived.
fn check_schedule(payload: &[u8]) -> Result<(), String> {
    let value: Value =
        serde_json::from_slice(payload).map_err(|e| format!("the payload is not JSON ({e})"))?;
    let Some(object) = value.as_object() else {
        return Err("expected an EventBridge Scheduled Event object".into());
    };
    if object.is_empty() {
        return Ok(());
    }
    if let Some(other) = object
        .get("detail-type")
        .and_then(Value::as_str)
        .filter(|t| *t != "Scheduled Event")
    {
        return Err(format!(
            "$.detail-type is {other:?}; ticket-metrics runs on a schedule (\"Scheduled Event\")"
        ));
    }
    let _: EventBridgeEvent = serde_path_to_error::deserialize(value).map_err(|e| {
        format!(
            "expected an EventBridge Scheduled Event: {} (at $.{})",
            e.inner(),
            e.path()
        )
    })?;
    Ok(())
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

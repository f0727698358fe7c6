//! One sink invocation, the part every sink shares: the payload's envelope, the deadline, the
//! answer Lambda needs, and the summary and EMF log lines. The sink supplies only what it does
//! with the records.

use std::fmt::Display;
use std::time::{Duration, Instant};

use serde_json::Value;
use zendesk_events::{Envelope, InputRecord};

use crate::answer::{InvocationError, answer};
use crate::batch::RecordId;
use crate::ledger::Failure;
use crate::retry::{Deadline, RetryPolicy};
use crate::send::Delivery;

/// Time kept back from the Lambda deadline to answer and log.
pub const ANSWER_RESERVE: Duration = Duration::from_millis(500);
/// CloudWatch namespace of the EMF metrics.
pub const METRICS_NAMESPACE: &str = "ticketbridge";

/// Runs one invocation of `function` with `budget` left before the Lambda deadline: parses the
/// envelope, lets `process` map and deliver its records, then answers from the ledger and logs
/// the summary line and EMF metrics.
pub async fn run_invocation(
    function: &'static str,
    policy: RetryPolicy,
    payload: &[u8],
    budget: Duration,
    process: impl AsyncFnOnce(&Envelope<'_>, &mut Delivery),
) -> Result<Value, InvocationError> {
    let started = Instant::now();
    let payload = std::str::from_utf8(payload)
        .map_err(|e| InvocationError(format!("bad input: the payload is not UTF-8 JSON ({e})")))?;
    let envelope =
        Envelope::parse(payload).map_err(|e| InvocationError(format!("bad input: {e}")))?;
    let deadline = Deadline::after(budget.saturating_sub(ANSWER_RESERVE));
    let mut delivery = Delivery::new(policy, deadline, envelope.len());
    process(&envelope, &mut delivery).await;

    let result = answer(envelope.kind(), &delivery.ledger, delivery.halted());
    delivery.telemetry.count_outcomes(&delivery.ledger);
    let summary = delivery
        .telemetry
        .summary(function, envelope.kind().label(), started.elapsed());
    eprintln!("{summary}");
    eprintln!("{}", delivery.telemetry.emf(METRICS_NAMESPACE, function));
    if let Err(e) = &result {
        tracing::error!(error = %e, "invocation failed");
    }
    result
}

impl Delivery {
    /// Starts tracking `record`: notes its platform id and returns its ledger id.
    pub fn open(&mut self, record: &InputRecord<'_>) -> RecordId {
        let id = record.index as RecordId;
        self.ledger.set_id(id, record.id.clone());
        id
    }

    /// Fails `record` as bad input, logging where and why (the error names the JSON path).
    pub fn reject_input(&mut self, record: &InputRecord<'_>, error: impl Display) {
        tracing::warn!(record = %record.label(), error = %error, "bad input");
        self.ledger.fail(
            record.index as RecordId,
            Failure::BadInput(error.to_string()),
        );
    }
}

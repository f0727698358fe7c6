//! The answer Lambda expects: `batchItemFailures` for SQS and DynamoDB streams, an invocation error for SNS and
//! EventBridge when any record failed (so Lambda retries and the on-failure destination keeps it).

use std::fmt;

use aws_lambda_events::sqs::SqsBatchResponse;
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use delivery::{Ledger, Outcome};
use lambda_runtime::Diagnostic;
use serde_json::{Value, json};

use crate::envelope::EnvelopeKind;

/// Most failed records named in one error message.
const MAX_NAMED: usize = 10;

/// The invocation failed: the message names the failed records and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvocationError(pub String);

impl fmt::Display for InvocationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvocationError {}

/// Lambda's error type for an invocation that did not deliver everything.
pub const RECORDS_NOT_DELIVERED: &str = "RecordsNotDelivered";

impl From<InvocationError> for Diagnostic {
    fn from(e: InvocationError) -> Self {
        Diagnostic {
            error_type: RECORDS_NOT_DELIVERED.to_owned(),
            error_message: e.0,
        }
    }
}

/// Builds the answer for an invocation of `kind` from the final ledger.
///
/// SQS answers with the failed `messageId`s, unless a failed record has no id or the
/// destination refused our configuration: then the whole invocation fails (every message is
/// retried, and the function's error metric shows it).
pub fn answer(
    kind: EnvelopeKind,
    ledger: &Ledger,
    halted: Option<&str>,
) -> Result<Value, InvocationError> {
    let failed: Vec<_> = ledger
        .outcomes()
        .filter_map(|(record, outcome)| match outcome {
            Outcome::Failed(f) => Some((record, f)),
            _ => None,
        })
        .collect();
    let describe = || {
        let mut lines: Vec<String> = failed
            .iter()
            .take(MAX_NAMED)
            .map(|(record, f)| match ledger.id(*record) {
                Some(id) => format!("record {record} ({id}): {f}"),
                None => format!("record {record}: {f}"),
            })
            .collect();
        if failed.len() > MAX_NAMED {
            lines.push(format!("… and {} more", failed.len() - MAX_NAMED));
        }
        format!(
            "{} of {} record(s) failed: {}",
            failed.len(),
            ledger.len(),
            lines.join("; ")
        )
    };
    if let Some(reason) = halted {
        return Err(InvocationError(format!(
            "destination refused the configuration ({reason}); {}",
            describe()
        )));
    }
    match kind {
        EnvelopeKind::Sqs => {
            let mut response = SqsBatchResponse::default();
            for (record, _) in &failed {
                match ledger.id(*record) {
                    Some(id) => response.add_failure(id),
                    None => {
                        return Err(InvocationError(format!(
                            "a failed record has no messageId; {}",
                            describe()
                        )));
                    }
                }
            }
            Ok(serde_json::to_value(response).expect("an SQS batch response serializes"))
        }
        // Lambda retries a stream batch from the lowest sequence number named, so every change
        // after a failed one is delivered again, in order.
        EnvelopeKind::DynamoDbStream => {
            let mut response = DynamoDbEventResponse::default();
            for (record, _) in &failed {
                match ledger.id(*record) {
                    Some(id) => {
                        let mut failure = DynamoDbBatchItemFailure::default();
                        failure.item_identifier = Some(id.to_owned());
                        response.batch_item_failures.push(failure);
                    }
                    None => {
                        return Err(InvocationError(format!(
                            "a failed stream record has no SequenceNumber; {}",
                            describe()
                        )));
                    }
                }
            }
            Ok(serde_json::to_value(response).expect("a stream batch response serializes"))
        }
        EnvelopeKind::Sns | EnvelopeKind::EventBridge | EnvelopeKind::Unrecognized
            if !failed.is_empty() =>
        {
            Err(InvocationError(describe()))
        }
        EnvelopeKind::Sns | EnvelopeKind::EventBridge | EnvelopeKind::Unrecognized => {
            Ok(json!({ "records": ledger.len() }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use delivery::Failure;

    fn ledger() -> Ledger {
        let mut l = Ledger::new(3);
        for r in 0..3 {
            l.set_id(r, Some(format!("m{r}")));
        }
        l.fail(
            1,
            Failure::BadInput("$.Records[1].body → $.detail: missing".into()),
        );
        l
    }

    #[test]
    fn sqs_lists_exactly_the_failed_records() {
        let answer = answer(EnvelopeKind::Sqs, &ledger(), None).unwrap();
        assert_eq!(
            answer,
            json!({"batchItemFailures": [{"itemIdentifier": "m1"}]})
        );
    }

    #[test]
    fn sns_fails_the_invocation_naming_record_and_cause() {
        let err = answer(EnvelopeKind::Sns, &ledger(), None).unwrap_err();
        assert_eq!(
            err.0,
            "1 of 3 record(s) failed: record 1 (m1): bad input: $.Records[1].body → $.detail: missing"
        );
    }

    #[test]
    fn configuration_errors_fail_every_kind() {
        assert!(answer(EnvelopeKind::Sqs, &ledger(), Some("Invalid credentials")).is_err());
        assert!(answer(EnvelopeKind::Sns, &Ledger::new(1), None).is_ok());
    }
}

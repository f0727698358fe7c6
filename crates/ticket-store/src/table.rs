//! The DynamoDB table as a delivery destination: each write is one conditional `UpdateItem`
//! (conditions rule out `BatchWriteItem`, and a transaction would fail every write for one
//! older event), made concurrently by the shared delivery code, with its retries and deadline.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;
use delivery::http::DryRun;
use delivery::{Destination, Item, Verdict};
use serde_json::{Value, json};

use crate::update::TicketUpdate;

/// Error codes worth another attempt: throttling and DynamoDB's own failures.
const RETRYABLE_CODES: &[&str] = &[
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionConflictException",
];
/// Error codes that mean the function is misconfigured: stop writing.
const CONFIGURATION_CODES: &[&str] = &[
    "AccessDeniedException",
    "ResourceNotFoundException",
    "UnrecognizedClientException",
    "MissingAuthenticationTokenException",
];

/// The ticket table, built once per container.
pub struct Table {
    name: String,
    target: Target,
}

enum Target {
    Dynamo(Client),
    DryRun(DryRun),
}

impl Table {
    /// The table `name` through the SDK configuration `sdk` (the SDK's own retries are off:
    /// delivery's know the deadline).
    pub fn new(sdk: &aws_config::SdkConfig, name: impl Into<String>) -> Self {
        let config = aws_sdk_dynamodb::config::Builder::from(sdk)
            .retry_config(RetryConfig::disabled())
            .build();
        Self {
            name: name.into(),
            target: Target::Dynamo(Client::from_conf(config)),
        }
    }

    /// A table that writes each update as a JSON line to `out` instead (`DRY_RUN`).
    pub fn dry_run(name: impl Into<String>, out: DryRun) -> Self {
        Self {
            name: name.into(),
            target: Target::DryRun(out),
        }
    }

    /// The writes of one invocation, counting the older events skipped.
    pub fn writes(&self) -> Writes<'_> {
        Writes {
            table: self,
            skipped_older: AtomicU64::new(0),
        }
    }
}

/// The table as one invocation writes to it.
pub struct Writes<'a> {
    table: &'a Table,
    skipped_older: AtomicU64,
}

impl Writes<'_> {
    /// Writes refused by their condition: the item already held a newer event.
    pub fn skipped_older(&self) -> u64 {
        self.skipped_older.load(Ordering::Relaxed)
    }
}

/// A JSON value as a DynamoDB attribute value.
pub fn attribute(value: &Value) -> AttributeValue {
    match value {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(*b),
        Value::Number(n) => AttributeValue::N(n.to_string()),
        Value::String(s) => AttributeValue::S(s.clone()),
        Value::Array(items) => AttributeValue::L(items.iter().map(attribute).collect()),
        Value::Object(map) => {
            AttributeValue::M(map.iter().map(|(k, v)| (k.clone(), attribute(v))).collect())
        }
    }
}

impl Destination for Writes<'_> {
    fn name(&self) -> &'static str {
        "dynamodb_update_item"
    }

    async fn send(&self, items: &[Item], timeout: Duration) -> Verdict {
        let [item] = items else {
            unreachable!("the store sends one write per request (send_each)")
        };
        let update: TicketUpdate =
            serde_json::from_slice(&item.bytes).expect("the store serialized this update");
        let client = match &self.table.target {
            Target::DryRun(out) => {
                return out.write(
                    &format!("dynamodb://{}/UpdateItem", self.table.name),
                    json!({}),
                    &item.bytes,
                );
            }
            Target::Dynamo(client) => client,
        };
        let version_attribute = update.aspect.version_attribute();
        let mut names = HashMap::from([("#v".to_owned(), version_attribute)]);
        let mut values = HashMap::from([(":v".to_owned(), AttributeValue::S(update.version.0))]);
        let mut sets = vec!["#v = :v".to_owned()];
        for (n, (key, value)) in update.set.iter().enumerate() {
            names.insert(format!("#a{n}"), key.clone());
            values.insert(format!(":a{n}"), attribute(value));
            sets.push(format!("#a{n} = :a{n}"));
        }
        let call = client
            .update_item()
            .table_name(&self.table.name)
            .key("ticket_id", AttributeValue::N(update.ticket_id.to_string()))
            .update_expression(format!("SET {}", sets.join(", ")))
            .condition_expression("attribute_not_exists(#v) OR #v < :v")
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .send();
        let error = match tokio::time::timeout(timeout, call).await {
            Err(_) => {
                return Verdict::Retry {
                    retry_after: None,
                    reason: format!("no answer within {} ms", timeout.as_millis()),
                };
            }
            Ok(Ok(_)) => return Verdict::Delivered,
            Ok(Err(error)) => error,
        };
        classify(error, &self.skipped_older)
    }
}

fn classify<E: ProvideErrorMetadata + std::error::Error + 'static>(
    error: SdkError<E, HttpResponse>,
    skipped_older: &AtomicU64,
) -> Verdict {
    let retry = |reason: String| Verdict::Retry {
        retry_after: None,
        reason,
    };
    match &error {
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or("Unknown");
            let message = service.err().message().unwrap_or_default();
            let status = service.raw().status().as_u16();
            if code == "ConditionalCheckFailedException" {
                // The item holds a newer event: this one is older, and that is not a failure.
                skipped_older.fetch_add(1, Ordering::Relaxed);
                Verdict::Delivered
            } else if RETRYABLE_CODES.contains(&code) || status >= 500 {
                retry(format!("{code}: {message}"))
            } else if CONFIGURATION_CODES.contains(&code) {
                Verdict::Misconfigured {
                    reason: format!("{code}: {message}"),
                }
            } else {
                Verdict::Refused {
                    reason: format!("{code}: {message}"),
                }
            }
        }
        SdkError::TimeoutError(_) => retry("request timed out".into()),
        SdkError::DispatchFailure(_) => retry("could not reach DynamoDB".into()),
        SdkError::ResponseError(_) => retry("unreadable response".into()),
        other => Verdict::Refused {
            reason: other.to_string(),
        },
    }
}

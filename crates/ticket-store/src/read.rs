//! Reading the table the way applications do (and `ticketbridge tickets`): a ticket by id, and
//! tickets by status, requester or organization through the indexes, newest update first.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Map, Value};

/// Which index a listing uses, and its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listing {
    /// Index `by_status`.
    Status(String),
    /// Index `by_requester`.
    Requester(u64),
    /// Index `by_organization`.
    Organization(u64),
}

impl Listing {
    fn index(&self) -> (&'static str, &'static str, AttributeValue) {
        match self {
            Self::Status(s) => ("by_status", "status", AttributeValue::S(s.clone())),
            Self::Requester(id) => (
                "by_requester",
                "requester_id",
                AttributeValue::N(id.to_string()),
            ),
            Self::Organization(id) => (
                "by_organization",
                "organization_id",
                AttributeValue::N(id.to_string()),
            ),
        }
    }
}

/// A DynamoDB item as JSON: numbers as numbers, sets and lists as arrays.
pub fn item_json(item: &HashMap<String, AttributeValue>) -> Value {
    let mut map: Vec<(&String, &AttributeValue)> = item.iter().collect();
    map.sort_by(|a, b| a.0.cmp(b.0));
    Value::Object(
        map.into_iter()
            .map(|(k, v)| (k.clone(), value_json(v)))
            .collect::<Map<String, Value>>(),
    )
}

fn value_json(value: &AttributeValue) -> Value {
    match value {
        AttributeValue::S(s) => Value::from(s.clone()),
        AttributeValue::N(n) => n
            .parse::<u64>()
            .map(Value::from)
            .or_else(|_| n.parse::<i64>().map(Value::from))
            .or_else(|_| n.parse::<f64>().map(Value::from))
            .unwrap_or_else(|_| Value::from(n.clone())),
        AttributeValue::Bool(b) => Value::from(*b),
        AttributeValue::L(items) => Value::Array(items.iter().map(value_json).collect()),
        AttributeValue::Ss(items) => Value::from(items.clone()),
        AttributeValue::M(map) => item_json(map),
        AttributeValue::Null(_) => Value::Null,
        other => Value::from(format!("{other:?}")),
    }
}

/// The item of ticket `id`, if the table has one.
pub async fn get(client: &Client, table: &str, id: u64) -> Result<Option<Value>, String> {
    let answer = client
        .get_item()
        .table_name(table)
        .key("ticket_id", AttributeValue::N(id.to_string()))
        .send()
        .await
        .map_err(|e| format!("GetItem on {table}: {}", aws_error(&e)))?;
    Ok(answer.item.as_ref().map(item_json))
}

/// Tickets of `listing` updated at or after `since` (RFC 3339, compared as a string), newest
/// first, at most `limit`.
pub async fn list(
    client: &Client,
    table: &str,
    listing: &Listing,
    since: Option<&str>,
    limit: usize,
) -> Result<Vec<Value>, String> {
    let (index, key, value) = listing.index();
    let mut condition = "#k = :k".to_owned();
    let mut query = client
        .query()
        .table_name(table)
        .index_name(index)
        .expression_attribute_names("#k", key)
        .expression_attribute_values(":k", value)
        .scan_index_forward(false);
    if let Some(since) = since {
        condition.push_str(" AND updated_at >= :since");
        query = query.expression_attribute_values(":since", AttributeValue::S(since.to_owned()));
    }
    let mut out = Vec::new();
    let mut start: Option<HashMap<String, AttributeValue>> = None;
    loop {
        let page = query
            .clone()
            .key_condition_expression(&condition)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .map_err(|e| format!("Query on {table} ({index}): {}", aws_error(&e)))?;
        for item in page.items() {
            if out.len() == limit {
                return Ok(out);
            }
            out.push(item_json(item));
        }
        match page.last_evaluated_key {
            Some(key) if out.len() < limit => start = Some(key),
            _ => return Ok(out),
        }
    }
}

fn aws_error<E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::fmt::Display>(
    error: &E,
) -> String {
    match (error.code(), error.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => error.to_string(),
    }
}

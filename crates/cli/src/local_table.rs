//! A local stand-in for the ticket table: answers the conditional `UpdateItem`s `ticket-store`
//! makes (DynamoDB's JSON protocol, as the AWS SDK speaks it) with DynamoDB's semantics for
//! them: `SET` of named attributes, and the condition `attribute_not_exists(#v) OR #v < :v`
//! refused with `ConditionalCheckFailedException`. It keeps the items, and the table's stream
//! (a new image per applied write, as Lambda delivers stream records), so `make demo` and the
//! store benchmark run the real binaries with no AWS account and no Python. It is not a general
//! DynamoDB: any other request is answered `UnknownOperationException`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use serde_json::{Map, Value, json};

/// A running local table.
#[derive(Clone)]
pub struct LocalTable {
    address: SocketAddr,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    /// Items by key (the attribute value JSON of `ticket_id`), in DynamoDB JSON.
    items: BTreeMap<String, Map<String, Value>>,
    applied: usize,
    refused: usize,
    /// The stream: one record per applied write, in order.
    stream: Vec<Value>,
}

/// The local stream's ARN (what `eventSourceARN` names).
const STREAM_ARN: &str =
    "arn:aws:dynamodb:local:000000000000:table/ticketbridge-tickets/stream/local";

impl LocalTable {
    /// Starts the table on a free loopback port.
    pub async fn start() -> std::io::Result<Self> {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let app = Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
            let state = shared.clone();
            async move { answer(&state, &headers, &body) }
        });
        let address = crate::local_bus::serve_on_loopback(app).await?;
        Ok(Self { address, state })
    }

    /// The endpoint URL (`AWS_ENDPOINT_URL_DYNAMODB`).
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Every item, in key order, as plain JSON (numbers as numbers).
    pub fn items(&self) -> Vec<Value> {
        let state = self.state.lock().expect("table state");
        state
            .items
            .values()
            .map(|item| Value::Object(item.iter().map(|(k, v)| (k.clone(), plain(v))).collect()))
            .collect()
    }

    /// The stream records so far, in the order the writes were applied, as Lambda's DynamoDB
    /// event source delivers them (`Records[]` of a DynamoDB stream invocation).
    pub fn stream_records(&self) -> Vec<Value> {
        self.state.lock().expect("table state").stream.clone()
    }

    /// Writes applied, and writes refused by their condition (older events).
    pub fn counts(&self) -> (usize, usize) {
        let state = self.state.lock().expect("table state");
        (state.applied, state.refused)
    }
}

/// A DynamoDB JSON attribute value as plain JSON.
fn plain(value: &Value) -> Value {
    let Some((kind, inner)) = value.as_object().and_then(|m| m.iter().next()) else {
        return Value::Null;
    };
    match kind.as_str() {
        "N" => inner
            .as_str()
            .and_then(|n| {
                n.parse::<u64>()
                    .ok()
                    .map(Value::from)
                    .or_else(|| n.parse::<f64>().ok().map(Value::from))
            })
            .unwrap_or(Value::Null),
        "L" => Value::Array(inner.as_array().into_iter().flatten().map(plain).collect()),
        "M" => Value::Object(
            inner
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), plain(v)))
                .collect(),
        ),
        "NULL" => Value::Null,
        _ => inner.clone(),
    }
}

/// Orders two DynamoDB JSON values of the same kind as DynamoDB compares them (`S` by bytes,
/// `N` as numbers).
fn less(a: &Value, b: &Value) -> bool {
    match (a.get("S"), b.get("S"), a.get("N"), b.get("N")) {
        (Some(Value::String(x)), Some(Value::String(y)), _, _) => x < y,
        (_, _, Some(x), Some(y)) => {
            plain(&json!({"N": x})).as_f64() < plain(&json!({"N": y})).as_f64()
        }
        _ => false,
    }
}

fn answer(state: &Mutex<State>, headers: &HeaderMap, body: &[u8]) -> impl IntoResponse + use<> {
    const JSON_TYPE: (header::HeaderName, &str) =
        (header::CONTENT_TYPE, "application/x-amz-json-1.0");
    let error = |kind: &str, message: String| {
        let body = json!({"__type": format!("com.amazonaws.dynamodb.v20120810#{kind}"), "message": message});
        (StatusCode::BAD_REQUEST, [JSON_TYPE], body.to_string())
    };
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if target != "DynamoDB_20120810.UpdateItem" {
        return error(
            "UnknownOperationException",
            format!("the local table answers UpdateItem only, not {target}"),
        );
    }
    let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let names = &request["ExpressionAttributeNames"];
    let values = &request["ExpressionAttributeValues"];
    let Some(key) = request["Key"]["ticket_id"]
        .as_object()
        .map(|k| Value::Object(k.clone()))
    else {
        return error("ValidationException", "Key.ticket_id is required".into());
    };
    if request["ConditionExpression"] != "attribute_not_exists(#v) OR #v < :v" {
        return error(
            "ValidationException",
            "the local table knows one condition: attribute_not_exists(#v) OR #v < :v".into(),
        );
    }
    let Some(sets) = request["UpdateExpression"]
        .as_str()
        .and_then(|e| e.strip_prefix("SET "))
    else {
        return error(
            "ValidationException",
            "UpdateExpression must be SET …".into(),
        );
    };
    let mut state = state.lock().expect("table state");
    let existed = state.items.contains_key(&key.to_string());
    let item = state.items.entry(key.to_string()).or_insert_with(|| {
        let mut item = Map::new();
        item.insert("ticket_id".into(), key.clone());
        item
    });
    let version_name = names["#v"].as_str().unwrap_or_default();
    if let Some(stored) = item.get(version_name)
        && !less(stored, &values[":v"])
    {
        state.refused += 1;
        return error(
            "ConditionalCheckFailedException",
            "The conditional request failed".into(),
        );
    }
    for assignment in sets.split(", ") {
        let Some((name, value)) = assignment.split_once(" = ") else {
            return error("ValidationException", format!("cannot read {assignment:?}"));
        };
        let (Some(name), Some(value)) = (names[name].as_str(), values.get(value)) else {
            return error(
                "ValidationException",
                format!("{assignment:?} names nothing"),
            );
        };
        item.insert(name.to_owned(), value.clone());
    }
    let image = Value::Object(item.clone());
    state.applied += 1;
    let n = state.stream.len() + 1;
    let created = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    state.stream.push(json!({
        "eventID": format!("local-{n}"),
        "eventName": if existed { "MODIFY" } else { "INSERT" },
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "local",
        "eventSourceARN": STREAM_ARN,
        "dynamodb": {
            "ApproximateCreationDateTime": created,
            "Keys": {"ticket_id": key},
            "NewImage": image,
            "SequenceNumber": format!("{n:021}"),
            "SizeBytes": body.len(),
            "StreamViewType": "NEW_IMAGE",
        },
    }));
    (StatusCode::OK, [JSON_TYPE], "{}".to_owned())
}

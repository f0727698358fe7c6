//! A verified Intercom notification as an `Intercom Conversation: Opened | Closed | Rated` event.

use serde::Deserialize;
use serde_json::{Map, Value, json};
use zendesk_events::{DecodeError, Timestamp};

use crate::bus_policy::BusPolicy;
use crate::entry::BusEntry;

/// `detail-type` prefix of bridged Intercom events.
pub const DETAIL_TYPE_PREFIX: &str = "Intercom Conversation: ";
/// `resources` of bridged Intercom events.
pub const RESOURCE: &str = "Intercom Conversation";

/// Topics carried, and the name each gets.
const TOPICS: &[(&str, &str)] = &[
    ("conversation.user.created", "Opened"),
    ("conversation.admin.closed", "Closed"),
    ("conversation.rating.added", "Rated"),
];

/// What becomes of one Intercom notification.
#[derive(Debug)]
pub enum IntercomOutcome {
    /// An event for the bus.
    Publish(BusEntry),
    /// The `ping` sent when an endpoint is registered.
    Ping,
    /// A topic the bridge does not carry (answered 200, counted).
    Ignore {
        /// The notification topic.
        topic: String,
    },
}

#[derive(Deserialize)]
struct Notification {
    id: String,
    topic: String,
    #[serde(default)]
    app_id: Option<String>,
    #[serde(default)]
    created_at: Option<i64>,
    #[serde(default)]
    data: Option<Data>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(default)]
    item: Option<Value>,
}

/// Turns a verified notification body into a bus entry with `source`: contact e-mails only with
/// `INCLUDE_EMAIL`, the rating's free-text remark only with `INCLUDE_COMMENT_BODY`.
pub fn normalize(
    body: &[u8],
    source: &str,
    policy: &BusPolicy,
) -> Result<IntercomOutcome, DecodeError> {
    let include_email = policy.include_email;
    let note: Notification = serde_json::from_slice(body)
        .map_err(|e| DecodeError::at("$", format!("not an Intercom notification: {e}")))?;
    if note.topic == "ping" {
        return Ok(IntercomOutcome::Ping);
    }
    let Some((_, name)) = TOPICS.iter().find(|(topic, _)| *topic == note.topic) else {
        return Ok(IntercomOutcome::Ignore { topic: note.topic });
    };
    if note.id.trim().is_empty() {
        return Err(DecodeError::at(
            "$.id",
            "empty: the notification id is the dedup key",
        ));
    }
    let created_at = note
        .created_at
        .ok_or_else(|| DecodeError::at("$.created_at", "missing"))?;
    let time = Timestamp::from_unix_nanos(i128::from(created_at) * 1_000_000_000)
        .ok_or_else(|| DecodeError::at("$.created_at", format!("{created_at} is not a time")))?;
    let item = note
        .data
        .and_then(|d| d.item)
        .ok_or_else(|| DecodeError::at("$.data.item", "missing"))?;
    let conversation_id = id_text(item.get("id"))
        .ok_or_else(|| DecodeError::at("$.data.item.id", "missing: the conversation id"))?;

    let contacts = contacts(&item, include_email);
    let primary = primary_contact(&item, &contacts);
    let rating = item.get("conversation_rating").filter(|r| r.is_object());
    let mut detail = Map::new();
    detail.insert("notification_id".into(), json!(note.id));
    detail.insert("topic".into(), json!(note.topic));
    detail.insert("occurred_at".into(), json!(time.to_rfc3339_nanos()));
    detail.insert("conversation_id".into(), json!(conversation_id));
    if let Some(app) = note.app_id {
        detail.insert("app_id".into(), json!(app));
    }
    if let Some(contact) = primary {
        detail.insert("contact".into(), contact.clone());
    }
    detail.insert("contacts".into(), Value::Array(contacts));
    if let Some(admin) = admin_id(&item, name, rating) {
        detail.insert("admin_id".into(), json!(admin));
    }
    if let Some(rating) = rating {
        if let Some(score) = rating.get("rating").filter(|v| v.is_number()) {
            detail.insert("rating".into(), score.clone());
        }
        if let Some(remark) = rating
            .get("remark")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty() && policy.pii.include_comment_body)
        {
            detail.insert("remark".into(), json!(remark));
        }
    }
    Ok(IntercomOutcome::Publish(BusEntry {
        source: source.to_owned(),
        detail_type: format!("{DETAIL_TYPE_PREFIX}{name}"),
        detail: Value::Object(detail),
        time,
        resources: vec![RESOURCE.to_owned()],
        event_id: note.id,
    }))
}

/// Ids arrive as strings or numbers depending on API version; always text on the bus.
fn id_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The conversation's contacts: `contacts.contacts[]` (API 2.x), `contacts[]`, or `user` (1.x).
/// `user_id` is the app's own id (`external_id` in 2.x).
fn contacts(item: &Value, include_email: bool) -> Vec<Value> {
    let listed = match item.get("contacts") {
        Some(Value::Object(list)) => list.get("contacts").and_then(Value::as_array).cloned(),
        Some(Value::Array(list)) => Some(list.clone()),
        _ => None,
    };
    let raw = listed.unwrap_or_else(|| item.get("user").cloned().into_iter().collect());
    raw.iter()
        .filter_map(|c| contact(c, include_email))
        .collect()
}

fn contact(raw: &Value, include_email: bool) -> Option<Value> {
    let mut out = Map::new();
    out.insert("id".into(), json!(id_text(raw.get("id"))?));
    if let Some(user_id) = id_text(raw.get("external_id")).or_else(|| id_text(raw.get("user_id"))) {
        out.insert("user_id".into(), json!(user_id));
    }
    let email = raw.get("email").and_then(Value::as_str);
    if let Some(email) = email.filter(|e| include_email && !e.is_empty()) {
        out.insert("email".into(), json!(email));
    }
    Some(Value::Object(out))
}

/// The contact the event is about: the rating's contact, else the conversation's author when a
/// contact, else the first contact.
fn primary_contact<'a>(item: &Value, contacts: &'a [Value]) -> Option<&'a Value> {
    let wanted = item
        .pointer("/conversation_rating/contact/id")
        .or_else(|| item.pointer("/source/author/id"))
        .and_then(|id| id_text(Some(id)));
    wanted
        .and_then(|id| contacts.iter().find(|c| c["id"] == json!(id)))
        .or_else(|| contacts.first())
}

/// The admin involved: the rated teammate, the admin of the last close part, or the assignee.
fn admin_id(item: &Value, name: &str, rating: Option<&Value>) -> Option<String> {
    if let Some(teammate) = rating.and_then(|r| id_text(r.pointer("/teammate/id"))) {
        return Some(teammate);
    }
    if name == "Closed" {
        let parts = item
            .pointer("/conversation_parts/conversation_parts")
            .and_then(Value::as_array);
        if let Some(admin) = parts.and_then(|parts| {
            parts
                .iter()
                .rev()
                .find(|p| p["part_type"] == "close")
                .and_then(|p| id_text(p.pointer("/author/id")))
        }) {
            return Some(admin);
        }
    }
    id_text(item.get("admin_assignee_id")).or_else(|| id_text(item.pointer("/assignee/id")))
}

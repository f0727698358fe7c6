//! Encoding a [`TicketEvent`] back into the connector's shape, the form every rule and sink
//! expects on the bus. The webhook bridge publishes what this produces.

use serde_json::{Map, Value, json};

use ticket_analytics::PiiPolicy;
use zendesk_events::{
    Attachment, Comment, DETAIL_TYPE_PREFIX, Sequence, Ticket, TicketEvent, Timestamp,
};

/// `resources` of every ticket event the connector put on a bus.
pub const TICKET_RESOURCE: &str = "Support Ticket";

/// A ticket event in connector form: what goes into one EventBridge entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectorEntry {
    /// `Support Ticket: <Name>`.
    pub detail_type: String,
    /// `{"ticket_event": {...}}`.
    pub detail: Value,
    /// When it happened in Zendesk (the entry's `Time`).
    pub time: Timestamp,
}

/// Encodes `event` as the connector would have: `meta{version, occurred_at, sequence,
/// actor_id}`, `type`, `previous`/`current`, `ticket`, `comment`, `attachment`, `custom_field`
/// and the documented type-specific keys. A webhook's id travels as `meta.event_id` (and its
/// account as `meta.account_id`) so decoding the result yields the same event, identity
/// included. Personal data goes on the bus only as `pii` names it, as for the destinations:
/// subjects, descriptions, comment bodies, attachment names and links, custom field values and
/// unmodelled keys; CC and follower lists as ids; author names never.
pub fn encode_connector(event: &TicketEvent, pii: &PiiPolicy) -> ConnectorEntry {
    let name = event.event_type.name();
    let mut ticket_event = Map::new();
    ticket_event.insert("meta".into(), meta(event));
    ticket_event.insert("type".into(), Value::from(name.as_ref()));
    // Keys Zendesk sent that the model does not name go first, so a named key always wins.
    for (key, value) in &event.extra {
        if pii.allows_extra(key) {
            ticket_event.insert(key.clone(), value.clone());
        }
    }
    let change = |value: &Option<Value>| {
        value
            .as_ref()
            .and_then(|v| pii.bus_change_value(event, v))
            .map(|v| v.into_owned())
    };
    if let Some(previous) = change(&event.previous) {
        ticket_event.insert("previous".into(), previous);
    }
    if let Some(current) = change(&event.current) {
        ticket_event.insert("current".into(), current);
    }
    ticket_event.insert("ticket".into(), ticket(&event.ticket, pii));
    if let Some(c) = &event.comment {
        ticket_event.insert("comment".into(), comment(c, pii));
    }
    if let Some(a) = &event.attachment {
        ticket_event.insert("attachment".into(), attachment(a, pii));
    }
    if let Some(field) = &event.custom_field {
        ticket_event.insert("custom_field".into(), field.clone());
    }
    ConnectorEntry {
        detail_type: format!("{DETAIL_TYPE_PREFIX}{name}"),
        detail: json!({ "ticket_event": ticket_event }),
        time: event.occurred_at,
    }
}

fn meta(event: &TicketEvent) -> Value {
    let mut meta = Map::new();
    meta.insert("version".into(), Value::from("1.0"));
    meta.insert(
        "occurred_at".into(),
        Value::from(event.occurred_at.to_rfc3339_nanos()),
    );
    if let Some(seq) = &event.sequence {
        meta.insert("sequence".into(), sequence(seq));
    }
    put(&mut meta, "actor_id", event.actor_id);
    put(&mut meta, "account_id", event.account_id);
    put(&mut meta, "event_id", event.webhook_id.as_deref());
    Value::Object(meta)
}

fn sequence(seq: &Sequence) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), Value::from(seq.id.as_str()));
    put(&mut out, "position", seq.position);
    put(&mut out, "total", seq.total);
    Value::Object(out)
}

fn ticket(t: &Ticket, pii: &PiiPolicy) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), Value::from(t.id));
    put(&mut out, "status", t.status.as_deref());
    put(&mut out, "priority", t.priority.as_deref());
    put(&mut out, "type", t.ticket_type.as_deref());
    if let Some(channel) = &t.channel {
        out.insert("via".into(), json!({ "channel": channel }));
    }
    put(&mut out, "requester_id", t.requester_id);
    put(&mut out, "submitter_id", t.submitter_id);
    put(&mut out, "assignee_id", t.assignee_id);
    put(&mut out, "group_id", t.group_id);
    put(&mut out, "organization_id", t.organization_id);
    put(&mut out, "brand_id", t.brand_id);
    put(&mut out, "form_id", t.form_id);
    put(&mut out, "custom_status", t.custom_status_id);
    put(&mut out, "external_id", t.external_id.as_deref());
    put(&mut out, "tags", t.tags.clone());
    put(
        &mut out,
        "created_at",
        t.created_at.map(|ts| ts.to_rfc3339_nanos()),
    );
    put(
        &mut out,
        "updated_at",
        t.updated_at.map(|ts| ts.to_rfc3339_nanos()),
    );
    put(&mut out, "is_public", t.is_public);
    put(
        &mut out,
        "subject",
        t.subject.as_deref().filter(|_| pii.include_subject),
    );
    put(
        &mut out,
        "description",
        t.description
            .as_deref()
            .filter(|_| pii.include_comment_body),
    );
    Value::Object(out)
}

fn comment(c: &Comment, pii: &PiiPolicy) -> Value {
    let body = |text: &Option<String>| text.clone().filter(|_| pii.include_comment_body);
    let mut out = Map::new();
    put(&mut out, "id", c.id);
    put(&mut out, "body", body(&c.body));
    put(&mut out, "html_body", body(&c.html_body));
    put(&mut out, "is_public", c.is_public);
    let mut author = Map::new();
    put(&mut author, "id", c.author_id);
    put(&mut author, "is_staff", c.author_is_staff);
    if !author.is_empty() {
        out.insert("author".into(), Value::Object(author));
    }
    Value::Object(out)
}

fn attachment(a: &Attachment, pii: &PiiPolicy) -> Value {
    let content = |text: &Option<String>| text.clone().filter(|_| pii.include_comment_body);
    let mut out = Map::new();
    put(&mut out, "id", a.id);
    put(&mut out, "comment_id", a.comment_id);
    put(&mut out, "content_type", a.content_type.as_deref());
    put(&mut out, "content_url", content(&a.content_url));
    put(&mut out, "filename", content(&a.filename));
    put(&mut out, "is_public", a.is_public);
    Value::Object(out)
}

/// Inserts `value` under `key` when there is one: absent stays absent, as the decoder reads it.
fn put<T: Into<Value>>(map: &mut Map<String, Value>, key: &str, value: Option<T>) {
    if let Some(v) = value {
        map.insert(key.to_owned(), v.into());
    }
}

//! Export items (one audit each) → `TicketEvent`s, the model every live sink maps, so history
//! goes through the same mapping as live events.
//!
//! - `Create` children make one "Ticket Created"; each `Change` child makes the event of its
//!   field (status → "Status Changed", a numeric field name → "Custom Field Changed", …);
//!   `Comment` children make "Comment Created". Other audit events (notifications, CCs,
//!   satisfaction, …) have no ticket event and are counted as skipped.
//! - The ticket state each event carries is what this audit set or changed: the export has no
//!   ticket snapshot, and rebuilding one across history would hold every ticket in memory.
//! - Identity: the export item id and the child id (both Zendesk's own, stable across runs),
//!   so re-running a backfill over the same range dedups in the destination.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use zendesk_events::ids::parse_id_text;
use zendesk_events::{
    ChangeValue, Comment, EventIdentity, EventType, SourceFamily, Ticket, TicketEvent, Timestamp,
};

use crate::ticket_events_export::TicketEventItem;

/// The ticket events of one export item, and the children that have none.
#[derive(Debug, Default)]
pub struct HistoryEvents {
    /// Ticket events, in the audit's order.
    pub events: Vec<TicketEvent>,
    /// Child event types with no ticket event (`Notification`, `Cc`, …), or fields unknown.
    pub skipped: Vec<String>,
}

/// Field names of `Change` children and the ticket event each one makes.
const FIELD_EVENTS: &[(&str, &str)] = &[
    ("status", "Status Changed"),
    ("priority", "Priority Changed"),
    ("type", "Ticket Type Changed"),
    ("assignee_id", "Agent Assignment Changed"),
    ("group_id", "Group Assignment Changed"),
    ("requester_id", "Requester Changed"),
    ("submitter_id", "Submitter Changed"),
    ("organization_id", "Organization Changed"),
    ("brand_id", "Brand Changed"),
    ("ticket_form_id", "Form Changed"),
    ("subject", "Subject Changed"),
    ("description", "Description Changed"),
    ("external_id", "External ID Changed"),
    ("tags", "Tags Changed"),
    ("problem_id", "Problem Link Changed"),
    ("due_at", "Task Due At Changed"),
    ("custom_status_id", "Custom Status Changed"),
];

/// The ticket events of `item`.
pub fn history_events(item: &TicketEventItem) -> HistoryEvents {
    let occurred_at = item
        .created_at
        .as_deref()
        .and_then(|t| Timestamp::parse(t).ok())
        .or_else(|| Timestamp::from_unix_nanos(i128::from(item.timestamp) * 1_000_000_000))
        .unwrap_or_else(|| Timestamp::from_unix_nanos(0).expect("the epoch is a timestamp"));
    let mut ticket = Ticket {
        id: item.ticket_id,
        ..Ticket::default()
    };
    let mut created = false;
    for child in &item.child_events {
        if let Some((field, value)) = field_value(child, &["Create", "Change"]) {
            created |= kind(child) == Some("Create");
            apply(&mut ticket, field, value);
        }
    }
    if created {
        ticket.channel = item
            .via
            .as_ref()
            .and_then(|v| v.pointer("/channel"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        ticket.created_at = Some(occurred_at);
    }
    ticket.updated_at = Some(occurred_at);

    let event = |event_type: EventType, key: String| TicketEvent {
        family: SourceFamily::Export,
        identity: EventIdentity::from_parts(&[
            "zendesk:export",
            &item.id.to_string(),
            &key,
            &event_type.name(),
            &item.ticket_id.to_string(),
        ]),
        event_type,
        occurred_at,
        actor_id: item.updater_id.and_then(|id| u64::try_from(id).ok()),
        account_id: None,
        sequence: None,
        webhook_id: None,
        ticket: ticket.clone(),
        previous: None,
        current: None,
        comment: None,
        attachment: None,
        custom_field: None,
        sla: None,
        extra: BTreeMap::new(),
    };

    let mut out = HistoryEvents::default();
    if created {
        out.events.push(event(
            EventType::from_connector_name("Ticket Created"),
            "created".into(),
        ));
    }
    for (n, child) in item.child_events.iter().enumerate() {
        let key = child
            .get("id")
            .map_or_else(|| format!("child{n}"), |id| id.to_string());
        match kind(child) {
            Some("Create") => {}
            Some("Change") => match change_event(child) {
                Some((event_type, change)) => {
                    let mut e = event(event_type, key);
                    change.fill(&mut e);
                    out.events.push(e);
                }
                None => out.skipped.push(format!(
                    "Change of {}",
                    child
                        .get("field_name")
                        .and_then(Value::as_str)
                        .unwrap_or("an unnamed field")
                )),
            },
            Some("Comment") => {
                let mut e = event(EventType::from_connector_name("Comment Created"), key);
                e.comment = Some(comment(child));
                out.events.push(e);
            }
            other => out.skipped.push(other.unwrap_or("untyped").to_owned()),
        }
    }
    out
}

fn kind(child: &Value) -> Option<&str> {
    child
        .get("event_type")
        .or_else(|| child.get("type"))
        .and_then(Value::as_str)
}

fn field_value<'a>(child: &'a Value, kinds: &[&str]) -> Option<(&'a str, &'a Value)> {
    if !kinds.contains(&kind(child)?) {
        return None;
    }
    Some((
        child.get("field_name")?.as_str()?,
        child.get("value").unwrap_or(&Value::Null),
    ))
}

fn id(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => parse_id_text(s).ok().flatten(),
        _ => None,
    }
}

fn lower(value: &Value) -> Option<String> {
    value
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_ascii_lowercase)
}

fn tags(value: &Value) -> Vec<String> {
    match value {
        Value::Array(list) => list
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        // Audits of some channels give tags as one space-separated string.
        Value::String(s) => s.split_whitespace().map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

/// Sets the ticket field `field` to `value`.
fn apply(ticket: &mut Ticket, field: &str, value: &Value) {
    match field {
        "status" => ticket.status = lower(value),
        "priority" => ticket.priority = lower(value),
        "type" => ticket.ticket_type = lower(value),
        "requester_id" => ticket.requester_id = id(value),
        "submitter_id" => ticket.submitter_id = id(value),
        "assignee_id" => ticket.assignee_id = id(value),
        "group_id" => ticket.group_id = id(value),
        "organization_id" => ticket.organization_id = id(value),
        "brand_id" => ticket.brand_id = id(value),
        "ticket_form_id" => ticket.form_id = id(value),
        "custom_status_id" => ticket.custom_status_id = id(value),
        "external_id" => ticket.external_id = value.as_str().map(str::to_owned),
        "tags" => ticket.tags = Some(tags(value)),
        "subject" => ticket.subject = value.as_str().map(str::to_owned),
        "description" => ticket.description = value.as_str().map(str::to_owned),
        _ => {}
    }
}

/// A `Change` child's previous and current values, normalised like the live families.
struct Change {
    previous: Value,
    current: Value,
    custom_field: Option<Value>,
    extra: Vec<(&'static str, Value)>,
}

impl Change {
    fn fill(self, event: &mut TicketEvent) {
        event.previous = Some(self.previous);
        event.current = Some(self.current);
        event.custom_field = self.custom_field;
        event
            .extra
            .extend(self.extra.into_iter().map(|(k, v)| (k.to_owned(), v)));
    }
}

fn change_event(child: &Value) -> Option<(EventType, Change)> {
    let (field, current) = field_value(child, &["Change"])?;
    let previous = child.get("previous_value").unwrap_or(&Value::Null);
    if field.bytes().all(|b| b.is_ascii_digit()) {
        let change = Change {
            previous: previous.clone(),
            current: current.clone(),
            custom_field: Some(Value::Object(Map::from_iter([(
                "id".to_owned(),
                Value::from(id(&Value::from(field))?),
            )]))),
            extra: Vec::new(),
        };
        return Some((
            EventType::from_connector_name("Custom Field Changed"),
            change,
        ));
    }
    let (_, name) = FIELD_EVENTS.iter().find(|(f, _)| *f == field)?;
    let event_type = EventType::from_connector_name(name);
    let normalise = |v: &Value| match event_type.change_value() {
        ChangeValue::Id => id(v).map_or(Value::Null, Value::from),
        ChangeValue::Enum => lower(v).map_or(Value::Null, Value::from),
        _ => v.clone(),
    };
    let mut change = Change {
        previous: normalise(previous),
        current: normalise(current),
        custom_field: None,
        extra: Vec::new(),
    };
    if field == "tags" {
        let (before, after) = (tags(previous), tags(current));
        let added: Vec<&String> = after.iter().filter(|t| !before.contains(t)).collect();
        let removed: Vec<&String> = before.iter().filter(|t| !after.contains(t)).collect();
        change
            .extra
            .push(("tags_added", Value::from_iter(added.into_iter().cloned())));
        change.extra.push((
            "tags_removed",
            Value::from_iter(removed.into_iter().cloned()),
        ));
        change.previous = Value::from(before);
        change.current = Value::from(after);
    }
    Some((event_type, change))
}

fn comment(child: &Value) -> Comment {
    Comment {
        id: child.get("id").and_then(id),
        body: child.get("body").and_then(Value::as_str).map(str::to_owned),
        html_body: child
            .get("html_body")
            .and_then(Value::as_str)
            .map(str::to_owned),
        is_public: child.get("public").and_then(Value::as_bool),
        author_id: child.get("author_id").and_then(id),
        author_name: None,
        // The export does not say whether the author is staff.
        author_is_staff: None,
    }
}

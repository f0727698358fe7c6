//! The analytics view of a ticket event that every destination shares: its event name (one
//! table for Mixpanel and FullStory) and its flat, snake_case properties, with personal data
//! (comment bodies, descriptions, subjects) only when asked for.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::event::TicketEvent;
use crate::kind::{ChangeValue, EventType};

/// The extra event a public comment by staff yields.
pub const RESPONDED: &str = "Ticket Responded";

/// Destination event name of a Zendesk type: `"Ticket " + name`, without doubling a leading
/// "Ticket ", and "Ticket Comment Added" for the comment event of both families.
pub fn event_name(event_type: &EventType) -> Cow<'static, str> {
    if event_type.is_comment_added() {
        return Cow::Borrowed("Ticket Comment Added");
    }
    match event_type {
        EventType::Known(spec) if spec.name.starts_with("Ticket ") => Cow::Borrowed(spec.name),
        _ => {
            let name = event_type.name();
            if name.starts_with("Ticket ") {
                Cow::Owned(name.into_owned())
            } else {
                Cow::Owned(format!("Ticket {name}"))
            }
        }
    }
}

/// Whether the event is a public comment by staff, which also counts as "Ticket Responded".
pub fn is_response(event: &TicketEvent) -> bool {
    event.comment.as_ref().is_some_and(|c| {
        event.event_type.is_comment_added()
            && c.is_public == Some(true)
            && c.author_is_staff == Some(true)
    })
}

/// The names an event is sent under: its own, plus [`RESPONDED`] for a public staff comment.
pub fn event_names(event: &TicketEvent) -> Vec<Cow<'static, str>> {
    let mut names = vec![event_name(&event.event_type)];
    if is_response(event) {
        names.push(Cow::Borrowed(RESPONDED));
    }
    names
}

/// Whether an allow-list of event types (`ZENDESK_EVENT_TYPES`; `None` = every type) lets
/// `event` through.
pub fn is_allowed(event_types: Option<&[EventType]>, event: &TicketEvent) -> bool {
    event_types.is_none_or(|allowed| allowed.contains(&event.event_type))
}

/// Keys of a ticket event that the model has no field for and every destination may receive:
/// tag names, user ids and ticket ids. Any other such key leaves only when `EXTRA_PROPERTIES`
/// names it.
pub const DOCUMENTED_EXTRA_KEYS: &[&str] = &[
    "tags_added",
    "tags_removed",
    "users_added",
    "users_removed",
    "target_ticket_id",
];

/// What may leave beyond the documented properties: an allow-list, so anything Zendesk adds
/// that nobody named stays behind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PiiPolicy {
    /// `INCLUDE_COMMENT_BODY`: comment bodies and ticket descriptions.
    pub include_comment_body: bool,
    /// `INCLUDE_SUBJECT`: ticket subjects.
    pub include_subject: bool,
    /// `CUSTOM_FIELD_VALUES`: the custom fields whose values may leave (ids).
    pub custom_field_values: Vec<u64>,
    /// `EXTRA_PROPERTIES`: keys of the event, beyond the documented ones, that may leave as sent.
    pub extra_properties: Vec<String>,
}

impl PiiPolicy {
    /// `previous` or `current` of `event` as it may leave for a destination, or `None` when it
    /// may not.
    fn change_value<'a>(&self, event: &'a TicketEvent, value: &'a Value) -> Option<Cow<'a, Value>> {
        self.change_value_for(event, value, false)
    }

    /// `previous` or `current` of `event` as it may go on the bus: as for a destination, and
    /// the undocumented shapes of known types (SLA, OLA and schedule policies, redactions) as
    /// Zendesk sent them, since rules may route on them.
    pub fn bus_change_value<'a>(
        &self,
        event: &'a TicketEvent,
        value: &'a Value,
    ) -> Option<Cow<'a, Value>> {
        self.change_value_for(event, value, true)
    }

    fn change_value_for<'a>(
        &self,
        event: &'a TicketEvent,
        value: &'a Value,
        known_raw: bool,
    ) -> Option<Cow<'a, Value>> {
        match event.event_type.change_value() {
            ChangeValue::Id | ChangeValue::Enum | ChangeValue::Text => Some(Cow::Borrowed(value)),
            ChangeValue::PersonalText => {
                let allowed = match &event.event_type {
                    EventType::Known(spec) if spec.name == "Subject Changed" => {
                        self.include_subject
                    }
                    _ => self.include_comment_body,
                };
                allowed.then_some(Cow::Borrowed(value))
            }
            ChangeValue::Tags => value
                .as_array()
                .is_some_and(|tags| tags.iter().all(Value::is_string))
                .then_some(Cow::Borrowed(value)),
            ChangeValue::UserIds => Some(Cow::Owned(user_ids(value))),
            ChangeValue::CustomFieldValue => {
                let id = event.custom_field.as_ref().and_then(|f| f.get("id"));
                id.and_then(id_of)
                    .filter(|id| self.custom_field_values.contains(id))
                    .map(|_| Cow::Borrowed(value))
            }
            ChangeValue::Raw => (known_raw && matches!(event.event_type, EventType::Known(_)))
                .then_some(Cow::Borrowed(value)),
        }
    }

    /// Whether an unmodelled key of the event may leave.
    pub fn allows_extra(&self, key: &str) -> bool {
        DOCUMENTED_EXTRA_KEYS.contains(&key) || self.extra_properties.iter().any(|k| k == key)
    }
}

/// A Zendesk id given as a number or a numeric string.
fn id_of(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The ids of a user list (CCs, followers): ids, id strings and `{"id": …}` objects keep their
/// id; e-mail addresses, names and anything else are dropped.
fn user_ids(value: &Value) -> Value {
    let one = |v: &Value| match v {
        Value::Object(user) => user.get("id").and_then(id_of),
        other => id_of(other),
    };
    match value {
        Value::Array(users) => users.iter().filter_map(one).collect(),
        other => one(other).map_or(Value::Array(Vec::new()), |id| Value::Array(vec![id.into()])),
    }
}

/// The event's unmodelled keys that the policy lets out, serialized as a map.
#[derive(Debug)]
struct AllowedExtra<'a> {
    extra: &'a BTreeMap<String, Value>,
    pii: &'a PiiPolicy,
}

impl Serialize for AllowedExtra<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in self.extra {
            if self.pii.allows_extra(key) {
                map.serialize_entry(key, value)?;
            }
        }
        map.end()
    }
}

/// Flat, snake_case event properties: the documented ones, and what the policy names. Absent
/// values are left out rather than sent as null.
#[derive(Debug, Serialize)]
pub struct TicketProperties<'a> {
    /// Ticket id.
    pub ticket_id: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    priority: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ticket_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    channel: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    requester_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    submitter_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    assignee_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    organization_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    brand_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    form_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<&'a [String]>,
    zendesk_event_type: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actor_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous: Option<Cow<'a, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    current: Option<Cow<'a, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment_public: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment_author_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment_author_is_staff: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment_body: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attachment_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attachment_content_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attachment_public: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_field_id: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_field_title: Option<&'a Value>,
    /// Type-specific keys Zendesk sent that the policy lets out ([`DOCUMENTED_EXTRA_KEYS`],
    /// `EXTRA_PROPERTIES`).
    #[serde(flatten)]
    extra: AllowedExtra<'a>,
}

impl<'a> TicketProperties<'a> {
    /// The properties of `event` that `pii` lets out.
    pub fn new(event: &'a TicketEvent, pii: &'a PiiPolicy) -> Self {
        let t = &event.ticket;
        let comment = event.comment.as_ref();
        let custom_field = event.custom_field.as_ref();
        Self {
            ticket_id: t.id,
            status: t.status.as_deref(),
            priority: t.priority.as_deref(),
            ticket_type: t.ticket_type.as_deref(),
            channel: t.channel.as_deref(),
            requester_id: t.requester_id,
            submitter_id: t.submitter_id,
            assignee_id: t.assignee_id,
            group_id: t.group_id,
            organization_id: t.organization_id,
            brand_id: t.brand_id,
            form_id: t.form_id,
            tags: t.tags.as_deref(),
            zendesk_event_type: event.event_type.name(),
            actor_id: event.actor_id,
            previous: event
                .previous
                .as_ref()
                .and_then(|v| pii.change_value(event, v)),
            current: event
                .current
                .as_ref()
                .and_then(|v| pii.change_value(event, v)),
            comment_id: comment.and_then(|c| c.id),
            comment_public: comment.and_then(|c| c.is_public),
            comment_author_id: comment.and_then(|c| c.author_id),
            comment_author_is_staff: comment.and_then(|c| c.author_is_staff),
            comment_body: comment
                .and_then(|c| c.body.as_deref())
                .filter(|_| pii.include_comment_body),
            description: t
                .description
                .as_deref()
                .filter(|_| pii.include_comment_body),
            subject: t.subject.as_deref().filter(|_| pii.include_subject),
            attachment_id: event.attachment.as_ref().and_then(|a| a.id),
            attachment_content_type: event
                .attachment
                .as_ref()
                .and_then(|a| a.content_type.as_deref()),
            attachment_public: event.attachment.as_ref().and_then(|a| a.is_public),
            custom_field_id: custom_field.and_then(|f| f.get("id")),
            custom_field_title: custom_field.and_then(|f| f.get("title")),
            extra: AllowedExtra {
                extra: &event.extra,
                pii,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_rule_with_its_exceptions() {
        for (zendesk, name) in [
            ("Ticket Created", "Ticket Created"),
            ("Status Changed", "Ticket Status Changed"),
            (
                "Agent Assignment Changed",
                "Ticket Agent Assignment Changed",
            ),
            ("Ticket Merged", "Ticket Merged"),
            ("Ticket Marked as Spam", "Ticket Marked as Spam"),
            ("Comment Created", "Ticket Comment Added"),
            ("comment_added", "Ticket Comment Added"),
            ("type_changed", "Ticket Type Changed"),
        ] {
            assert_eq!(event_name(&EventType::parse(zendesk)), name, "{zendesk}");
        }
        assert_eq!(
            event_name(&EventType::UnknownWebhook("priority_escalated".into())),
            "Ticket Priority Escalated"
        );
    }
}

//! The personal-data allow-list: what may leave for a destination or the bus beyond the
//! documented properties, and only when a setting names it.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::Value;
use zendesk_events::{ChangeValue, EventType, TicketEvent};

use crate::members::Members;

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
    pub(crate) fn change_value<'a>(
        &self,
        event: &'a TicketEvent,
        value: &'a Value,
    ) -> Option<Cow<'a, Value>> {
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

/// The event's unmodelled keys that the policy lets out.
#[derive(Debug)]
pub(crate) struct AllowedExtra<'a> {
    pub(crate) extra: &'a BTreeMap<String, Value>,
    pub(crate) pii: &'a PiiPolicy,
}

impl AllowedExtra<'_> {
    /// Writes the allowed keys, in key order.
    pub(crate) fn write(&self, members: &mut impl Members) {
        for (key, value) in self.extra {
            if self.pii.allows_extra(key) {
                members.value(key, value);
            }
        }
    }
}

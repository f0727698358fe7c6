//! What personal data the bridge puts on the bus: the sinks' allow-list for ticket events, and
//! one for Zendesk user and organization events and Intercom conversations. By default none.

use serde_json::Value;
use ticket_analytics::PiiPolicy;

use crate::zendesk::Domain;

/// What personal data the bridge puts on the bus: by default none, as for the destinations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BusPolicy {
    /// Comment bodies, subjects, custom field values and unmodelled keys, as for the sinks.
    pub pii: PiiPolicy,
    /// `INCLUDE_EMAIL`: users' e-mail addresses.
    pub include_email: bool,
    /// `INCLUDE_USER_NAME`: users' names.
    pub include_user_name: bool,
}

/// User fields that go on the bus: ids, role, locale, time zone, tags, times and flags.
const USER_KEYS: &[&str] = &[
    "id",
    "role",
    "custom_role_id",
    "organization_id",
    "default_group_id",
    "locale",
    "time_zone",
    "tags",
    "external_id",
    "created_at",
    "updated_at",
    "last_login_at",
    "active",
    "suspended",
    "verified",
    "is_staff",
];
/// Organization fields that go on the bus; notes, details and domain names only by name
/// (`EXTRA_PROPERTIES`).
const ORGANIZATION_KEYS: &[&str] = &[
    "id",
    "name",
    "tags",
    "group_id",
    "external_id",
    "created_at",
    "updated_at",
    "shared_tickets",
    "shared_comments",
];
/// User and organization events whose `previous`/`current` text is not personal.
const PLAIN_CHANGES: &[&str] = &[
    "role_changed",
    "custom_role_changed",
    "locale_changed",
    "time_zone_changed",
    "tags_changed",
    "external_id_changed",
    "active_changed",
    "suspended_changed",
    "default_group_changed",
    "organization_changed",
];

impl BusPolicy {
    /// Whether a user or organization field may go on the bus.
    pub(crate) fn allows_field(&self, domain: &Domain, key: &str) -> bool {
        let listed = match domain.key {
            "user" => USER_KEYS,
            _ => ORGANIZATION_KEYS,
        };
        listed.contains(&key)
            || (domain.key == "user" && key == "email" && self.include_email)
            || (domain.key == "user" && key == "name" && self.include_user_name)
            || self.pii.extra_properties.iter().any(|k| k == key)
    }

    /// Whether the `previous`/`current` of a user or organization event may go on the bus:
    /// values that are not text always, text for the changes in [`PLAIN_CHANGES`] and those an
    /// opt-in names.
    pub(crate) fn allows_change(&self, suffix: &str, value: &Value) -> bool {
        fn has_text(value: &Value) -> bool {
            match value {
                Value::String(_) => true,
                Value::Array(items) => items.iter().any(has_text),
                Value::Object(map) => map.values().any(has_text),
                _ => false,
            }
        }
        !has_text(value)
            || PLAIN_CHANGES.contains(&suffix)
            || (self.include_email && (suffix.contains("email") || suffix.contains("identity")))
            || (self.include_user_name && suffix == "name_changed")
    }
}

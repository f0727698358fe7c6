//! The Zendesk ticket event types of both families, as one explicit table.

use std::borrow::Cow;
use std::fmt;

/// How the `previous`/`current` values of a change event are normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeValue {
    /// Zendesk ids: strings in webhooks, integers in the connector; normalised to integers.
    Id,
    /// Enumerations (status, priority, type): UPPERCASE in webhooks; normalised to lowercase.
    Enum,
    /// Free text that is not personal data.
    Text,
    /// Free text that may hold personal data (subjects, descriptions).
    PersonalText,
    /// A list of tags.
    Tags,
    /// A list of users (CCs, followers): only their ids ever leave.
    UserIds,
    /// A custom field's value: it leaves only for fields named in `CUSTOM_FIELD_VALUES`.
    CustomFieldValue,
    /// Anything else, kept as sent on the bus; no destination receives it.
    Raw,
}

/// One known ticket event type: its connector name and its webhook type suffix.
#[derive(Debug, PartialEq, Eq)]
pub struct EventSpec {
    /// Canonical name, as in the connector's `detail-type` after `Support Ticket: `.
    pub name: &'static str,
    /// Suffix after `zen:event-type:ticket.` in the webhook family, when Zendesk sends one.
    pub webhook_suffix: Option<&'static str>,
    /// Whether the retired EventBridge connector emitted this type.
    pub in_connector: bool,
    /// How `previous` and `current` are normalised.
    pub change: ChangeValue,
    /// Published by `ticket-metrics` from Zendesk's ticket metric event export (SLA events),
    /// in connector shape.
    pub from_metric_events: bool,
}

const fn spec(
    name: &'static str,
    webhook_suffix: Option<&'static str>,
    in_connector: bool,
    change: ChangeValue,
) -> EventSpec {
    EventSpec {
        name,
        webhook_suffix,
        in_connector,
        change,
        from_metric_events: false,
    }
}

/// An SLA event type that `ticket-metrics` publishes from the metric event export.
const fn metric_spec(name: &'static str) -> EventSpec {
    EventSpec {
        name,
        webhook_suffix: None,
        in_connector: false,
        change: Raw,
        from_metric_events: true,
    }
}

use ChangeValue::{CustomFieldValue, Enum, Id, PersonalText, Raw, Tags, Text, UserIds};

/// Every ticket event type of both families. Irregular pairs are spelled out, never derived.
pub static EVENT_TYPES: &[EventSpec] = &[
    spec(
        "Agent Assignment Changed",
        Some("agent_assignment_changed"),
        true,
        Id,
    ),
    spec(
        "Attachment Linked to Comment",
        Some("attachment_linked_to_comment"),
        true,
        Raw,
    ),
    spec(
        "Attachment Redacted from Comment",
        Some("attachment_redacted_from_comment"),
        true,
        Raw,
    ),
    spec("Brand Changed", Some("brand_changed"), true, Id),
    spec("Comment Created", Some("comment_added"), true, Raw),
    spec(
        "Comment Made Private",
        Some("comment_made_private"),
        true,
        Raw,
    ),
    spec("Comment Redacted", Some("comment_redacted"), true, Raw),
    spec(
        "Custom Field Changed",
        Some("custom_field_changed"),
        true,
        CustomFieldValue,
    ),
    spec(
        "Description Changed",
        Some("description_changed"),
        true,
        PersonalText,
    ),
    spec(
        "Email CCs Changed",
        Some("email_ccs_changed"),
        true,
        UserIds,
    ),
    spec(
        "External ID Changed",
        Some("external_id_changed"),
        true,
        Text,
    ),
    spec(
        "Followers Changed",
        Some("followers_changed"),
        true,
        UserIds,
    ),
    spec("Form Changed", Some("form_changed"), true, Id),
    spec(
        "Group Assignment Changed",
        Some("group_assignment_changed"),
        true,
        Id,
    ),
    spec(
        "Organization Changed",
        Some("organization_changed"),
        true,
        Id,
    ),
    spec("Priority Changed", Some("priority_changed"), true, Enum),
    spec(
        "Problem Link Changed",
        Some("problem_link_changed"),
        true,
        Id,
    ),
    spec("Requester Changed", Some("requester_changed"), true, Id),
    spec("Status Changed", Some("status_changed"), true, Enum),
    spec(
        "Subject Changed",
        Some("subject_changed"),
        true,
        PersonalText,
    ),
    spec("Submitter Changed", Some("submitter_changed"), true, Id),
    spec("Tags Changed", Some("tags_changed"), true, Tags),
    spec(
        "Task Due At Changed",
        Some("task_due_at_changed"),
        true,
        Text,
    ),
    spec("Ticket Created", Some("created"), true, Raw),
    spec("Ticket Marked as Spam", Some("marked_as_spam"), true, Raw),
    spec("Ticket Merged", Some("merged"), true, Raw),
    spec(
        "Ticket Permanently Deleted",
        Some("permanently_deleted"),
        true,
        Raw,
    ),
    spec("Ticket Soft Deleted", Some("soft_deleted"), true, Raw),
    spec("Ticket Type Changed", Some("type_changed"), true, Enum),
    spec("Ticket Undeleted", None, true, Raw),
    spec(
        "Custom Status Changed",
        Some("custom_status_changed"),
        false,
        Id,
    ),
    spec("SLA Policy Changed", Some("sla_policy_changed"), false, Raw),
    spec("Schedule Changed", Some("schedule_changed"), false, Raw),
    spec("OLA Policy Changed", Some("ola_policy_changed"), false, Raw),
    metric_spec("SLA Breached"),
    metric_spec("SLA Fulfilled"),
    metric_spec("SLA Applied"),
];

/// Prefix of every webhook ticket event type.
pub const WEBHOOK_TICKET_PREFIX: &str = "zen:event-type:ticket.";
/// Prefix of every connector ticket `detail-type`.
pub const DETAIL_TYPE_PREFIX: &str = "Support Ticket: ";

/// The type of a ticket event: a known one from [`EVENT_TYPES`], or an unknown one kept as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventType {
    /// A type listed in [`EVENT_TYPES`].
    Known(&'static EventSpec),
    /// A connector name not in the table, kept verbatim.
    UnknownConnector(String),
    /// A webhook suffix (after `zen:event-type:ticket.`) not in the table, kept verbatim.
    UnknownWebhook(String),
}

impl EventType {
    /// True for the SLA events `ticket-metrics` publishes: about the ticket's SLA, not a change
    /// of the ticket.
    pub fn is_sla(&self) -> bool {
        matches!(self, Self::Known(spec) if spec.from_metric_events)
    }

    /// Looks up a connector event name ("Comment Created"). Webhook-only types count too: the
    /// bridge puts them on the bus under their canonical name.
    pub fn from_connector_name(name: &str) -> Self {
        EVENT_TYPES
            .iter()
            .find(|s| s.name == name)
            .map_or_else(|| Self::UnknownConnector(name.to_owned()), Self::Known)
    }

    /// Looks up the name of a bridged webhook event: an unknown one is the title-cased webhook
    /// suffix (see [`EventType::name`]), turned back into that suffix.
    pub fn from_bridged_name(name: &str) -> Self {
        match Self::from_connector_name(name) {
            Self::UnknownConnector(name) => {
                Self::UnknownWebhook(name.to_ascii_lowercase().replace(' ', "_"))
            }
            known => known,
        }
    }

    /// Looks up a webhook suffix ("comment_added").
    pub fn from_webhook_suffix(suffix: &str) -> Self {
        EVENT_TYPES
            .iter()
            .find(|s| s.webhook_suffix == Some(suffix))
            .map_or_else(|| Self::UnknownWebhook(suffix.to_owned()), Self::Known)
    }

    /// Looks up any spelling: a connector name, a webhook suffix or a full webhook type.
    pub fn parse(text: &str) -> Self {
        let text = text.trim();
        let text = text.strip_prefix(DETAIL_TYPE_PREFIX).unwrap_or(text);
        if let Some(suffix) = text
            .strip_prefix(WEBHOOK_TICKET_PREFIX)
            .or_else(|| text.strip_prefix("ticket."))
        {
            return Self::from_webhook_suffix(suffix);
        }
        if let Some(spec) = EVENT_TYPES
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(text))
        {
            return Self::Known(spec);
        }
        match Self::from_webhook_suffix(text) {
            known @ Self::Known(_) => known,
            _ => Self::UnknownConnector(text.to_owned()),
        }
    }

    /// The canonical name: the connector name, or for unknown webhook types a title-cased suffix.
    pub fn name(&self) -> Cow<'_, str> {
        match self {
            Self::Known(spec) => Cow::Borrowed(spec.name),
            Self::UnknownConnector(name) => Cow::Borrowed(name),
            Self::UnknownWebhook(suffix) => Cow::Owned(title_case(suffix)),
        }
    }

    /// How `previous`/`current` are normalised for this type.
    pub fn change_value(&self) -> ChangeValue {
        match self {
            Self::Known(spec) => spec.change,
            _ => ChangeValue::Raw,
        }
    }

    /// Whether the type is in the table.
    pub fn is_known(&self) -> bool {
        matches!(self, Self::Known(_))
    }

    /// True for comment events (connector "Comment Created", webhook `comment_added`).
    pub fn is_comment_added(&self) -> bool {
        matches!(self, Self::Known(spec) if spec.name == "Comment Created")
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// `group_membership_created` → "Group Membership Created".
pub fn title_case(snake: &str) -> String {
    snake
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_connector_and_thirty_three_webhook_types() {
        assert_eq!(EVENT_TYPES.iter().filter(|s| s.in_connector).count(), 30);
        assert_eq!(
            EVENT_TYPES
                .iter()
                .filter(|s| s.webhook_suffix.is_some())
                .count(),
            33
        );
    }

    #[test]
    fn irregular_pairs_resolve_to_one_type() {
        for (connector, webhook) in [
            ("Comment Created", "comment_added"),
            ("Ticket Type Changed", "type_changed"),
            ("Ticket Created", "created"),
            ("Email CCs Changed", "email_ccs_changed"),
            ("Ticket Marked as Spam", "marked_as_spam"),
            ("Ticket Merged", "merged"),
        ] {
            assert_eq!(
                EventType::from_connector_name(connector),
                EventType::from_webhook_suffix(webhook)
            );
        }
    }

    #[test]
    fn unknown_types_are_kept() {
        let t = EventType::from_webhook_suffix("priority_escalated");
        assert_eq!(t, EventType::UnknownWebhook("priority_escalated".into()));
        assert_eq!(t.name(), "Priority Escalated");
        let t = EventType::from_connector_name("Brand New Thing");
        assert_eq!(t.name(), "Brand New Thing");
        assert!(!t.is_known());
    }

    #[test]
    fn parse_accepts_every_spelling() {
        let comment = EventType::from_connector_name("Comment Created");
        for text in [
            "Comment Created",
            "comment created",
            "comment_added",
            "zen:event-type:ticket.comment_added",
            "ticket.comment_added",
            "Support Ticket: Comment Created",
        ] {
            assert_eq!(EventType::parse(text), comment, "{text}");
        }
    }

    #[test]
    fn names_and_suffixes_are_unique() {
        let mut names: Vec<_> = EVENT_TYPES.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EVENT_TYPES.len());
        let mut suffixes: Vec<_> = EVENT_TYPES
            .iter()
            .filter_map(|s| s.webhook_suffix)
            .collect();
        let n = suffixes.len();
        suffixes.sort_unstable();
        suffixes.dedup();
        assert_eq!(suffixes.len(), n);
    }
}

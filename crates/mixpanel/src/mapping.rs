//! `TicketEvent` → Mixpanel `/import` events and `/engage` profile updates.
//!
//! One table decides every event name ([`event_name`]); README's mapping table is generated
//! from it ([`markdown_table`]) and a test keeps the two equal.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use zendesk_events::{EVENT_TYPES, EventType, TicketEvent};

use crate::config::{DistinctId, MappingConfig};

/// The extra event a public comment by staff yields.
pub const RESPONDED: &str = "Ticket Responded";

/// Mixpanel event name of a Zendesk type: `"Ticket " + name`, without doubling a leading
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

/// A mapping failure: the JSON path (in `TicketEvent` terms) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapError(pub String);

impl std::fmt::Display for MapError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One `/import` event.
#[derive(Debug, Serialize)]
pub struct ImportEvent<'a> {
    /// Event name.
    pub event: &'a str,
    /// Properties.
    pub properties: Properties<'a>,
}

/// Flat, snake_case event properties. Absent values are left out rather than sent as null.
#[derive(Debug, Serialize)]
pub struct Properties<'a> {
    /// Milliseconds since the epoch: when it happened in Zendesk.
    pub time: i64,
    /// The profile the event belongs to.
    pub distinct_id: &'a str,
    /// Dedup key: derived from the Zendesk event identity and the event name.
    #[serde(rename = "$insert_id")]
    pub insert_id: String,
    /// `0`: do not geolocate the sender (the Lambda).
    pub ip: u8,
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
    tags: &'a [String],
    zendesk_event_type: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actor_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    current: Option<&'a Value>,
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
    /// Type-specific keys Zendesk sent (`tags_added`, `target_ticket_id`, `users_added`, …).
    #[serde(flatten)]
    extra: &'a BTreeMap<String, Value>,
}

/// The ticket state a profile update `$set`s, borrowed from the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileState<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    priority: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ticket_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    assignee_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    organization_id: Option<u64>,
    tags: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    channel: Option<&'a str>,
    last_event_at: String,
}

/// One `/engage` update.
#[derive(Debug, Serialize)]
pub struct ProfileUpdate<'a> {
    /// Project token: `/engage` authenticates by payload.
    #[serde(rename = "$token")]
    pub token: &'a str,
    /// The profile.
    #[serde(rename = "$distinct_id")]
    pub distinct_id: &'a str,
    /// `0`: keep the profile's location.
    #[serde(rename = "$ip")]
    pub ip: u8,
    /// A background update must not move "last seen".
    #[serde(rename = "$ignore_time")]
    pub ignore_time: bool,
    /// The ticket's state.
    #[serde(rename = "$set")]
    pub set: &'a ProfileState<'a>,
}

/// Applies a [`MappingConfig`] to ticket events.
#[derive(Debug, Clone)]
pub struct Mapper {
    config: MappingConfig,
}

impl Mapper {
    /// A mapper for `config`.
    pub fn new(config: MappingConfig) -> Self {
        Self { config }
    }

    /// The settings in force.
    pub fn config(&self) -> &MappingConfig {
        &self.config
    }

    /// Whether `ZENDESK_EVENT_TYPES` lets this event through.
    pub fn allows(&self, event: &TicketEvent) -> bool {
        self.config
            .event_types
            .as_ref()
            .is_none_or(|allowed| allowed.contains(&event.event_type))
    }

    /// The profile an event belongs to.
    pub fn distinct_id(&self, event: &TicketEvent) -> Result<String, MapError> {
        match self.config.distinct_id {
            DistinctId::Ticket => Ok(event.ticket.id.to_string()),
            DistinctId::Requester => event.ticket.requester_id.map(|id| id.to_string()).ok_or_else(|| {
                MapError(format!(
                    "ticket.requester_id is missing on ticket {}, and MIXPANEL_DISTINCT_ID=requester needs it",
                    event.ticket.id
                ))
            }),
        }
    }

    /// The `/import` events for one ticket event, serialized: its own, plus "Ticket Responded"
    /// for a public comment by staff.
    pub fn events(&self, event: &TicketEvent) -> Result<Vec<Vec<u8>>, MapError> {
        Ok(self.events_for(event, &self.distinct_id(event)?))
    }

    /// [`Mapper::events`] for an already resolved distinct id.
    pub fn events_for(&self, event: &TicketEvent, distinct_id: &str) -> Vec<Vec<u8>> {
        let name = event_name(&event.event_type);
        let responded = event.comment.as_ref().is_some_and(|c| {
            event.event_type.is_comment_added()
                && c.is_public == Some(true)
                && c.author_is_staff == Some(true)
        });
        let mut out = Vec::with_capacity(1 + usize::from(responded));
        out.push(self.encode(event, &name, distinct_id));
        if responded {
            out.push(self.encode(event, RESPONDED, distinct_id));
        }
        out
    }

    fn encode(&self, event: &TicketEvent, name: &str, distinct_id: &str) -> Vec<u8> {
        let insert_id = event.identity.derive_key(&["mixpanel", name]);
        let import = ImportEvent {
            event: name,
            properties: self.properties(event, distinct_id, insert_id),
        };
        serde_json::to_vec(&import).expect("mapped events always serialize")
    }

    fn properties<'a>(
        &self,
        event: &'a TicketEvent,
        distinct_id: &'a str,
        insert_id: String,
    ) -> Properties<'a> {
        let t = &event.ticket;
        let comment = event.comment.as_ref();
        let personal = self.personal_change(&event.event_type);
        let custom_field = event.custom_field.as_ref();
        Properties {
            time: event.occurred_at.unix_millis(),
            distinct_id,
            insert_id,
            ip: 0,
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
            tags: &t.tags,
            zendesk_event_type: event.event_type.name(),
            actor_id: event.actor_id,
            previous: event.previous.as_ref().filter(|_| personal),
            current: event.current.as_ref().filter(|_| personal),
            comment_id: comment.and_then(|c| c.id),
            comment_public: comment.and_then(|c| c.is_public),
            comment_author_id: comment.and_then(|c| c.author_id),
            comment_author_is_staff: comment.and_then(|c| c.author_is_staff),
            comment_body: comment
                .and_then(|c| c.body.as_deref())
                .filter(|_| self.config.include_comment_body),
            description: t
                .description
                .as_deref()
                .filter(|_| self.config.include_comment_body),
            subject: t.subject.as_deref().filter(|_| self.config.include_subject),
            attachment_id: event.attachment.as_ref().and_then(|a| a.id),
            attachment_content_type: event
                .attachment
                .as_ref()
                .and_then(|a| a.content_type.as_deref()),
            attachment_public: event.attachment.as_ref().and_then(|a| a.is_public),
            custom_field_id: custom_field.and_then(|f| f.get("id")),
            custom_field_title: custom_field.and_then(|f| f.get("title")),
            extra: &event.extra,
        }
    }

    /// Whether `previous`/`current` may be sent: descriptions and subjects are personal data.
    fn personal_change(&self, event_type: &EventType) -> bool {
        match event_type {
            EventType::Known(spec) if spec.name == "Description Changed" => {
                self.config.include_comment_body
            }
            EventType::Known(spec) if spec.name == "Subject Changed" => self.config.include_subject,
            _ => true,
        }
    }

    /// The ticket state to `$set` on the event's profile.
    pub fn profile_state<'a>(&self, event: &'a TicketEvent) -> ProfileState<'a> {
        let t = &event.ticket;
        ProfileState {
            status: t.status.as_deref(),
            priority: t.priority.as_deref(),
            ticket_type: t.ticket_type.as_deref(),
            assignee_id: t.assignee_id,
            group_id: t.group_id,
            organization_id: t.organization_id,
            tags: &t.tags,
            channel: t.channel.as_deref(),
            last_event_at: event.occurred_at.to_seconds_utc(),
        }
    }
}

/// README's mapping table, generated from [`EVENT_TYPES`] and [`event_name`].
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| Zendesk connector `detail-type` | Zendesk webhook `type` | Mixpanel event |\n|---|---|---|\n",
    );
    for spec in EVENT_TYPES {
        let connector = if spec.in_connector {
            format!("`Support Ticket: {}`", spec.name)
        } else {
            "—".to_owned()
        };
        let webhook = spec
            .webhook_suffix
            .map_or("—".to_owned(), |s| format!("`zen:event-type:ticket.{s}`"));
        let mut mixpanel = event_name(&EventType::Known(spec)).into_owned();
        if spec.name == "Comment Created" {
            mixpanel.push_str(&format!(" (+ {RESPONDED} when public and by staff)"));
        }
        out.push_str(&format!("| {connector} | {webhook} | {mixpanel} |\n"));
    }
    out.push_str(
        "| any other type | any other `ticket.*` type | `Ticket <Name>`, kept as sent |\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_rule_with_its_exceptions() {
        for (zendesk, mixpanel) in [
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
            assert_eq!(
                event_name(&EventType::parse(zendesk)),
                mixpanel,
                "{zendesk}"
            );
        }
        assert_eq!(
            event_name(&EventType::UnknownWebhook("priority_escalated".into())),
            "Ticket Priority Escalated"
        );
    }
}

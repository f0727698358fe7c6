//! `TicketEvent` → Mixpanel `/import` events and `/engage` profile updates.
//!
//! One table decides every event name ([`event_name`]); README's mapping table is generated
//! from it ([`markdown_table`]) and a test keeps the two equal.

use serde::Serialize;
use ticket_analytics::{EventNames, TicketProperties, is_allowed};
use zendesk_events::{EVENT_TYPES, EventType, TicketEvent};

use crate::config::{DistinctId, MappingConfig};

pub use ticket_analytics::{RESPONDED, event_name};

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
    /// The ticket's properties, shared with every destination.
    #[serde(flatten)]
    pub ticket: TicketProperties<'a>,
    /// The group key with the organization id, which attributes the event to its group.
    #[serde(flatten)]
    pub group: GroupKeyProperty<'a>,
}

/// `MIXPANEL_GROUP_KEY` and the ticket's organization id (as a string, the form of
/// `$group_id`): one property, or none without a key or an organization.
#[derive(Debug)]
pub struct GroupKeyProperty<'a>(pub Option<(&'a str, u64)>);

impl Serialize for GroupKeyProperty<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(usize::from(self.0.is_some())))?;
        if let Some((key, id)) = self.0 {
            map.serialize_entry(key, &id.to_string())?;
        }
        map.end()
    }
}

/// The ticket state a profile update `$set`s, borrowed from the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileState<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) priority: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) ticket_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) assignee_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) group_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) organization_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tags: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) channel: Option<&'a str>,
    pub(crate) last_event_at: String,
    /// The store's marks (`MIXPANEL_PROFILES=store` only: one event does not know them).
    #[serde(flatten)]
    pub(crate) marks: Marks,
}

/// The deleted, merged and spam marks of a stored ticket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Marks {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) deleted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) merged_into: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) spam: Option<bool>,
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
        is_allowed(self.config.event_types.as_deref(), event)
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
        self.config
            .event_names
            .names(event)
            .iter()
            .map(|name| self.encode(event, name, distinct_id))
            .collect()
    }

    fn encode(&self, event: &TicketEvent, name: &str, distinct_id: &str) -> Vec<u8> {
        let insert_id = event.identity.derive_key(&["mixpanel", name]);
        let mut ticket = TicketProperties::new(event, &self.config.pii);
        let group = self.config.group_key.as_deref().and_then(|key| {
            // Named `organization_id`, the key replaces the numeric property of that name.
            let id = if key == "organization_id" {
                ticket.take_organization_id()
            } else {
                ticket.organization_id()
            };
            id.map(|id| (key, id))
        });
        let import = ImportEvent {
            event: name,
            properties: Properties {
                time: event.occurred_at.unix_millis(),
                distinct_id,
                insert_id,
                ip: 0,
                ticket,
                group: GroupKeyProperty(group),
            },
        };
        // Sized for a typical event (about 600 bytes), so the buffer is not grown five times.
        let mut out = Vec::with_capacity(1024);
        serde_json::to_writer(&mut out, &import).expect("mapped events always serialize");
        out
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
            tags: t.tags.as_deref(),
            channel: t.channel.as_deref(),
            last_event_at: event.occurred_at.to_seconds_utc(),
            marks: Marks::default(),
        }
    }
}

/// README's mapping table, generated from [`EVENT_TYPES`] and the event names (`EVENT_NAMES`;
/// README shows the defaults).
pub fn markdown_table(names: &EventNames) -> String {
    let mut out = String::from(
        "| Zendesk connector `detail-type` | Zendesk webhook `type` | Mixpanel event |\n|---|---|---|\n",
    );
    for spec in EVENT_TYPES {
        let connector = ticket_analytics::table_cell_detail_type(spec);
        let webhook = spec
            .webhook_suffix
            .map_or("—".to_owned(), |s| format!("`zen:event-type:ticket.{s}`"));
        let mixpanel = ticket_analytics::table_cell_name(names, &EventType::Known(spec));
        out.push_str(&format!("| {connector} | {webhook} | {mixpanel} |\n"));
    }
    out.push_str(
        "| any other type | any other `ticket.*` type | `Ticket <Name>`, kept as sent |\n",
    );
    out
}

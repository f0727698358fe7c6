//! `TicketEvent` → Mixpanel `/import` events and `/engage` profile updates.
//!
//! One table decides every event name ([`event_name`]); README's mapping table is generated
//! from it ([`markdown_table`]) and a test keeps the two equal.

use bytes::BufMut;
use delivery::{Bytes, ItemBuffer};
use serde::Serialize;
use ticket_analytics::{EventNames, JsonObject, Members, TicketProperties, is_allowed};
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

/// The ticket state a profile update `$set`s, borrowed from the event.
/// [`ProfileState::write`] lists its members; absent values are left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileState<'a> {
    pub(crate) status: Option<&'a str>,
    pub(crate) priority: Option<&'a str>,
    pub(crate) ticket_type: Option<&'a str>,
    pub(crate) assignee_id: Option<u64>,
    pub(crate) group_id: Option<u64>,
    pub(crate) organization_id: Option<u64>,
    pub(crate) tags: Option<&'a [String]>,
    pub(crate) channel: Option<&'a str>,
    pub(crate) last_event_at: String,
    /// The store's marks (`MIXPANEL_PROFILES=store` only: one event does not know them).
    pub(crate) marks: Marks,
}

impl ProfileState<'_> {
    /// Writes the state's members into `m`.
    pub fn write(&self, m: &mut impl Members) {
        m.opt_str("status", self.status);
        m.opt_str("priority", self.priority);
        m.opt_str("ticket_type", self.ticket_type);
        m.opt_u64("assignee_id", self.assignee_id);
        m.opt_u64("group_id", self.group_id);
        m.opt_u64("organization_id", self.organization_id);
        m.opt_strings("tags", self.tags);
        m.opt_str("channel", self.channel);
        m.str("last_event_at", &self.last_event_at);
        m.opt_bool("deleted", self.marks.deleted);
        m.opt_u64("merged_into", self.marks.merged_into);
        m.opt_bool("spam", self.marks.spam);
    }
}

impl Serialize for ProfileState<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serde_json::Map::new();
        self.write(&mut map);
        map.serialize(serializer)
    }
}

/// The deleted, merged and spam marks of a stored ticket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marks {
    pub(crate) deleted: Option<bool>,
    pub(crate) merged_into: Option<u64>,
    pub(crate) spam: Option<bool>,
}

/// One `/engage` update.
#[derive(Debug)]
pub struct ProfileUpdate<'a> {
    /// Project token: `/engage` authenticates by payload.
    pub token: &'a str,
    /// The profile.
    pub distinct_id: &'a str,
    /// The ticket's state.
    pub set: &'a ProfileState<'a>,
}

impl ProfileUpdate<'_> {
    /// The update as Mixpanel takes it: `{"$token", "$distinct_id", "$ip": 0 (keep the
    /// profile's location), "$ignore_time": true (a background update must not move "last
    /// seen"), "$set"}`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        self.write(&mut out);
        out
    }

    /// [`ProfileUpdate::encode`] into `out`.
    pub fn write(&self, out: &mut impl BufMut) {
        let mut update = JsonObject::begin(out);
        update.str("$token", self.token);
        update.str("$distinct_id", self.distinct_id);
        update.u64("$ip", 0);
        update.bool("$ignore_time", true);
        let mut set = update.object("$set");
        self.set.write(&mut set);
        set.end();
        update.end();
    }
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
    pub fn events(&self, event: &TicketEvent) -> Result<Vec<Bytes>, MapError> {
        let distinct_id = self.distinct_id(event)?;
        let mut buffer = ItemBuffer::new();
        Ok(self.events_for(event, &distinct_id, &mut buffer).collect())
    }

    /// [`Mapper::events`] for an already resolved distinct id, written into `buffer`.
    pub fn events_for<'a>(
        &'a self,
        event: &'a TicketEvent,
        distinct_id: &'a str,
        buffer: &'a mut ItemBuffer,
    ) -> impl Iterator<Item = Bytes> + 'a {
        self.config
            .event_names
            .names(event)
            .map(move |name| buffer.write(|out| self.encode(event, &name, distinct_id, out)))
    }

    /// One `/import` event: `{"event": name, "properties": {time, distinct_id, $insert_id, ip,
    /// the ticket's properties, the group key}}`, written straight into its buffer (through
    /// serde's generic serializer this was the costliest step of mapping).
    fn encode(&self, event: &TicketEvent, name: &str, distinct_id: &str, out: &mut impl BufMut) {
        let insert_id = event.identity.derive(&["mixpanel", name]);
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
        let mut import = JsonObject::begin(out);
        import.str("event", name);
        let mut properties = import.object("properties");
        // Milliseconds since the epoch: when it happened in Zendesk.
        properties.i64("time", event.occurred_at.unix_millis());
        properties.str("distinct_id", distinct_id);
        // Dedup key: derived from the Zendesk event identity and the event name.
        properties.str("$insert_id", insert_id.as_str());
        // `0`: do not geolocate the sender (the Lambda).
        properties.u64("ip", 0);
        ticket.write(&mut properties);
        // The group key with the organization id as a string (the form of `$group_id`), which
        // attributes the event to its group.
        if let Some((key, id)) = group {
            properties.str(key, itoa::Buffer::new().format(id));
        }
        properties.end();
        import.end();
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

//! Zendesk ticket events → FullStory events: the same names and properties as the Mixpanel
//! mapping (shared through `zendesk_events::analytics`), conformed to FullStory's rules.

use ticket_analytics::{EventNames, TicketProperties, is_allowed};
use zendesk_events::{EVENT_TYPES, EventType, TicketEvent};

use crate::config::MappingConfig;
use crate::properties::conform;
use crate::request::{EventParts, EventRequest};

pub use ticket_analytics::{RESPONDED, event_name};

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

    /// The requests for one ticket event on the timeline of `uid`: its own event, plus
    /// "Ticket Responded" for a public comment by staff.
    pub fn requests(&self, event: &TicketEvent, uid: &str) -> Vec<EventRequest> {
        let properties = conform(TicketProperties::new(event, &self.config.pii).to_map());
        self.config
            .event_names
            .names(event)
            .map(|name| {
                EventParts {
                    name: &name,
                    occurred_at: &event.occurred_at,
                    uid,
                    use_most_recent_session: self.config.use_most_recent_session,
                    properties: &properties,
                    identity: &event.identity,
                }
                .encode()
            })
            .collect()
    }
}

/// README's FullStory table for ticket events, generated from [`EVENT_TYPES`], the event
/// names (`EVENT_NAMES`; README shows the defaults) and the default allow-list.
pub fn markdown_table(names: &EventNames) -> String {
    let defaults = crate::config::default_event_types();
    let mut out = String::from(
        "| Zendesk connector `detail-type` | Zendesk webhook `type` | FullStory event | Sent by default |\n|---|---|---|---|\n",
    );
    for spec in EVENT_TYPES {
        let connector = ticket_analytics::table_cell_detail_type(spec);
        let webhook = spec
            .webhook_suffix
            .map_or("—".to_owned(), |s| format!("`zen:event-type:ticket.{s}`"));
        let event_type = EventType::Known(spec);
        let name = ticket_analytics::table_cell_name(names, &event_type);
        let default = if defaults.contains(&event_type) {
            "yes"
        } else {
            "—"
        };
        out.push_str(&format!(
            "| {connector} | {webhook} | {name} | {default} |\n"
        ));
    }
    out.push_str(
        "| any other type | any other `ticket.*` type | `Ticket <Name>`, kept as sent | — |\n",
    );
    out
}

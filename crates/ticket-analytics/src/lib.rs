//! The analytics view of a ticket event that every destination shares: its event name (one
//! table for Mixpanel and FullStory), its flat, snake_case properties, and the personal-data
//! allow-list (comment bodies, descriptions, subjects, custom field values, unknown keys leave
//! only when a setting names them) that both they and the bus encoder apply.

mod members;
mod names;
mod pii;
mod properties;

pub use members::{JsonObject, Members, write_str};
pub use names::{
    EventNames, MAX_EVENT_NAME_CHARS, RESPONDED, event_name, event_names, is_allowed, is_response,
    table_cell_detail_type, table_cell_name,
};
pub use pii::{DOCUMENTED_EXTRA_KEYS, PiiPolicy};
pub use properties::TicketProperties;

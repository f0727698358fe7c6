//! Mixpanel: configuration, the mapping of Zendesk ticket events to `/import` events and
//! `/engage` profile updates, and the client that sends them.

pub mod client;
pub mod config;
pub mod mapping;
pub mod profiles;
pub mod response;

pub use client::MixpanelClient;
pub use config::{DistinctId, ImportAuth, MappingConfig, MixpanelConfig};
pub use mapping::{MapError, Mapper, event_name, markdown_table};
pub use profiles::ProfileBook;

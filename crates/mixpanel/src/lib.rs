//! Mixpanel: configuration, the mapping of Zendesk ticket events to `/import` events and
//! `/engage` profile updates, and the client that sends them.

pub mod client;
pub mod config;
pub mod mapping;
pub mod profiles;
pub mod response;

pub use client::MixpanelClient;
pub use config::{DistinctId, ImportAuth, MappingConfig, MixpanelConfig};
pub use mapping::{event_name, markdown_table, MapError, Mapper};
pub use profiles::ProfileBook;

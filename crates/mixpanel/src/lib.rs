//! Mixpanel: configuration, the mapping of Zendesk ticket events to `/import` events and
//! `/engage` profile updates, the request bodies, the client that sends them and the
//! classification of Mixpanel's answers (the same file split as `fullstory`).

pub mod accounts;
pub mod client;
pub mod config;
pub mod mapping;
pub mod profiles;
pub mod request;
pub mod response;
pub mod stored;

pub use client::MixpanelClient;
pub use config::{DistinctId, ImportAuth, MappingConfig, MixpanelConfig, ProfileSource};
pub use mapping::{MapError, Mapper, event_name, markdown_table};
pub use profiles::ProfileBook;

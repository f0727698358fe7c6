//! FullStory Server API v2: configuration, the mapping of Zendesk ticket events and Intercom
//! conversation events, the requester lookup that finds each event's `user.uid`, and the
//! client that sends `POST /v2/events` with an `Idempotency-Key`.

pub mod client;
pub mod config;
pub mod conversations;
pub mod identity;
pub mod mapping;
pub mod properties;
pub mod request;
pub mod response;

pub use client::{ClientError, FullStoryClient};
pub use config::{FullStoryConfig, MappingConfig, SECRET_SETTINGS, UserIdSource};
pub use conversations::{Conversation, decode_conversation, is_conversation};
pub use identity::{LookupStats, MAX_UID, NoUid, Requesters, usable_uid};
pub use mapping::Mapper;
pub use request::EventRequest;

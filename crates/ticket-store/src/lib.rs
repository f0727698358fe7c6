//! The ticket store: a DynamoDB table with one item per Zendesk ticket, kept current by the
//! ticket events (SNS, SQS or direct EventBridge). Every write is conditional on the event
//! being newer than what the item holds, so arrival order never matters and a redelivery
//! changes nothing; an older event is acknowledged as skipped, never failed.

pub mod config;
pub mod read;
pub mod store;
pub mod table;
pub mod update;

pub use config::StoreConfig;
pub use store::Store;
pub use table::Table;
pub use update::{Aspect, TicketUpdate, Version};

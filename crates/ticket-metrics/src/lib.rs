//! The scheduled `ticket-metrics` job: Zendesk ticket metric sets (first reply, resolution and
//! wait times) from the cursor-based incremental ticket export into Mixpanel profile `$set`s and
//! "Ticket Metrics Updated" events, with the cursor saved after each page Mixpanel accepted.

pub mod config;
pub mod cursor;
mod handler;
pub mod job;
pub mod mapping;
pub mod sla;

pub use config::{MetricsConfig, SECRET_SETTINGS};
pub use cursor::{CursorError, CursorStore, NO_CURSOR};
pub use handler::{FUNCTION, handle};
pub use job::{JobError, MetricsJob, RunSummary, Stop};
pub use mapping::{METRICS_EVENT, MetricsMapper, TicketRecords, metric_properties, ticket_state};

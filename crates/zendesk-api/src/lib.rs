//! A Zendesk REST API client for the Lambdas and the CLI: configuration from the environment
//! (OAuth bearer token preferred, API token accepted), a request pace per endpoint class,
//! retries on 429 (honouring `Retry-After`) and 5xx within a deadline, typed errors; users,
//! the incremental ticket export with metric sets, the incremental ticket event export
//! turned into `TicketEvent`s, and the ticket metric event export (SLA events).

mod client;
mod config;
mod error;
mod history;
mod metric_events_export;
mod metric_set;
mod rate_limit;
mod ticket_events_export;
mod tickets_export;
mod tickets_show;
mod unix_time;
mod users;

pub use client::ZendeskClient;
pub use config::{SECRET_SETTINGS, ZendeskAuth, ZendeskConfig};
pub use error::ZendeskError;
pub use history::{HistoryEvents, history_events};
pub use metric_events_export::{MetricEventItem, MetricEventStream, SlaPolicy, SlaTarget};
pub use metric_set::{MetricSet, Minutes};
pub use rate_limit::{EndpointClass, Pace, RateLimiter, RateLimits};
pub use ticket_events_export::{
    EventPage, ExportItem, ExportPosition, ExportStream, ItemError, StreamStats, TicketEventItem,
    TicketEventStream,
};
pub use tickets_export::{
    EXPORT_PAGE_SIZE, ExportStart, ExportedTicket, TicketPage, parse_ticket_page,
};
pub use unix_time::unix_now;
pub use users::{SHOW_MANY_LIMIT, User};
